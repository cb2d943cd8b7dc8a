/// `POST /v1/policies`: `routed policy deny|allow NET_A NET_B [--proto P] [--port N[-M]] [--one-way] [--log]`.
public struct AddPolicyRequest: Codable, Hashable, Sendable {
    /// `allow` or `deny`.
    public var action: String
    public var from: String
    public var to: String
    /// `tcp`, `udp` or `icmp`.
    public var proto: String?
    /// `N` or `N-M`.
    public var port: String?
    public var oneWay: Bool
    public var log: Bool

    public init(action: String, from: String, to: String, proto: String? = nil, port: String? = nil,
                oneWay: Bool = false, log: Bool = false) {
        self.action = action
        self.from = from
        self.to = to
        self.proto = proto
        self.port = port
        self.oneWay = oneWay
        self.log = log
    }
}

/// One policy as `routed policy list` shows it, with its hit counters.
public struct PolicyInfo: Codable, Hashable, Sendable {
    /// Short stable id (`routed policy del ID`).
    public var id: String
    public var action: String
    public var from: String
    public var to: String
    public var proto: String?
    public var port: String?
    public var oneWay: Bool
    public var log: Bool
    public var packets: UInt64
    public var bytes: UInt64

    public init(id: String, action: String, from: String, to: String, proto: String?, port: String?, oneWay: Bool,
                log: Bool, packets: UInt64, bytes: UInt64) {
        self.id = id
        self.action = action
        self.from = from
        self.to = to
        self.proto = proto
        self.port = port
        self.oneWay = oneWay
        self.log = log
        self.packets = packets
        self.bytes = bytes
    }
}

/// `GET /v1/policies`: the policies and the default action.
public struct PolicyList: Codable, Hashable, Sendable {
    public var defaultAction: String
    public var policies: [PolicyInfo]

    public init(defaultAction: String, policies: [PolicyInfo]) {
        self.defaultAction = defaultAction
        self.policies = policies
    }
}

/// `PUT /v1/policies/default`: `routed policy default allow|deny`.
public struct DefaultPolicyRequest: Codable, Hashable, Sendable {
    public var action: String
    public init(action: String) { self.action = action }
}
