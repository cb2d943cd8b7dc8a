import Dataplane
import Foundation
import IPAddressing
import Netlink
import RoutedTestKit
import Testing
import TestScheduling

@Suite("Two hosts joined by a veth, routes only, no NAT", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"), .serialized)
struct TwoHostTests {
    @Test("container to container across two hosts keeps the containers' own source addresses")
    func containerToContainer() throws {
        let hostA = try TestNamespace("2ha")
        defer { hostA.delete() }
        let hostB = try TestNamespace("2hb")
        defer { hostB.delete() }
        let containerA = try TestNamespace("2ca")
        defer { containerA.delete() }
        let containerB = try TestNamespace("2cb")
        defer { containerB.delete() }

        // The "wire": up0 in A, up0 in B, 192.168.77.0/24 between them.
        try hostA.netlink { nl in
            try nl.perform(.createVeth(VethPair(name: "up0", peerName: "up0", peerNamespace: hostB.handle)))
        }
        for (host, address) in [(hostA, "192.168.77.1/24"), (hostB, "192.168.77.2/24")] {
            try host.ip("link", "set", "lo", "up")
            try host.ip("link", "set", "up0", "up")
            try host.ip("addr", "add", address, "dev", "up0")
        }
        let dataplaneA = try LinuxDataplane(hostNamespacePath: "/run/netns/\(hostA.name)", uplink: "up0")
        let dataplaneB = try LinuxDataplane(hostNamespacePath: "/run/netns/\(hostB.name)", uplink: "up0")
        #expect(dataplaneA.defaultMTU == 1500)
        try dataplaneA.enableForwarding()
        try dataplaneB.enableForwarding()
        let a = try dataplaneA.ensureEndpoint(EndpointSpec(id: "a", namespacePath: "/run/netns/\(containerA.name)", ipv4: IPv4Address("10.21.1.2")!))
        let b = try dataplaneB.ensureEndpoint(EndpointSpec(id: "b", namespacePath: "/run/netns/\(containerB.name)", ipv4: IPv4Address("10.21.2.2")!))

        // What BGP would have installed: each host's block blackholed locally, the other's via the
        // wire; the endpoints' own host routes are recorded too, or the sweep would remove them.
        var fibA = FIBReconciler()
        a.hostRoutes.forEach { fibA.set($0) }
        fibA.set(FIBRoute(prefix: IPPrefix("10.21.1.0/24")!, target: .blackhole))
        fibA.set(FIBRoute(prefix: IPPrefix("10.21.2.0/24")!, target: .gateway(IPAddress("192.168.77.2")!, interface: nil, onlink: false)))
        var fibB = FIBReconciler()
        b.hostRoutes.forEach { fibB.set($0) }
        fibB.set(FIBRoute(prefix: IPPrefix("10.21.2.0/24")!, target: .blackhole))
        fibB.set(FIBRoute(prefix: IPPrefix("10.21.1.0/24")!, target: .gateway(IPAddress("192.168.77.1")!, interface: nil, onlink: false)))
        #expect(try fibA.apply(to: dataplaneA).isEmpty)
        #expect(try fibB.apply(to: dataplaneB).isEmpty)

        // Capture in container B what arrives, then ping from container A.
        let capture = Process()
        capture.executableURL = URL(fileURLWithPath: "/usr/bin/timeout")
        capture.arguments = ["-s", "KILL", "10", "/usr/sbin/ip", "netns", "exec", containerB.name,
                             "tcpdump", "-n", "-l", "-c", "1", "-i", "eth0", "icmp[icmptype] == icmp-echo"]
        let pipe = Pipe()
        capture.standardOutput = pipe
        capture.standardError = FileHandle.nullDevice
        try capture.run()
        defer { if capture.isRunning { kill(capture.processIdentifier, SIGKILL) } }
        var pinged = false
        for _ in 0..<20 where capture.isRunning {  // tcpdump needs a moment to attach
            _ = try? runCommand("/usr/sbin/ip", ["netns", "exec", containerA.name, "ping", "-c", "1", "-W", "1", "10.21.2.2"])
            pinged = true
            usleep(200_000)
        }
        capture.waitUntilExit()
        let seen = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(pinged)
        #expect(seen.contains("10.21.1.2 > 10.21.2.2: ICMP echo request"))
        let reply = try runCommand("/usr/sbin/ip", "netns", "exec", containerA.name, "ping", "-c", "1", "-w", "4", "10.21.2.2")
        #expect(reply.contains("1 received"))
        // And an address inside A's block that no endpoint holds is dropped at A (blackhole), not sent on.
        #expect(throws: CommandFailed.self) {
            try runCommand("/usr/sbin/ip", "netns", "exec", containerB.name, "ping", "-c", "1", "-W", "1", "10.21.1.99")
        }
    }
}
