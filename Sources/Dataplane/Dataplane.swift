/// What the agent needs from the host's network stack. Value types in and out, so a fake
/// (`RoutedTestKit.FakeDataplane`) can stand in for `LinuxDataplane` in unit tests.
public protocol Dataplane: Sendable {
    /// Creates (or confirms) the endpoint's veth pair, addresses, gateway and /32 host route.
    /// Idempotent: running it again changes nothing, and repairs what was removed by hand.
    func ensureEndpoint(_ spec: EndpointSpec) throws -> EndpointStatus
    /// Undoes exactly what `ensureEndpoint` made (host route(s) and the veth pair). Idempotent.
    func removeEndpoint(id: String) throws
    /// The routes routed owns in the kernel (protocol 201, main table), for mark-and-sweep.
    func installedRoutes() throws -> [FIBRoute]
    /// Applies `operations` in as few kernel round trips as possible; returns what failed.
    /// A delete of a route that is already gone is not a failure.
    func apply(_ operations: [FIBOperation]) throws -> [FIBFailure]
    /// Kernel changes announced since the last call (waiting up to `timeoutMilliseconds` for the
    /// first); feed them to `FIBReconciler.observe`.
    func kernelChanges(timeoutMilliseconds: Int32) throws -> [KernelChange]
}
