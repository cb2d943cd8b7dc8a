import Glibc
import IPAddressing
@testable import Netlink
import RoutedTestKit
import Testing
import TestScheduling

@Suite("Change notifications (ip monitor) in fresh namespaces", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"), .serialized)
struct NotificationIntegrationTests {
    /// Collects events until `until` returns true, for at most `seconds`.
    static func collect(_ monitor: NetlinkSocket, seconds: Int, until: ([NetlinkEvent]) -> Bool) throws -> [NetlinkEvent] {
        var events: [NetlinkEvent] = []
        for _ in 0..<(seconds * 10) where !until(events) {
            events += try monitor.events(timeoutMilliseconds: 100)
        }
        return events
    }

    @Test("deleting our route with `ip route del` inside the namespace is announced as routeRemoved")
    func routeDeletedByHand() throws {
        try VethLab.with("nt") { lab in
            let route = Route(destination: prefix("10.77.3.3/32"), scope: .link, interfaceIndex: lab.h0.index)
            let monitor = try lab.host.thread.run {
                try NetlinkSocket(groups: [.link, .ipv4Route, .ipv6Route, .ipv4Address])
            }
            try lab.host.netlink { try $0.perform(.addRoute(route)) }
            try lab.host.ip("route", "del", "10.77.3.3/32", "dev", "h0")
            // The monitor socket is bound to the namespace it was opened in; reading it from here is fine.
            let events = try Self.collect(monitor, seconds: 5) { $0.contains(.routeRemoved(route)) }
            #expect(events.contains(.routeAdded(route)))
            #expect(events.contains(.routeRemoved(route)))
        }
    }

    @Test("links and addresses appearing and going are announced")
    func linkAndAddressEvents() throws {
        try VethLab.with("nl") { lab in
            let monitor = try lab.host.thread.run { try NetlinkSocket(groups: [.link, .ipv4Address]) }
            try lab.host.ip("addr", "add", "10.77.4.1/24", "dev", "h0")
            try lab.host.ip("link", "del", "h0")
            let events = try Self.collect(monitor, seconds: 5) { events in
                events.contains { if case .linkRemoved(let l) = $0 { l.name == "h0" } else { false } }
            }
            #expect(events.contains(.addressAdded(InterfaceAddress(interfaceIndex: lab.h0.index, address: v4("10.77.4.1"), prefixLength: 24))))
            #expect(events.contains { if case .linkRemoved(let l) = $0 { l.index == lab.h0.index } else { false } })
        }
    }
}
