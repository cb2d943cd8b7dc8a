public import AgentAPI
public import Foundation
import NIOHTTP1

/// One method per row of the `ControlAPI` table.
extension AgentClient {
    /// `GET /v1/status`: `routed status`.
    public func status() async throws(AgentClientError) -> AgentStatus {
        try await call(.GET, ControlAPI.Path.status)
    }

    /// `GET /v1/routes[?prefix=CIDR]`: `routed routes [--prefix CIDR]`.
    public func routes(prefix: String? = nil) async throws(AgentClientError) -> [RouteInfo] {
        try await call(.GET, ControlAPI.Path.routes + (prefix.map { "?prefix=" + Self.queryEscaped($0) } ?? ""))
    }

    /// `GET /v1/peers`: `routed peer list`.
    public func peers() async throws(AgentClientError) -> [PeerInfo] {
        try await call(.GET, ControlAPI.Path.peers)
    }

    /// `POST /v1/peers`: `routed peer add SPEC`.
    public func addPeer(_ request: AddPeerRequest) async throws(AgentClientError) -> PeerInfo {
        try await call(.POST, ControlAPI.Path.peers, body: request)
    }

    /// `DELETE /v1/peers/ADDR`: `routed peer del ADDR`.
    public func deletePeer(address: String) async throws(AgentClientError) -> Done {
        try await call(.DELETE, ControlAPI.Path.peers + "/" + Self.segment(address))
    }

    /// `GET /v1/networks`: `routed network list`.
    public func networks() async throws(AgentClientError) -> [NetworkInfo] {
        try await call(.GET, ControlAPI.Path.networks)
    }

    /// `POST /v1/networks`: `routed network create NAME`.
    public func createNetwork(_ request: CreateNetworkRequest) async throws(AgentClientError) -> NetworkInfo {
        try await call(.POST, ControlAPI.Path.networks, body: request)
    }

    /// `DELETE /v1/networks/NAME`: `routed network del NAME`.
    public func deleteNetwork(name: String) async throws(AgentClientError) -> Done {
        try await call(.DELETE, ControlAPI.Path.networks + "/" + Self.segment(name))
    }

    /// `GET /v1/endpoints`: `routed endpoint list`.
    public func endpoints() async throws(AgentClientError) -> [EndpointInfo] {
        try await call(.GET, ControlAPI.Path.endpoints)
    }

    /// `POST /v1/endpoints`: `routed endpoint add NAME ...` (idempotent for the same request).
    public func addEndpoint(_ request: AddEndpointRequest) async throws(AgentClientError) -> EndpointInfo {
        try await call(.POST, ControlAPI.Path.endpoints, body: request)
    }

    /// `DELETE /v1/endpoints/NAME`: `routed endpoint del NAME`.
    public func deleteEndpoint(name: String) async throws(AgentClientError) -> Done {
        try await call(.DELETE, ControlAPI.Path.endpoints + "/" + Self.segment(name))
    }

    /// `GET /v1/policies`: `routed policy list`.
    public func policies() async throws(AgentClientError) -> PolicyList {
        try await call(.GET, ControlAPI.Path.policies)
    }

    /// `POST /v1/policies`: `routed policy deny|allow NET_A NET_B ...`.
    public func addPolicy(_ request: AddPolicyRequest) async throws(AgentClientError) -> PolicyInfo {
        try await call(.POST, ControlAPI.Path.policies, body: request)
    }

    /// `DELETE /v1/policies/ID`: `routed policy del ID`.
    public func deletePolicy(id: String) async throws(AgentClientError) -> Done {
        try await call(.DELETE, ControlAPI.Path.policies + "/" + Self.segment(id))
    }

    /// `PUT /v1/policies/default`: `routed policy default allow|deny`.
    public func setDefaultPolicy(_ request: DefaultPolicyRequest) async throws(AgentClientError) -> PolicyList {
        try await call(.PUT, ControlAPI.Path.defaultPolicy, body: request)
    }

    /// `GET /v1/ipam`, as the agent sent it (the JSON of `routed ipam show -o json`).
    public func ipamJSON() async throws(AgentClientError) -> Data {
        let (status, data) = try await exchange(.GET, ControlAPI.Path.ipam)
        guard status == 200 else { throw Self.failure(.GET, ControlAPI.Path.ipam, status: status, body: data) }
        return data
    }

    /// `GET /v1/ipam`: `routed ipam show`.
    public func ipam() async throws(AgentClientError) -> IPAMReportBody {
        try await call(.GET, ControlAPI.Path.ipam)
    }

    /// `GET /healthz`: the health checks; an unhealthy agent answers 503 with the same body.
    public func health() async throws(AgentClientError) -> Health {
        try await call(.GET, ControlAPI.Path.health, accepting: [200, 503])
    }

    /// `GET /metrics`: the Prometheus text exposition.
    public func metrics() async throws(AgentClientError) -> String {
        let (status, data) = try await exchange(.GET, ControlAPI.Path.metrics)
        guard status == 200 else { throw Self.failure(.GET, ControlAPI.Path.metrics, status: status, body: data) }
        return String(decoding: data, as: UTF8.self)
    }

    /// A name or address as one path segment (`/` and `%` escaped, so `a/b` cannot reach another path).
    static func segment(_ text: String) -> String {
        var allowed = CharacterSet.urlPathAllowed
        allowed.remove(charactersIn: "/%?#;")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }

    static func queryEscaped(_ text: String) -> String {
        var allowed = CharacterSet.urlQueryAllowed
        allowed.remove(charactersIn: "&=+#%")
        return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
    }
}
