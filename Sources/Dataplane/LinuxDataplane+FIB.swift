import Glibc
import IPAddressing
import Netlink

extension LinuxDataplane {
    /// `ip route show proto 201` and `ip -6 route show proto 201` (main table), as `FIBRoute`s.
    public func installedRoutes() throws -> [FIBRoute] {
        try Self.step("dump routed's routes") {
            try host.netlink { nl in
                let names = Dictionary(try nl.links().map { ($0.index, $0.name) }, uniquingKeysWith: { a, _ in a })
                return try nl.routes(RouteFilter(table: .main, proto: .routed)).compactMap { Self.fibRoute($0, names: names) }
            }
        }
    }

    /// `ip monitor route link` in the host namespace, as routed-relevant changes: routes of
    /// protocol 201 in the main table, and deleted interfaces.
    public func kernelChanges(timeoutMilliseconds: Int32) throws -> [KernelChange] {
        try Self.step("read kernel notifications") {
            try watchLock.withLock { names in
                let events = try monitor.events(timeoutMilliseconds: timeoutMilliseconds)
                var changes: [KernelChange] = []
                for event in events {
                    switch event {
                    case .linkAdded(let link):
                        names[link.index] = link.name
                    case .linkRemoved(let link):
                        names[link.index] = nil
                        changes.append(.interfaceRemoved(link.name))
                    case .routeAdded(let route), .routeRemoved(let route):
                        guard route.proto == .routed, route.table == .main else { continue }
                        if names.isEmpty || route.interfaceIndex.map({ names[$0] == nil }) == true {
                            names = Dictionary(try host.netlink { try $0.links() }.map { ($0.index, $0.name) },
                                               uniquingKeysWith: { a, _ in a })
                        }
                        guard let fib = Self.fibRoute(route, names: names) else { continue }
                        if case .routeAdded = event { changes.append(.routeAdded(fib)) } else { changes.append(.routeRemoved(fib)) }
                    case .overrun:
                        changes.append(.overrun)
                    case .addressAdded, .addressRemoved:
                        continue
                    }
                }
                return changes
            }
        }
    }

    /// `ip -batch` of `route replace ... proto 201` / `route del P proto 201`, sent as rtnetlink batches.
    public func apply(_ operations: [FIBOperation]) throws -> [FIBFailure] {
        try Self.step("apply \(operations.count) route changes") {
            try host.netlink { nl in
                let needsNames = operations.contains { if case .replace(let r) = $0, r.target != .blackhole { true } else { false } }
                let indexes = needsNames
                    ? Dictionary(try nl.links().map { ($0.name, $0.index) }, uniquingKeysWith: { a, _ in a }) : [:]
                var failures: [FIBFailure] = []
                var requests: [NetlinkRequest] = []
                var origin: [Int] = []
                requests.reserveCapacity(operations.count)
                origin.reserveCapacity(operations.count)
                for (i, operation) in operations.enumerated() {
                    do {
                        requests.append(try Self.request(operation, indexes: indexes))
                        origin.append(i)
                    } catch let error as DataplaneError {
                        failures.append(FIBFailure(operation: operation, reason: error.description))
                    }
                }
                for failure in try nl.execute(requests) {
                    let operation = operations[origin[failure.index]]
                    if case .delete = operation, failure.error.errno == ESRCH { continue }  // already gone
                    failures.append(FIBFailure(operation: operation, reason: failure.error.description, errno: failure.error.errno))
                }
                return failures
            }
        }
    }

    static func request(_ operation: FIBOperation, indexes: [String: UInt32]) throws -> NetlinkRequest {
        func index(_ name: String) throws -> UInt32 {
            guard let i = indexes[name] else { throw DataplaneError.invalid("interface \(name) does not exist") }
            return i
        }
        switch operation {
        case .delete(let prefix):
            return .deleteRoute(Route(destination: prefix, type: .unspecified))
        case .replace(let route):
            switch route.target {
            case .interface(let name):
                return .replaceRoute(Route(destination: route.prefix, scope: .link, interfaceIndex: try index(name)))
            case .gateway(let gateway, let name, let onlink):
                return .replaceRoute(Route(destination: route.prefix, gateway: gateway,
                                           interfaceIndex: try name.map(index), onlink: onlink))
            case .multipath(let hops):
                return .replaceRoute(Route(destination: route.prefix, nextHops: try hops.map {
                    NextHop(gateway: $0.gateway, interfaceIndex: try index($0.interface), weight: $0.weight, onlink: $0.onlink)
                }))
            case .blackhole:
                return .replaceRoute(.blackhole(route.prefix))
            }
        }
    }

    /// The kernel's route in routed's terms; nil for kinds routed never installs (unreachable, ...).
    static func fibRoute(_ route: Route, names: [UInt32: String]) -> FIBRoute? {
        if route.type == .blackhole { return FIBRoute(prefix: route.destination, target: .blackhole) }
        guard route.type == .unicast else { return nil }
        if !route.nextHops.isEmpty {
            return FIBRoute(prefix: route.destination, target: .multipath(route.nextHops.compactMap { hop in
                guard let g = hop.gateway else { return nil }
                return FIBRoute.Hop(gateway: g, interface: names[hop.interfaceIndex] ?? "#\(hop.interfaceIndex)",
                                    weight: hop.weight, onlink: hop.onlink)
            }))
        }
        let name = route.interfaceIndex.map { names[$0] ?? "#\($0)" }
        if let gateway = route.gateway {
            return FIBRoute(prefix: route.destination, target: .gateway(gateway, interface: name, onlink: route.onlink))
        }
        guard let name else { return nil }
        return FIBRoute(prefix: route.destination, target: .interface(name))
    }
}
