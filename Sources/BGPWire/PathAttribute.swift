public import IPAddressing

/// Path attribute type codes (IANA "BGP Path Attributes").
public struct AttributeType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let origin = AttributeType(1)
    public static let asPath = AttributeType(2)
    public static let nextHop = AttributeType(3)
    public static let multiExitDisc = AttributeType(4)
    public static let localPref = AttributeType(5)
    public static let atomicAggregate = AttributeType(6)
    public static let aggregator = AttributeType(7)
    public static let communities = AttributeType(8)
    public static let originatorID = AttributeType(9)
    public static let clusterList = AttributeType(10)
    public static let mpReachNLRI = AttributeType(14)
    public static let mpUnreachNLRI = AttributeType(15)
    public static let extendedCommunities = AttributeType(16)
    public static let as4Path = AttributeType(17)
    public static let as4Aggregator = AttributeType(18)
    public static let largeCommunities = AttributeType(32)

    public var description: String {
        switch rawValue {
        case 1: "ORIGIN"
        case 2: "AS_PATH"
        case 3: "NEXT_HOP"
        case 4: "MULTI_EXIT_DISC"
        case 5: "LOCAL_PREF"
        case 6: "ATOMIC_AGGREGATE"
        case 7: "AGGREGATOR"
        case 8: "COMMUNITIES"
        case 9: "ORIGINATOR_ID"
        case 10: "CLUSTER_LIST"
        case 14: "MP_REACH_NLRI"
        case 15: "MP_UNREACH_NLRI"
        case 16: "EXTENDED_COMMUNITIES"
        case 17: "AS4_PATH"
        case 18: "AS4_AGGREGATOR"
        case 32: "LARGE_COMMUNITY"
        default: "attribute \(rawValue)"
        }
    }
}

/// The Attribute Flags octet (RFC 4271 section 4.3).
public struct AttributeFlags: OptionSet, Hashable, Sendable {
    public var rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let optional = AttributeFlags(rawValue: 0x80)
    public static let transitive = AttributeFlags(rawValue: 0x40)
    public static let partial = AttributeFlags(rawValue: 0x20)
    public static let extendedLength = AttributeFlags(rawValue: 0x10)

    /// Well-known attributes: transitive, not optional.
    public static let wellKnown: AttributeFlags = [.transitive]
    public static let optionalTransitive: AttributeFlags = [.optional, .transitive]
    public static let optionalNonTransitive: AttributeFlags = [.optional]
}

/// ORIGIN values (RFC 4271 section 4.3 a).
public enum Origin: UInt8, Hashable, Comparable, Sendable, CustomStringConvertible {
    case igp = 0
    case egp = 1
    case incomplete = 2

    public static func < (lhs: Origin, rhs: Origin) -> Bool { lhs.rawValue < rhs.rawValue }
    public var description: String {
        switch self { case .igp: "IGP"; case .egp: "EGP"; case .incomplete: "incomplete" }
    }
}

/// AGGREGATOR and AS4_AGGREGATOR (RFC 4271 section 5.1.7; RFC 6793 section 3).
public struct Aggregator: Hashable, Sendable {
    public var asn: UInt32
    public var address: IPv4Address
    public init(asn: UInt32, address: IPv4Address) {
        self.asn = asn
        self.address = address
    }
}

/// One path attribute: its flags as received (or the canonical ones) and its decoded value.
public struct PathAttribute: Hashable, Sendable {
    public enum Value: Hashable, Sendable {
        case origin(Origin)
        case asPath(ASPath)
        case nextHop(IPv4Address)
        case multiExitDisc(UInt32)
        case localPref(UInt32)
        case atomicAggregate
        case aggregator(Aggregator)
        case communities([Community])
        case originatorID(IPv4Address)
        case clusterList([UInt32])
        case mpReachNLRI(MPReachNLRI)
        case mpUnreachNLRI(MPUnreachNLRI)
        case extendedCommunities([ExtendedCommunity])
        case as4Path(ASPath)
        case as4Aggregator(Aggregator)
        case largeCommunities([LargeCommunity])
        /// An optional transitive attribute routed does not know, carried through (RFC 4271 section 5).
        case unknown(type: UInt8, value: [UInt8])
    }

    /// The flags. On encode the Extended Length bit is added when the value needs it; it is kept
    /// when set on a short value, so received messages re-encode to the same bytes.
    public var flags: AttributeFlags
    public var value: Value

    public init(flags: AttributeFlags, value: Value) {
        self.flags = flags
        self.value = value
    }

    /// The attribute with the flags its RFC defines.
    public init(_ value: Value) {
        self.init(flags: Self.canonicalFlags(of: value), value: value)
    }

    public var type: AttributeType {
        switch value {
        case .origin: .origin
        case .asPath: .asPath
        case .nextHop: .nextHop
        case .multiExitDisc: .multiExitDisc
        case .localPref: .localPref
        case .atomicAggregate: .atomicAggregate
        case .aggregator: .aggregator
        case .communities: .communities
        case .originatorID: .originatorID
        case .clusterList: .clusterList
        case .mpReachNLRI: .mpReachNLRI
        case .mpUnreachNLRI: .mpUnreachNLRI
        case .extendedCommunities: .extendedCommunities
        case .as4Path: .as4Path
        case .as4Aggregator: .as4Aggregator
        case .largeCommunities: .largeCommunities
        case .unknown(let t, _): AttributeType(t)
        }
    }

    static func canonicalFlags(of value: Value) -> AttributeFlags {
        AttributeSpec.expectedFlags(PathAttribute(flags: [], value: value).type) ?? .optionalTransitive
    }
}

/// The optional/transitive bits each known attribute must carry (RFC 4271 section 5, RFC 4760,
/// RFC 4456, RFC 4360, RFC 6793, RFC 8092), and the RFC 7606 action for its malformation.
enum AttributeSpec {
    static func expectedFlags(_ type: AttributeType) -> AttributeFlags? {
        switch type.rawValue {
        case 1, 2, 3, 5, 6: .wellKnown
        case 7, 8, 16, 17, 18, 32: .optionalTransitive
        case 4, 9, 10, 14, 15: .optionalNonTransitive
        default: nil
        }
    }

    /// RFC 7606 section 7: what a malformed attribute of this type costs.
    static func action(for type: AttributeType, context: CodecContext) -> ErrorAction {
        switch type {
        case .atomicAggregate, .aggregator, .as4Path, .as4Aggregator:
            .attributeDiscard  // sections 7.6, 7.7; RFC 6793 section 6
        case .localPref, .originatorID, .clusterList:
            context.externalPeer ? .attributeDiscard : .treatAsWithdraw  // sections 7.5, 7.9, 7.10
        case .mpReachNLRI, .mpUnreachNLRI:
            .sessionReset  // section 7.11 (and 3 j)
        default:
            .treatAsWithdraw
        }
    }
}
