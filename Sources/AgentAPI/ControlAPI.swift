/// The control API between the `routed` CLI and the agent: HTTP/1.1 with JSON bodies over the agent's
/// Unix socket (default `/run/routed/routed.sock`, mode 0600, owner root).
///
/// Every path below is relative to the socket; bodies are the `Codable` types of this target, encoded
/// with `ControlAPI.encoder` (sorted keys, ISO 8601 dates). A failed request answers with a 4xx/5xx
/// status and an `APIErrorBody`.
///
/// | method | path | request | response |
/// |---|---|---|---|
/// | GET | `/v1/status` | | `AgentStatus` |
/// | GET | `/v1/routes[?prefix=CIDR]` | | `[RouteInfo]` |
/// | GET | `/v1/peers` | | `[PeerInfo]` |
/// | POST | `/v1/peers` | `AddPeerRequest` | `PeerInfo` |
/// | DELETE | `/v1/peers/ADDR` | | `Done` |
/// | GET | `/v1/networks` | | `[NetworkInfo]` |
/// | POST | `/v1/networks` | `CreateNetworkRequest` | `NetworkInfo` |
/// | DELETE | `/v1/networks/NAME` | | `Done` |
/// | GET | `/v1/endpoints` | | `[EndpointInfo]` |
/// | POST | `/v1/endpoints` | `AddEndpointRequest` | `EndpointInfo` (idempotent for the same name and request) |
/// | DELETE | `/v1/endpoints/NAME` | | `Done` |
/// | GET | `/v1/policies` | | `PolicyList` |
/// | POST | `/v1/policies` | `AddPolicyRequest` | `PolicyInfo` |
/// | DELETE | `/v1/policies/ID` | | `Done` |
/// | PUT | `/v1/policies/default` | `DefaultPolicyRequest` | `PolicyList` |
/// | GET | `/v1/ipam` | | the IPAM report JSON (`routed ipam show -o json`) |
/// | GET | `/healthz` | | `Health` (200 when healthy, 503 otherwise) |
/// | GET | `/metrics` | | Prometheus text format |
public enum ControlAPI {
    public static let version = "v1"
    /// Where the agent listens and the CLI connects unless `--socket` or `ROUTED_SOCKET` says otherwise.
    public static let defaultSocketPath = "/run/routed/routed.sock"
    public static let socketEnvironmentVariable = "ROUTED_SOCKET"

    public enum Path {
        public static let status = "/v1/status"
        public static let routes = "/v1/routes"
        public static let peers = "/v1/peers"
        public static let networks = "/v1/networks"
        public static let endpoints = "/v1/endpoints"
        public static let policies = "/v1/policies"
        public static let defaultPolicy = "/v1/policies/default"
        public static let ipam = "/v1/ipam"
        public static let health = "/healthz"
        public static let metrics = "/metrics"
    }
}

/// An empty success answer to a DELETE.
public struct Done: Codable, Hashable, Sendable {
    public var message: String
    public init(message: String) { self.message = message }
}
