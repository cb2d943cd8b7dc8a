/// The raw settings of `routed start`, as typed on the command line or written in the YAML file
/// (`--config FILE`; keys are the long option names, `contrib/routed.yaml` shows every one).
/// Nothing here is checked yet: `AgentConfiguration(file:flags:)` validates and resolves.
///
/// A flag given on the command line replaces the file's value; a list given on the command line
/// (`--pool`, `--peer`) replaces the file's whole list.
public struct AgentOptions: Codable, Hashable, Sendable {
    public var `as`: UInt32?
    public var routerID: String?
    public var listen: String?
    public var pool: [String]?
    public var blockSize: Int?
    public var peer: [String]?
    public var mesh: Bool?
    public var datastore: String?
    public var stateDir: String?
    public var socket: String?
    public var metrics: String?
    public var uplink: String?
    public var mtu: Int?
    public var hostname: String?
    public var preserveForwardingOnExit: Bool?
    /// Seconds peers keep our routes while we restart (RFC 4724 Restart Time, 1...4095).
    public var gracefulRestartTime: Int?
    /// Seconds a block of ours stays claimed and announced after its last endpoint left.
    public var blockReleaseGrace: Int?
    /// Named route policies that `import=`/`export=` may name besides the built-ins.
    public var routePolicies: [String: RoutePolicyDefinition]?

    public init() {}

    enum CodingKeys: String, CodingKey {
        case `as`, mesh, datastore, socket, metrics, uplink, mtu, hostname, listen, pool, peer
        case routerID = "router-id"
        case blockSize = "block-size"
        case stateDir = "state-dir"
        case preserveForwardingOnExit = "preserve-forwarding-on-exit"
        case gracefulRestartTime = "graceful-restart-time"
        case blockReleaseGrace = "block-release-grace"
        case routePolicies = "route-policies"
    }

    /// `self` over `base`: every value set here wins; lists replace lists.
    public func overriding(_ base: AgentOptions) -> AgentOptions {
        var r = base
        if let v = `as` { r.as = v }
        if let v = routerID { r.routerID = v }
        if let v = listen { r.listen = v }
        if let v = pool, !v.isEmpty { r.pool = v }
        if let v = blockSize { r.blockSize = v }
        if let v = peer, !v.isEmpty { r.peer = v }
        if let v = mesh { r.mesh = v }
        if let v = datastore { r.datastore = v }
        if let v = stateDir { r.stateDir = v }
        if let v = socket { r.socket = v }
        if let v = metrics { r.metrics = v }
        if let v = uplink { r.uplink = v }
        if let v = mtu { r.mtu = v }
        if let v = hostname { r.hostname = v }
        if let v = preserveForwardingOnExit { r.preserveForwardingOnExit = v }
        if let v = gracefulRestartTime { r.gracefulRestartTime = v }
        if let v = blockReleaseGrace { r.blockReleaseGrace = v }
        if let v = routePolicies { r.routePolicies = (r.routePolicies ?? [:]).merging(v) { _, new in new } }
        return r
    }
}

/// A named route policy in the config file: a prefix list, BIRD/FRR style.
///
/// ```yaml
/// route-policies:
///   from-core:
///     accept: ["0.0.0.0/0", "192.0.2.0/24 le 32"]
/// ```
/// A route matching an `accept` entry is accepted; every other route is rejected.
public struct RoutePolicyDefinition: Codable, Hashable, Sendable {
    public var accept: [String]
    public init(accept: [String]) { self.accept = accept }
}
