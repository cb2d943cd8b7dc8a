public import IPAddressing

/// Desired-versus-kernel state for the routes routed owns (Calico felix `route_table.go` style).
///
/// Callers record what they want (`set`, `remove`); `pendingOperations()` is the fewest
/// operations that make the kernel match; `record(_:failures:)` folds the outcome back in. A
/// failed operation stays pending and is retried by the next apply. `resynchronise(kernel:)` is
/// BIRD-style mark and sweep: the kernel's dump becomes the believed state and every prefix in
/// either set is re-examined, so routes deleted or changed behind routed's back are repaired and
/// stale routes of routed's protocol are swept. It runs at start and after `kernelChanged()`.
/// Pure: no I/O here (`apply(to:)` is the edge).
public struct FIBReconciler: Sendable {
    public private(set) var desired: [IPPrefix: FIBRoute] = [:]
    /// What the kernel is believed to hold (routed's protocol only).
    public private(set) var installed: [IPPrefix: FIBRoute] = [:]
    private var dirty: Set<IPPrefix> = []
    /// True at start and after a notification that someone else touched routed's routes.
    public private(set) var needsResync = true

    public init() {}

    /// Wants `route` in the kernel (replacing any other target for its prefix).
    public mutating func set(_ route: FIBRoute) {
        desired[route.prefix] = route
        dirty.insert(route.prefix)
    }

    /// No longer wants a route for `prefix`.
    public mutating func remove(_ prefix: IPPrefix) {
        desired[prefix] = nil
        dirty.insert(prefix)
    }

    /// A notification said one of routed's routes changed outside routed: resync before the next apply.
    public mutating func kernelChanged() { needsResync = true }

    /// Mark and sweep: believe `kernel` (a dump of routed's protocol) and re-examine everything.
    public mutating func resynchronise(kernel: [FIBRoute]) {
        installed = Dictionary(kernel.map { ($0.prefix, $0) }, uniquingKeysWith: { first, _ in first })
        dirty = Set(desired.keys).union(installed.keys)
        needsResync = false
    }

    /// The operations that make the kernel match the desired set: a `replace` for a missing or
    /// different route, a `delete` for a route no longer wanted, nothing for a route in place.
    public func pendingOperations() -> [FIBOperation] {
        var operations: [FIBOperation] = []
        operations.reserveCapacity(dirty.count)
        for prefix in dirty {
            switch (desired[prefix], installed[prefix]) {
            case (let want?, let have?) where Self.kernel(have, satisfies: want):
                continue
            case (let want?, _):
                operations.append(.replace(want))
            case (nil, _?):
                operations.append(.delete(prefix))
            case (nil, nil):
                continue
            }
        }
        return operations
    }

    /// Folds back the outcome of `operations`: the successful ones are now installed, the
    /// failed ones stay pending.
    public mutating func record(_ operations: [FIBOperation], failures: [FIBFailure]) {
        let failed = Set(failures.map(\.operation.prefix))
        for operation in operations where !failed.contains(operation.prefix) {
            switch operation {
            case .replace(let route): installed[route.prefix] = route
            case .delete(let prefix): installed[prefix] = nil
            }
            dirty.remove(operation.prefix)
        }
        // Prefixes that needed nothing are settled too.
        dirty = dirty.filter { failed.contains($0) || !Self.settled(desired[$0], installed[$0]) }
    }

    /// Prefixes still waiting for the kernel (after failures, or recorded but not applied).
    public var pendingCount: Int { dirty.count }

    static func settled(_ want: FIBRoute?, _ have: FIBRoute?) -> Bool {
        switch (want, have) {
        case (nil, nil): true
        case (let w?, let h?): kernel(h, satisfies: w)
        default: false
        }
    }

    /// The kernel fills in what the request left out (the device of a plain `via G`), so a
    /// desired route without a device is satisfied by the same gateway on any device.
    static func kernel(_ have: FIBRoute, satisfies want: FIBRoute) -> Bool {
        if have == want { return true }
        if case .gateway(let g, nil, let onlink) = want.target,
           case .gateway(let hg, _, let honlink) = have.target {
            return g == hg && onlink == honlink
        }
        return false
    }
}

extension FIBReconciler {
    /// The I/O edge: resynchronises from the kernel when needed, then applies the pending
    /// operations in one batched call. Returns what failed (those stay pending).
    public mutating func apply(to dataplane: some Dataplane) throws -> [FIBFailure] {
        if needsResync { resynchronise(kernel: try dataplane.installedRoutes()) }
        let operations = pendingOperations()
        guard !operations.isEmpty else { return [] }
        let failures: [FIBFailure]
        do {
            failures = try dataplane.apply(operations)
        } catch {
            needsResync = true  // part of the batch may have gone through: look before the next try
            throw error
        }
        record(operations, failures: failures)
        return failures
    }
}
