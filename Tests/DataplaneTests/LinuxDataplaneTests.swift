import Dataplane
import Glibc
import IPAddressing
import Netlink
import RoutedTestKit
import Testing
import TestScheduling

/// A host namespace with forwarding on and its loopback up, plus `containers` container
/// namespaces, all fresh and deleted afterwards; `dataplane` manages the host namespace.
struct HostLab {
    let host: TestNamespace
    let containers: [TestNamespace]
    let dataplane: LinuxDataplane

    static func with(_ tag: String, containers count: Int, _ body: (HostLab) throws -> Void) throws {
        let host = try TestNamespace("\(tag)h")
        defer { host.delete() }
        var containers: [TestNamespace] = []
        defer { containers.forEach { $0.delete() } }
        for i in 0..<count { containers.append(try TestNamespace("\(tag)c\(i)")) }
        try host.ip("link", "set", "lo", "up")
        let dataplane = try LinuxDataplane(hostNamespacePath: "/run/netns/\(host.name)", mtu: 1500)
        try dataplane.enableForwarding()
        try body(HostLab(host: host, containers: containers, dataplane: dataplane))
    }

    func spec(_ i: Int, _ address: String) -> EndpointSpec {
        EndpointSpec(id: "ep-\(containers[i].name)", namespacePath: "/run/netns/\(containers[i].name)",
                     ipv4: IPv4Address(address)!)
    }

    /// `ip netns exec C ping -c 1 -w 4 TARGET` succeeded (a deadline, so a slow first ARP does not fail it).
    func ping(from i: Int, _ target: String) -> Bool {
        (try? runCommand("/usr/sbin/ip", "netns", "exec", containers[i].name, "ping", "-c", "1", "-w", "4", target))?
            .contains("1 received") == true
    }
}

@Suite("LinuxDataplane in fresh namespaces", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"), .serialized)
struct LinuxDataplaneTests {
    @Test("two endpoints on one host ping each other through the /32 host routes")
    func twoEndpointsPing() throws {
        try HostLab.with("ep", containers: 2) { lab in
            let a = try lab.dataplane.ensureEndpoint(lab.spec(0, "10.20.0.2"))
            let b = try lab.dataplane.ensureEndpoint(lab.spec(1, "10.20.0.3"))
            #expect(a.created && b.created)
            #expect(lab.ping(from: 0, "10.20.0.3"))
            #expect(lab.ping(from: 1, "10.20.0.2"))
            let routes = try lab.host.ip("route", "show", "proto", "201")
            #expect(routes.contains("10.20.0.2 dev \(a.hostInterface) scope link"))
            #expect(routes.contains("10.20.0.3 dev \(b.hostInterface) scope link"))
            let inside = try lab.containers[0].ip("route", "show")
            #expect(inside.contains("default via 169.254.1.1 dev eth0 proto 201 onlink"))
            // The host knows each endpoint's MAC without ARP: a permanent entry, the container end's address.
            let mac = try lab.containers[0].ip("-o", "link", "show", "eth0").components(separatedBy: "link/ether ").last?.prefix(17) ?? ""
            #expect(mac.count == 17)
            #expect(try lab.host.ip("neigh", "show", "10.20.0.2").contains("10.20.0.2 dev \(a.hostInterface) lladdr \(mac) PERMANENT"))
        }
    }

    @Test("ensure is idempotent, and repeated ensure/remove leaves no residue")
    func idempotentAndClean() throws {
        try HostLab.with("id", containers: 1) { lab in
            let spec = lab.spec(0, "10.20.1.2")
            for _ in 0..<3 {
                #expect(try lab.dataplane.ensureEndpoint(spec).created)
                #expect(try !lab.dataplane.ensureEndpoint(spec).created)
                #expect(lab.ping(from: 0, "10.20.1.2"))  // its own address, through lo
                try lab.dataplane.removeEndpoint(id: spec.id)
                try lab.dataplane.removeEndpoint(id: spec.id)  // again: nothing to do, no error
                #expect(try lab.host.ip("-o", "link", "show").contains(spec.hostInterfaceName) == false)
                #expect(try lab.host.ip("route", "show", "proto", "201").isEmpty)
                #expect(try lab.containers[0].ip("-o", "link", "show").contains("eth0") == false)
            }
        }
    }

    @Test("a host veth deleted by hand is recreated by the next ensure")
    func vanishedInterfaceRecreated() throws {
        try HostLab.with("vn", containers: 2) { lab in
            let a = try lab.dataplane.ensureEndpoint(lab.spec(0, "10.20.2.2"))
            _ = try lab.dataplane.ensureEndpoint(lab.spec(1, "10.20.2.3"))
            try lab.host.ip("link", "del", a.hostInterface)
            #expect(!lab.ping(from: 1, "10.20.2.2"))
            #expect(try lab.dataplane.ensureEndpoint(lab.spec(0, "10.20.2.2")).created)
            #expect(lab.ping(from: 1, "10.20.2.2"))
        }
    }

    @Test("bad endpoint input is refused with a reason and changes nothing")
    func badInput() throws {
        try HostLab.with("bd", containers: 1) { (lab: HostLab) throws in
            var noAddress = lab.spec(0, "10.20.3.2")
            noAddress.ipv4 = nil
            var badName = lab.spec(0, "10.20.3.2")
            badName.interfaceName = "this-name-is-too-long"
            var badNamespace = lab.spec(0, "10.20.3.2")
            badNamespace.namespacePath = "/run/netns/\(lab.host.name)-missing"
            for spec in [noAddress, badName, badNamespace] {
                #expect(throws: DataplaneError.self) { try lab.dataplane.ensureEndpoint(spec) }
            }
            #expect(try lab.host.ip("-o", "link", "show").split(separator: "\n").count == 1)  // lo only
            #expect(try lab.host.ip("route", "show", "proto", "201").isEmpty)
        }
    }

    @Test("the reconciler repairs a route deleted by hand, sweeps stale ones, never touches other protocols")
    func reconcilerAgainstTheKernel() throws {
        try HostLab.with("rc", containers: 1) { lab in
            let a = try lab.dataplane.ensureEndpoint(lab.spec(0, "10.20.4.2"))
            try lab.host.ip("route", "add", "10.30.0.0/24", "dev", a.hostInterface, "proto", "static")
            try lab.host.ip("route", "add", "10.31.0.0/24", "dev", a.hostInterface, "proto", "201")  // stale, ours
            var fib = FIBReconciler()
            let wanted = [
                FIBRoute(prefix: IPPrefix("10.20.4.2/32")!, target: .interface(a.hostInterface)),
                FIBRoute(prefix: IPPrefix("10.20.0.0/16")!, target: .blackhole),
                FIBRoute(prefix: IPPrefix("10.40.0.0/16")!, target: .gateway(IPAddress("10.20.4.2")!, interface: a.hostInterface, onlink: true)),
            ]
            wanted.forEach { fib.set($0) }
            // The agent's loop: read what the kernel announced, then apply (the start resync covers it).
            try lab.dataplane.kernelChanges(timeoutMilliseconds: 100).forEach { fib.observe($0) }
            #expect(try fib.apply(to: lab.dataplane).isEmpty)
            #expect(Set(try lab.dataplane.installedRoutes()) == Set(wanted))

            // Our own changes, announced in turn, do not call for another resync.
            let echoes = try lab.dataplane.kernelChanges(timeoutMilliseconds: 100)
            #expect(!echoes.isEmpty)
            echoes.forEach { fib.observe($0) }
            #expect(!fib.needsResync)
            try lab.host.ip("route", "del", "10.40.0.0/16")
            var changes: [KernelChange] = []
            for _ in 0..<50 where changes.isEmpty {
                changes = try lab.dataplane.kernelChanges(timeoutMilliseconds: 100)
            }
            #expect(changes == [.routeRemoved(wanted[2])])
            changes.forEach { fib.observe($0) }
            #expect(fib.needsResync)
            #expect(try fib.apply(to: lab.dataplane).isEmpty)
            #expect(Set(try lab.dataplane.installedRoutes()) == Set(wanted))
            #expect(try lab.host.ip("route", "show", "10.30.0.0/24").contains("proto static"))
        }
    }
}

@Suite("LinuxDataplane endpoints over IPv6", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"))
struct LinuxDataplaneIPv6Tests {
    @Test("dual-stack endpoints reach each other over IPv6 /128 host routes and the fe80::1 gateway")
    func dualStackPing() throws {
        try HostLab.with("v6", containers: 2) { lab in
            var specs = [lab.spec(0, "10.22.0.2"), lab.spec(1, "10.22.0.3")]
            specs[0].ipv6 = IPv6Address("fd00:22::2")
            specs[1].ipv6 = IPv6Address("fd00:22::3")
            let statuses = try specs.map { try lab.dataplane.ensureEndpoint($0) }
            #expect(statuses.allSatisfy { $0.hostRoutes.count == 2 })
            #expect(try lab.host.ip("-6", "route", "show", "proto", "201").contains("fd00:22::2 dev \(statuses[0].hostInterface)"))
            #expect(try lab.containers[0].ip("-6", "route", "show", "default").contains("via fe80::1 dev eth0"))
            let neighbour = try lab.host.ip("-6", "neigh", "show", "fd00:22::2")
            #expect(neighbour.contains("fd00:22::2 dev \(statuses[0].hostInterface) lladdr") && neighbour.contains("PERMANENT"), "\(neighbour)")
            // The host's own link-local addresses finish duplicate address detection first: bounded retries.
            var answered = false
            for _ in 0..<8 where !answered {
                answered = (try? runCommand("/usr/sbin/ip", "netns", "exec", lab.containers[0].name,
                                            "ping", "-6", "-c", "1", "-W", "1", "fd00:22::3"))?.contains("1 received") == true
            }
            #expect(answered)
        }
    }
}
