/// `GET /v1/networks`: a named network (`lamp`, `lnmp`) and its stable id.
public struct NetworkInfo: Codable, Hashable, Sendable {
    public var name: String
    public var id: UInt32
    public var endpoints: Int
    /// The blocks of this network on every host (as learned through BGP and held locally).
    public var prefixes: [String]

    public init(name: String, id: UInt32, endpoints: Int, prefixes: [String]) {
        self.name = name
        self.id = id
        self.endpoints = endpoints
        self.prefixes = prefixes
    }
}

/// `POST /v1/networks`.
public struct CreateNetworkRequest: Codable, Hashable, Sendable {
    public var name: String
    public init(name: String) { self.name = name }
}
