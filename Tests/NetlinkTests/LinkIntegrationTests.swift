import Glibc
import IPAddressing
@testable import Netlink
import RoutedTestKit
import Testing
import TestScheduling

@Suite("Links, addresses, neighbours and sysctls in fresh namespaces", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"), .serialized)
struct LinkIntegrationTests {
    @Test("a veth peer is created directly in the target namespace and never appears here")
    func vethPeerInOtherNamespace() throws {
        try VethLab.with("lk") { lab in
            let hostNames = try lab.host.netlink { try $0.links().map(\.name) }
            let containerLinks = try lab.container.netlink { try $0.links() }
            #expect(hostNames.contains("h0"))
            #expect(!hostNames.contains("c0"))
            let c0 = try #require(containerLinks.first { $0.name == "c0" })
            #expect(c0.kind == "veth")
            #expect(lab.h0.kind == "veth")
            #expect(c0.hardwareAddress.count == 6)
        }
    }

    @Test("up/down, MTU, rename, move to another namespace and delete, checked against ip's view")
    func linkLifecycle() throws {
        try VethLab.with("lc") { lab in
            try lab.container.netlink { nl in
                let c0 = try #require(try nl.link(named: "c0"))
                try nl.perform(.setLink(LinkChange(index: c0.index, mtu: 1400, name: "eth0")))
                try nl.perform(.setLink(LinkChange(index: c0.index, up: true)))
                let eth0 = try #require(try nl.link(named: "eth0"))
                #expect(eth0.index == c0.index)
                #expect(eth0.mtu == 1400)
                #expect(eth0.isUp)
                #expect(try nl.link(named: "c0") == nil)
            }
            #expect(try lab.container.ip("-o", "link", "show", "eth0").contains("mtu 1400"))
            // A rename onto a name already taken is refused, and the typed error says so.
            try lab.container.netlink { nl in
                let eth0 = try #require(try nl.link(named: "eth0"))
                let error = #expect(throws: NetlinkError.self) {
                    try nl.perform(.setLink(LinkChange(index: eth0.index, name: "lo")))
                }
                #expect(error?.errno == EEXIST)
                // Move it back into the host namespace, then delete it there.
                try nl.perform(.setLink(LinkChange(index: eth0.index, up: false, namespace: lab.host.handle)))
                #expect(try nl.link(named: "eth0") == nil)
            }
            try lab.host.netlink { nl in
                let moved = try #require(try nl.link(named: "eth0"))
                try nl.perform(.deleteLink(index: moved.index))
                let names = try nl.links().map(\.name)
                #expect(!names.contains("eth0"))
                #expect(!names.contains("h0"))  // deleting one end of a veth deletes both
            }
        }
    }

    @Test("bad names are refused before anything is sent", arguments: ["", "abcdefghijklmnop", "a/b", "a b", "..", "x:1"])
    func badInterfaceNames(name: String) throws {
        #expect(throws: NetlinkError.self) { try validateInterfaceName(name) }
    }

    @Test("addresses and a permanent neighbour: add, dump, delete")
    func addressesAndNeighbours() throws {
        try VethLab.with("ad") { lab in
            try lab.host.netlink { nl in
                let address = InterfaceAddress(interfaceIndex: lab.h0.index, address: v4("10.77.0.1"), prefixLength: 24)
                try nl.perform(.addAddress(address))
                #expect(try nl.addresses(family: 2).contains(address))
                // Adding it twice: EEXIST, with the request named in the error.
                let error = #expect(throws: NetlinkError.self) { try nl.perform(.addAddress(address)) }
                #expect(error?.errno == EEXIST)
                #expect(error?.description.contains("addr add 10.77.0.1/24") == true)
                try nl.perform(.replaceAddress(address))  // idempotent

                let neighbour = Neighbour(interfaceIndex: lab.h0.index, address: v4("10.77.0.9"),
                                          hardwareAddress: [0xEE, 0xEE, 0xEE, 0xEE, 0xEE, 0xEE])
                try nl.perform(.replaceNeighbour(neighbour))
                try nl.perform(.replaceNeighbour(neighbour))
                #expect(try nl.neighbours().contains(neighbour))
                try nl.perform(.deleteNeighbour(neighbour))
                #expect(try !nl.neighbours().contains { $0.address == neighbour.address })

                try nl.perform(.deleteAddress(address))
                #expect(try !nl.addresses(family: 2).contains(address))
            }
            #expect(try lab.host.ip("-o", "neigh", "show", "dev", "h0").isEmpty)
        }
    }

    @Test("per-interface sysctls are written in the namespace of the thread, not of the process")
    func sysctlsFollowTheThread() throws {
        try VethLab.with("sy") { lab in
            try lab.host.thread.run {
                for sysctl in InterfaceSysctl.allCases {
                    try sysctl.write(1, interface: "h0")
                    #expect(try sysctl.read(interface: "h0") == 1)
                }
            }
            #expect(try runCommand("/usr/sbin/ip", "netns", "exec", lab.host.name, "sysctl", "-n", "net.ipv4.conf.h0.proxy_arp")
                    .hasPrefix("1"))
            // This (test) thread is in the machine's namespace, which has no h0.
            let error = #expect(throws: NetlinkError.self) { try InterfaceSysctl.forwarding.read(interface: "h0") }
            #expect(error?.errno == ENOENT)
            #expect(throws: NetlinkError.self) { try lab.host.thread.run { try InterfaceSysctl.rp_filterBad() } }
        }
    }

    @Test("a namespace opened by pid is the one that process runs in")
    func namespaceByPID() throws {
        try VethLab.with("pd") { lab in
            // A process started inside the container namespace; killed by pid below.
            let sleeper = try startSleeper(in: lab.container.name)
            defer { kill(sleeper, SIGKILL); var status: Int32 = 0; waitpid(sleeper, &status, 0) }
            let thread = try NamespaceThread(namespace: NetworkNamespace(pid: sleeper))
            defer { thread.stop() }
            let names = try thread.netlink { try $0.links().map(\.name) }
            #expect(names.contains("c0"))
            #expect(!names.contains("h0"))
        }
    }
}

extension InterfaceSysctl {
    /// rp_filter takes 0...2: 3 is refused before anything is written.
    static func rp_filterBad() throws { try InterfaceSysctl.reversePathFilter.write(3, interface: "h0") }
}

/// `ip netns exec NS sleep 30` started with posix_spawn; returns its pid.
func startSleeper(in namespace: String) throws -> pid_t {
    var pid: pid_t = 0
    let argv = ["/usr/sbin/ip", "netns", "exec", namespace, "/bin/sleep", "30"]
    var cargs: [UnsafeMutablePointer<CChar>?] = argv.map { strdup($0) } + [nil]
    defer { cargs.forEach { free($0) } }
    let rc = posix_spawn(&pid, argv[0], nil, nil, &cargs, environ)
    guard rc == 0 else { throw NetlinkError.system(call: "posix_spawn", errno: rc) }
    // Wait (bounded) until the child has entered the namespace: its ns link differs from ours.
    for _ in 0..<200 {
        let mine = try? String(decoding: readLink("/proc/self/ns/net"), as: UTF8.self)
        let theirs = try? String(decoding: readLink("/proc/\(pid)/ns/net"), as: UTF8.self)
        if let theirs, theirs != mine,
           (try? String(decoding: readLink("/proc/\(pid)/exe"), as: UTF8.self))?.hasSuffix("sleep") == true {
            return pid
        }
        usleep(10_000)
    }
    kill(pid, SIGKILL)
    throw NetlinkError.timedOut("sleep to start in \(namespace)")
}

func readLink(_ path: String) throws -> [UInt8] {
    var buffer = [UInt8](repeating: 0, count: 256)
    let n = buffer.withUnsafeMutableBufferPointer { readlink(path, $0.baseAddress!, 256) }
    guard n > 0 else { throw NetlinkError.system(call: "readlink(\(path))", errno: errno) }
    return Array(buffer[0..<n])
}

@Suite("Namespace threads", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"))
struct NamespaceThreadTests {
    @Test("work runs on one thread inside the namespace; a nested run does not deadlock; errors come back")
    func runsInside() throws {
        let ns = try TestNamespace("th")
        defer { ns.delete() }
        let (outer, inner) = try ns.thread.run { (pthread_self(), try ns.thread.run { pthread_self() }) }
        #expect(outer == inner)
        #expect(outer != pthread_self())
        let mine = try readLink("/proc/self/ns/net")
        let theirs = try ns.thread.run { try readLink("/proc/thread-self/ns/net") }
        #expect(mine != theirs)
        #expect(throws: NetlinkError.self) { try ns.thread.run { throw NetlinkError.timedOut("a test") } }
        ns.thread.stop()
        #expect(throws: NetlinkError.self) { try ns.thread.run { 1 } }
    }

    @Test("a namespace that does not exist is a clear error")
    func missingNamespace() {
        let error = #expect(throws: NetlinkError.self) { try NetworkNamespace(named: "rd-no-such-namespace") }
        #expect(error?.description.contains("/run/netns/rd-no-such-namespace") == true)
        #expect(throws: NetlinkError.self) { try NetworkNamespace(named: "../etc") }
    }
}
