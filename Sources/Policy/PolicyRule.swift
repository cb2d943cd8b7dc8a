/// What a policy does to the traffic it matches.
public enum PolicyAction: String, Hashable, Codable, Sendable, CaseIterable {
    case allow, deny
}

/// The layer-4 protocols a policy can name (`--proto`). `icmp` covers ICMP for IPv4 and
/// ICMPv6 for IPv6 (nft `icmp` and `ipv6-icmp`).
public enum L4Protocol: String, Hashable, Comparable, Codable, Sendable, CaseIterable {
    case tcp, udp, icmp

    /// Whether `--port` makes sense with this protocol.
    public var hasPorts: Bool { self != .icmp }
    public static func < (lhs: L4Protocol, rhs: L4Protocol) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A destination port or an inclusive range of them (`--port 80`, `--port 8000-8080`), 1...65535.
public struct PortRange: Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let low: UInt16
    public let high: UInt16

    public init(_ low: UInt16, _ high: UInt16? = nil) throws(PolicyError) {
        let high = high ?? low
        guard low >= 1 else { throw .malformedPortRange("\(low)", reason: "port 0 is not a port; use 1 to 65535") }
        guard low <= high else { throw .malformedPortRange("\(low)-\(high)", reason: "the first port must not be above the last") }
        self.low = low; self.high = high
    }

    /// Parses `N` or `N-M`, as typed after `--port`.
    public init(parsing text: String) throws(PolicyError) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        func port(_ s: Substring) throws(PolicyError) -> UInt16 {
            guard !s.isEmpty, s.count <= 5, s.allSatisfy({ $0.isASCII && $0.isNumber }), let v = UInt32(s), v <= 65535 else {
                throw .malformedPortRange(text, reason: "'\(s)' is not a port number 1 to 65535; write N or N-M")
            }
            return UInt16(v)
        }
        guard parts.count == 1 || parts.count == 2 else {
            throw .malformedPortRange(text, reason: "write a port as N or a range as N-M")
        }
        let low = try port(parts[0])
        let high = parts.count == 2 ? try port(parts[1]) : low
        do { try self.init(low, high) } catch { throw .malformedPortRange(text, reason: error.reason) }
    }

    public func overlaps(_ other: PortRange) -> Bool { low <= other.high && other.low <= high }
    public var description: String { low == high ? "\(low)" : "\(low)-\(high)" }
    public static func < (lhs: PortRange, rhs: PortRange) -> Bool { (lhs.low, lhs.high) < (rhs.low, rhs.high) }
}

/// `routed policy deny|allow FROM TO [--proto P] [--port N[-M]] [--one-way] [--log]`.
///
/// Without `oneWay` the rule covers both directions (FROM → TO and TO → FROM); the port is always
/// the destination port of the connection's first packet.
public struct PolicyRule: Hashable, Codable, Sendable, CustomStringConvertible {
    public var action: PolicyAction
    public var from: NetworkName
    public var to: NetworkName
    public var proto: L4Protocol?
    public var ports: PortRange?
    public var oneWay: Bool
    public var log: Bool

    public init(_ action: PolicyAction, from: NetworkName, to: NetworkName, proto: L4Protocol? = nil,
                ports: PortRange? = nil, oneWay: Bool = false, log: Bool = false) {
        self.action = action; self.from = from; self.to = to; self.proto = proto
        self.ports = ports; self.oneWay = oneWay; self.log = log
    }

    /// How specific the rule is; a higher value wins (see `Precedence`).
    public var specificity: Specificity {
        ports != nil ? .protoAndPort : (proto != nil ? .proto : .pair)
    }

    /// The (from, to) pairs the rule covers: one, or two unless one-way.
    public var directions: [(NetworkName, NetworkName)] {
        oneWay ? [(from, to)] : [(from, to), (to, from)]
    }

    /// The CLI spelling: `deny lamp lnmp --proto tcp --port 80 --one-way`.
    public var description: String {
        var s = "\(action.rawValue) \(from) \(to)"
        if let proto { s += " --proto \(proto.rawValue)" }
        if let ports { s += " --port \(ports)" }
        if oneWay { s += " --one-way" }
        if log { s += " --log" }
        return s
    }
}

/// The three levels of precedence, lowest first.
public enum Specificity: Int, Comparable, Sendable, CaseIterable {
    /// From, to (any protocol).
    case pair = 0
    /// From, to and protocol.
    case proto = 1
    /// From, to, protocol and destination port(s).
    case protoAndPort = 2
    public static func < (lhs: Specificity, rhs: Specificity) -> Bool { lhs.rawValue < rhs.rawValue }
}

/// A policy's id, as `routed policy list` shows it and `routed policy del ID` takes it.
public struct PolicyID: RawRepresentable, Hashable, Comparable, Codable, Sendable, CustomStringConvertible {
    public let rawValue: UInt32
    public init(rawValue: UInt32) { self.rawValue = rawValue }
    public static func < (lhs: PolicyID, rhs: PolicyID) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String { "\(rawValue)" }
    /// The nft chain holding this policy's counter and verdict: `p7`.
    public var chainName: String { "p\(rawValue)" }
}

/// A stored policy: its id and rule.
public struct Policy: Hashable, Codable, Sendable {
    public let id: PolicyID
    public let rule: PolicyRule
    public init(id: PolicyID, rule: PolicyRule) { self.id = id; self.rule = rule }
}
