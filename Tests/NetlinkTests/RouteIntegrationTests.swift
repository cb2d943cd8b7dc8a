import Glibc
import IPAddressing
@testable import Netlink
import RoutedTestKit
import Testing
import TestScheduling

@Suite("Routes over rtnetlink in fresh namespaces", .blockingWork, .enabled(if: isRoot, "\(needsRoot)"), .serialized)
struct RouteIntegrationTests {
    @Test("a /32 host route with routed's protocol: add, dump, replace, delete")
    func hostRouteLifecycle() throws {
        try VethLab.with("rt") { lab in
            try lab.host.netlink { nl in
                // ip route add 10.77.1.5/32 dev h0 proto 201 scope link
                let route = Route(destination: prefix("10.77.1.5/32"), scope: .link, interfaceIndex: lab.h0.index)
                try nl.perform(.addRoute(route))
                #expect(try nl.routes(.ipv4(proto: .routed)) == [route])

                let again = #expect(throws: NetlinkError.self) { try nl.perform(.addRoute(route)) }
                #expect(again?.errno == EEXIST)

                // ip route replace 10.77.1.5/32 via 169.254.1.1 dev h0 onlink proto 201 metric 7
                var replaced = route
                replaced.scope = .universe
                replaced.gateway = v4("169.254.1.1")
                replaced.onlink = true
                replaced.metric = 7
                try nl.perform(.addRoute(replaced))  // a different metric is a different route
                try nl.perform(.deleteRoute(replaced))
                try nl.perform(.replaceRoute(Route(destination: route.destination, gateway: v4("169.254.1.1"),
                                                   interfaceIndex: lab.h0.index, onlink: true)))
                let now = try nl.routes(.ipv4(proto: .routed))
                #expect(now.count == 1)
                #expect(now.first?.gateway == v4("169.254.1.1"))
                #expect(now.first?.onlink == true)

                // ip route del 10.77.1.5/32 proto 201
                try nl.perform(.deleteRoute(Route(destination: route.destination)))
                #expect(try nl.routes(.ipv4(proto: .routed)).isEmpty)
                let gone = #expect(throws: NetlinkError.self) { try nl.perform(.deleteRoute(route)) }
                #expect(gone?.errno == ESRCH)
            }
            #expect(try lab.host.ip("route", "show", "proto", "201").isEmpty)
        }
    }

    @Test("routes in another table are dumped from that table only")
    func otherTable() throws {
        try VethLab.with("tb") { lab in
            try lab.host.netlink { nl in
                let route = Route(destination: prefix("10.50.0.0/16"), table: RouteTable(rawValue: 1000),
                                  scope: .link, interfaceIndex: lab.h0.index)
                try nl.perform(.addRoute(route))
                #expect(try nl.routes(.ipv4(table: RouteTable(rawValue: 1000))) == [route])
                #expect(try nl.routes(.ipv4(table: .main, proto: .routed)).isEmpty)
            }
            #expect(try lab.host.ip("route", "show", "table", "1000").contains("10.50.0.0/16 dev h0 proto 201 scope link"))
        }
    }

    @Test("a blackhole route, as ip shows it")
    func blackhole() throws {
        try VethLab.with("bh") { lab in
            try lab.host.netlink { nl in
                let route = Route.blackhole(prefix("10.66.0.0/24"))
                try nl.perform(.addRoute(route))
                let dumped = try nl.routes(.ipv4(proto: .routed))
                #expect(dumped == [route])
                #expect(dumped.first?.type == .blackhole)
            }
            #expect(try lab.host.ip("route", "show", "proto", "201").contains("blackhole 10.66.0.0/24"))
            #expect(throws: NetlinkError.self) {
                try lab.host.netlink { try $0.perform(.addRoute(Route(destination: prefix("10.66.1.0/24"), type: .blackhole,
                                                                     interfaceIndex: lab.h0.index))) }
            }
        }
    }

    @Test("a multipath route with two weighted onlink next hops")
    func multipath() throws {
        try VethLab.with("mp") { lab in
            try lab.host.netlink { nl in
                try nl.perform(.createVeth(VethPair(name: "h1", peerName: "c1", peerNamespace: lab.container.handle)))
                let h1 = try #require(try nl.link(named: "h1"))
                try nl.perform(.setLink(LinkChange(index: h1.index, up: true)))
                let route = Route(destination: prefix("10.88.0.0/16"), nextHops: [
                    NextHop(gateway: v4("10.1.0.2"), interfaceIndex: lab.h0.index, weight: 1, onlink: true),
                    NextHop(gateway: v4("10.2.0.2"), interfaceIndex: h1.index, weight: 3, onlink: true),
                ])
                try nl.perform(.addRoute(route))
                #expect(try nl.routes(.ipv4(proto: .routed)) == [route])
            }
            let shown = try lab.host.ip("route", "show", "10.88.0.0/16")
            #expect(shown.contains("nexthop via 10.1.0.2 dev h0 weight 1 onlink"))
            #expect(shown.contains("nexthop via 10.2.0.2 dev h1 weight 3 onlink"))
        }
    }

    @Test("the kernel's extended-ACK text reaches the typed error")
    func extendedAck() throws {
        try VethLab.with("ea") { lab in
            let error = #expect(throws: NetlinkError.self) {
                try lab.host.netlink { nl in
                    // Not onlink and no connected route to the gateway.
                    try nl.perform(.addRoute(Route(destination: prefix("10.9.0.1/32"), gateway: v4("10.9.9.9"),
                                                   interfaceIndex: lab.h0.index)))
                }
            }
            guard case .kernel(let operation, _, _, let text) = error else {
                Issue.record("expected a kernel error, got \(String(describing: error))")
                return
            }
            #expect(operation.contains("route add 10.9.0.1/32 via 10.9.9.9"))
            #expect(text == "Nexthop has invalid gateway")
        }
    }

    @Test("a route of another protocol is left untouched by a dump-filtered delete")
    func otherProtocolUntouched() throws {
        try VethLab.with("op") { lab in
            try lab.host.ip("route", "add", "10.44.0.1/32", "dev", "h0", "proto", "static")
            try lab.host.netlink { nl in
                // Ours, on the same prefix length and device.
                try nl.perform(.addRoute(Route(destination: prefix("10.44.0.2/32"), scope: .link, interfaceIndex: lab.h0.index)))
                // Sweep everything carrying our protocol number.
                let ours = try nl.routes(.ipv4(proto: .routed))
                #expect(ours.map(\.destination) == [prefix("10.44.0.2/32")])
                #expect(try nl.execute(ours.map { .deleteRoute($0) }).isEmpty)
                // A delete naming the static route's prefix with our protocol does not match it.
                let miss = #expect(throws: NetlinkError.self) {
                    try nl.perform(.deleteRoute(Route(destination: prefix("10.44.0.1/32"))))
                }
                #expect(miss?.errno == ESRCH)
            }
            #expect(try lab.host.ip("route", "show", "10.44.0.1/32").contains("10.44.0.1 dev h0 proto static"))
        }
    }

    @Test("10,000 /32 routes in one batch call; the one bad request is matched to its sequence with ext-ack text")
    func bigBatchWithOneBadRequest() throws {
        try VethLab.with("bt") { lab in
            let badIndex = 5_000
            var requests: [NetlinkRequest] = (0..<10_000).map { i in
                .addRoute(Route(destination: .v4(IPv4Prefix(IPv4Address(0x0A64_0000 + UInt32(i)), length: 32)),
                                scope: .link, interfaceIndex: lab.h0.index))
            }
            requests[badIndex] = .addRoute(Route(destination: prefix("10.99.0.1/32"), gateway: v4("10.9.9.9"),
                                                 interfaceIndex: lab.h0.index))
            let (failures, installed) = try lab.host.netlink { nl in
                (try nl.execute(requests), try nl.routes(.ipv4(proto: .routed)))
            }
            #expect(failures.map(\.index) == [badIndex])
            guard case .kernel(let operation, let code, _, let text)? = failures.first?.error else {
                Issue.record("expected one kernel failure, got \(failures)")
                return
            }
            #expect(operation.contains("10.99.0.1/32"))
            #expect(code == ENETUNREACH)  // no route to 10.9.9.9 in the namespace
            #expect(text == "Nexthop has invalid gateway")
            #expect(installed.count == 9_999)
            #expect(!installed.contains { $0.destination == prefix("10.99.0.1/32") })
            #expect(installed.contains { $0.destination == prefix("10.100.39.15/32") })  // the last one

            // And delete them all again in one call.
            let deletions = installed.map { NetlinkRequest.deleteRoute($0) }
            let (deleteFailures, left) = try lab.host.netlink { nl in
                (try nl.execute(deletions), try nl.routes(.ipv4(proto: .routed)))
            }
            #expect(deleteFailures.isEmpty)
            #expect(left.isEmpty)
        }
    }

    @Test("a request that cannot be encoded is reported by index and not sent; the rest go through")
    func unencodableRequestInBatch() throws {
        try VethLab.with("ue") { lab in
            let requests: [NetlinkRequest] = [
                .addRoute(Route(destination: prefix("10.5.0.1/32"), scope: .link, interfaceIndex: lab.h0.index)),
                .addRoute(Route(destination: prefix("10.5.0.2/32"), gateway: .v6(IPv6Address("fe80::1")!),
                                interfaceIndex: lab.h0.index)),
                .addRoute(Route(destination: prefix("10.5.0.3/32"), scope: .link, interfaceIndex: lab.h0.index)),
            ]
            let (failures, routes) = try lab.host.netlink { nl in (try nl.execute(requests), try nl.routes(.ipv4(proto: .routed))) }
            #expect(failures.map(\.index) == [1])
            if case .invalidArgument(let why)? = failures.first?.error {
                #expect(why.contains("not the same address family"))
            } else {
                Issue.record("expected invalidArgument, got \(failures)")
            }
            #expect(Set(routes.map(\.destination)) == [prefix("10.5.0.1/32"), prefix("10.5.0.3/32")])
        }
    }
}
