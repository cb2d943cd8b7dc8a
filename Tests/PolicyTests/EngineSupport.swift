import Netlink
import Policy
import PolicyKernel

/// A `PolicyEngine` living on a thread inside a test namespace (the engine and its socket
/// stay on that thread, as in the agent).
final class EngineHost {
    let thread: NamespaceThread
    private final class Box: @unchecked Sendable { var engine: PolicyEngine? }
    private let box = Box()

    init(namespace name: String) throws {
        thread = try NamespaceThread(namespace: NetworkNamespace(named: name))
        let b = box
        try thread.run { b.engine = PolicyEngine(socket: try NFTablesSocket()) }
    }

    func run<T>(_ body: (PolicyEngine) throws -> T) throws -> T {
        let b = box
        return try thread.run { try body(b.engine!) }
    }

    func stop() { thread.stop() }
}
