import IPAddressing
@testable import Netlink
import RoutedTestKit
import Testing
import TestScheduling

@Suite("Traffic between namespaces configured only through Netlink", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"))
struct PingIntegrationTests {
    @Test("two namespaces joined by a veth ping each other over /32 addresses and onlink host routes")
    func pingAcrossVeth() throws {
        try VethLab.with("pg") { lab in
            // host: 10.77.0.1/32 on h0, route to 10.77.0.2/32 dev h0
            try lab.host.netlink { nl in
                _ = try nl.execute([
                    .addAddress(InterfaceAddress(interfaceIndex: lab.h0.index, address: v4("10.77.0.1"), prefixLength: 32)),
                    .addRoute(Route(destination: prefix("10.77.0.2/32"), scope: .link, interfaceIndex: lab.h0.index)),
                ]).map { throw $0.error }
            }
            // container: c0 up, 10.77.0.2/32, route to 10.77.0.1/32 dev c0
            try lab.container.netlink { nl in
                let c0 = try #require(try nl.link(named: "c0"))
                try nl.perform(.setLink(LinkChange(index: c0.index, up: true)))
                try nl.perform(.addAddress(InterfaceAddress(interfaceIndex: c0.index, address: v4("10.77.0.2"), prefixLength: 32)))
                try nl.perform(.addRoute(Route(destination: prefix("10.77.0.1/32"), scope: .link, interfaceIndex: c0.index)))
            }
            let there = try runCommand("/usr/sbin/ip", "netns", "exec", lab.host.name, "ping", "-c", "1", "-w", "4", "10.77.0.2")
            let back = try runCommand("/usr/sbin/ip", "netns", "exec", lab.container.name, "ping", "-c", "1", "-w", "4", "10.77.0.1")
            #expect(there.contains("1 received"))
            #expect(back.contains("1 received"))
        }
    }
}
