/// A change the kernel announced that may concern what routed owns (`ip monitor route link`).
public enum KernelChange: Hashable, Sendable {
    /// A route with routed's protocol number appeared or changed (often routed's own doing).
    case routeAdded(FIBRoute)
    /// A route with routed's protocol number went away (routed's own delete, or someone's `ip route del`).
    case routeRemoved(FIBRoute)
    /// An interface was deleted; the kernel removed every route through it without a notification each.
    case interfaceRemoved(String)
    /// Notifications were lost (the socket's queue overflowed): nothing can be assumed.
    case overrun
}

extension FIBReconciler {
    /// Decides whether a kernel change means someone else touched routed's routes, and if so
    /// schedules the mark-and-sweep resync. routed's own changes (a route it wants appearing, a
    /// route it no longer wants going) are recognised and ignored, so they cost nothing.
    public mutating func observe(_ change: KernelChange) {
        switch change {
        case .routeAdded(let route):
            if let want = desired[route.prefix] {
                if !Self.kernel(route, satisfies: want) { kernelChanged() }   // someone changed ours
            } else if installed[route.prefix] == nil {
                kernelChanged()   // a stray route with our protocol: the sweep removes it
            }                     // else: one we are about to delete
        case .routeRemoved(let route):
            if desired[route.prefix] != nil, installed[route.prefix] != nil { kernelChanged() }
        case .interfaceRemoved(let name):
            if desired.values.contains(where: { $0.uses(interface: name) }) { kernelChanged() }
        case .overrun:
            kernelChanged()
        }
    }
}

extension FIBRoute {
    func uses(interface name: String) -> Bool {
        switch target {
        case .interface(let n): n == name
        case .gateway(_, let n, _): n == name
        case .multipath(let hops): hops.contains { $0.interface == name }
        case .blackhole: false
        }
    }
}
