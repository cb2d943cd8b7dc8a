public import IPAddressing

/// The path attributes of an UPDATE, in the order received, with typed access.
///
/// Hashable, so a RIB can intern one copy per distinct set of attributes.
public struct PathAttributes: Hashable, Sendable {
    public private(set) var list: [PathAttribute]

    public init(_ list: [PathAttribute] = []) { self.list = list }

    public subscript(_ type: AttributeType) -> PathAttribute? { list.first { $0.type == type } }

    /// Replaces the attribute of the same type, or inserts it in type-code order.
    public mutating func set(_ attribute: PathAttribute) {
        if let i = list.firstIndex(where: { $0.type == attribute.type }) {
            list[i] = attribute
        } else {
            let i = list.firstIndex { $0.type.rawValue > attribute.type.rawValue } ?? list.endIndex
            list.insert(attribute, at: i)
        }
    }

    public mutating func set(_ value: PathAttribute.Value) { set(PathAttribute(value)) }

    public mutating func remove(_ type: AttributeType) { list.removeAll { $0.type == type } }

    mutating func append(_ attribute: PathAttribute) { list.append(attribute) }

    public var isEmpty: Bool { list.isEmpty }

    public var origin: Origin? { if case .origin(let v)? = self[.origin]?.value { v } else { nil } }
    public var asPath: ASPath? { if case .asPath(let v)? = self[.asPath]?.value { v } else { nil } }
    public var nextHop: IPv4Address? { if case .nextHop(let v)? = self[.nextHop]?.value { v } else { nil } }
    public var multiExitDisc: UInt32? { if case .multiExitDisc(let v)? = self[.multiExitDisc]?.value { v } else { nil } }
    public var localPref: UInt32? { if case .localPref(let v)? = self[.localPref]?.value { v } else { nil } }
    public var atomicAggregate: Bool { self[.atomicAggregate] != nil }
    public var aggregator: Aggregator? { if case .aggregator(let v)? = self[.aggregator]?.value { v } else { nil } }
    public var communities: [Community] { if case .communities(let v)? = self[.communities]?.value { v } else { [] } }
    public var originatorID: IPv4Address? { if case .originatorID(let v)? = self[.originatorID]?.value { v } else { nil } }
    public var clusterList: [UInt32] { if case .clusterList(let v)? = self[.clusterList]?.value { v } else { [] } }
    public var mpReachNLRI: MPReachNLRI? { if case .mpReachNLRI(let v)? = self[.mpReachNLRI]?.value { v } else { nil } }
    public var mpUnreachNLRI: MPUnreachNLRI? { if case .mpUnreachNLRI(let v)? = self[.mpUnreachNLRI]?.value { v } else { nil } }
    public var extendedCommunities: [ExtendedCommunity] {
        if case .extendedCommunities(let v)? = self[.extendedCommunities]?.value { v } else { [] }
    }
    public var as4Path: ASPath? { if case .as4Path(let v)? = self[.as4Path]?.value { v } else { nil } }
    public var as4Aggregator: Aggregator? { if case .as4Aggregator(let v)? = self[.as4Aggregator]?.value { v } else { nil } }
    public var largeCommunities: [LargeCommunity] {
        if case .largeCommunities(let v)? = self[.largeCommunities]?.value { v } else { [] }
    }

    /// The attributes as they go to another peer: unknown optional transitive attributes get the
    /// Partial bit (RFC 4271 section 5), and the multiprotocol attributes, which belong to one
    /// message, are left out.
    public func propagated() -> PathAttributes {
        var out = list.filter { $0.type != .mpReachNLRI && $0.type != .mpUnreachNLRI }
        for i in out.indices {
            if case .unknown = out[i].value { out[i].flags.insert(.partial) }
            out[i].flags.remove(.extendedLength)
        }
        return PathAttributes(out)
    }
}
