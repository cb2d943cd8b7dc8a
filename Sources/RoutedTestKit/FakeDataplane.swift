public import Dataplane
public import IPAddressing
import Synchronization

/// A `Dataplane` that keeps a pretend kernel in memory, records every call, and fails the
/// operations a test asks it to. It asserts nothing itself: tests read `calls` and `routes`.
public final class FakeDataplane: Dataplane, Sendable {
    public enum Call: Hashable, Sendable {
        case ensureEndpoint(EndpointSpec)
        case removeEndpoint(String)
        case installedRoutes
        case apply([FIBOperation])
        case kernelChanges
    }

    struct State {
        var calls: [Call] = []
        var routes: [IPPrefix: FIBRoute] = [:]
        var endpoints: [String: EndpointSpec] = [:]
        var failNext: [IPPrefix: Int] = [:]
        var changes: [KernelChange] = []
    }

    private let state = Mutex(State())

    public init() {}

    /// Every call in order.
    public var calls: [Call] { state.withLock { $0.calls } }
    /// The pretend kernel's routes of routed's protocol.
    public var routes: [IPPrefix: FIBRoute] { state.withLock { $0.routes } }
    /// Endpoints present in the pretend kernel, by id.
    public var endpoints: [String: EndpointSpec] { state.withLock { $0.endpoints } }

    /// The next `times` operations on `prefix` fail with EEXIST-like "injected" errors.
    public func failOperations(on prefix: IPPrefix, times: Int = 1) {
        state.withLock { $0.failNext[prefix, default: 0] += times }
    }

    /// Someone deleted a route by hand (`ip route del`).
    public func removeRouteBehindTheAgentsBack(_ prefix: IPPrefix) {
        state.withLock { s in
            if let route = s.routes.removeValue(forKey: prefix) { s.changes.append(.routeRemoved(route)) }
        }
    }

    /// Someone deleted an endpoint's interface by hand (`ip link del`): its routes go with it.
    public func removeInterfaceBehindTheAgentsBack(endpointID: String) {
        state.withLock { s in
            guard let spec = s.endpoints.removeValue(forKey: endpointID) else { return }
            s.routes = s.routes.filter { $0.value.target != .interface(spec.hostInterfaceName) }
            s.changes.append(.interfaceRemoved(spec.hostInterfaceName))
        }
    }

    /// Hands out the changes made "behind the agent's back" since the last call (never waits).
    public func kernelChanges(timeoutMilliseconds: Int32) throws -> [KernelChange] {
        state.withLock { s in
            s.calls.append(.kernelChanges)
            defer { s.changes.removeAll() }
            return s.changes
        }
    }

    public func ensureEndpoint(_ spec: EndpointSpec) throws -> EndpointStatus {
        state.withLock { s in
            s.calls.append(.ensureEndpoint(spec))
            let created = s.endpoints[spec.id] == nil
            s.endpoints[spec.id] = spec
            var hostRoutes: [FIBRoute] = []
            if let v4 = spec.ipv4 {
                let prefix = IPPrefix.v4(IPv4Prefix(v4, length: 32))
                hostRoutes.append(FIBRoute(prefix: prefix, target: .interface(spec.hostInterfaceName)))
                s.routes[prefix] = hostRoutes.last
            }
            return EndpointStatus(id: spec.id, hostInterface: spec.hostInterfaceName, hostInterfaceIndex: 0,
                                  hostHardwareAddress: [], created: created, hostRoutes: hostRoutes)
        }
    }

    public func removeEndpoint(id: String) throws {
        state.withLock { s in
            s.calls.append(.removeEndpoint(id))
            if let spec = s.endpoints.removeValue(forKey: id) {
                s.routes = s.routes.filter { $0.value.target != .interface(spec.hostInterfaceName) }
            }
        }
    }

    public func installedRoutes() throws -> [FIBRoute] {
        state.withLock { s in
            s.calls.append(.installedRoutes)
            return Array(s.routes.values)
        }
    }

    public func apply(_ operations: [FIBOperation]) throws -> [FIBFailure] {
        state.withLock { s in
            s.calls.append(.apply(operations))
            var failures: [FIBFailure] = []
            for operation in operations {
                if let left = s.failNext[operation.prefix], left > 0 {
                    s.failNext[operation.prefix] = left - 1
                    failures.append(FIBFailure(operation: operation, reason: "injected failure", errno: 17))
                    continue
                }
                switch operation {
                case .replace(let route): s.routes[route.prefix] = route
                case .delete(let prefix): s.routes[prefix] = nil
                }
            }
            return failures
        }
    }
}
