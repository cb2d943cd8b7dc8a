public import BGPWire
public import IPAddressing

/// The attributes of a route as the RIB keeps them: the path attributes and the next hop, plus the
/// values the decision process reads, extracted once when the set is interned.
public struct RouteAttributes: Hashable, Sendable {
    public var attributes: PathAttributes
    public var nextHop: IPAddress?

    public init(attributes: PathAttributes, nextHop: IPAddress?) {
        self.attributes = attributes
        self.nextHop = nextHop
    }
}

/// What RFC 4271 section 9.1.2.2 and RFC 4456 section 9 compare, precomputed per attribute set.
struct DecisionKey: Sendable {
    var localPref: UInt32
    var pathLength: Int
    var origin: UInt8
    var med: UInt32
    var neighborAS: UInt32?
    var originatorID: IPv4Address?
    var clusterListLength: Int

    /// LOCAL_PREF for a route without one (from eBGP, or originated): RFC 4271 section 9.1.1 leaves
    /// it to policy; 100 is what BIRD, FRR and GoBGP use.
    static let defaultLocalPref: UInt32 = 100

    init(_ r: RouteAttributes) {
        let a = r.attributes
        localPref = a.localPref ?? Self.defaultLocalPref
        pathLength = a.asPath?.pathLength ?? 0
        origin = (a.origin ?? .incomplete).rawValue
        // RFC 4271 section 9.1.2.2 c: a missing MED counts as the lowest value.
        med = a.multiExitDisc ?? 0
        neighborAS = a.asPath?.neighborAS
        originatorID = a.originatorID
        clusterListLength = a.clusterList.count
    }
}

/// Interned attribute sets: routes with identical attributes share one copy and refer to it by a
/// 4-byte handle. Reference counted, so a set is freed when its last route goes.
struct AttributeTable: Sendable {
    struct Entry: Sendable {
        var value: RouteAttributes
        var key: DecisionKey
        var references: Int
    }

    private(set) var entries: [Entry?] = []
    private var index: [RouteAttributes: UInt32] = [:]
    private var free: [UInt32] = []

    var count: Int { index.count }

    mutating func intern(_ value: RouteAttributes) -> UInt32 {
        if let handle = index[value] {
            entries[Int(handle)]!.references += 1
            return handle
        }
        let entry = Entry(value: value, key: DecisionKey(value), references: 1)
        let handle: UInt32
        if let reused = free.popLast() {
            handle = reused
            entries[Int(handle)] = entry
        } else {
            handle = UInt32(entries.count)
            entries.append(entry)
        }
        index[value] = handle
        return handle
    }

    mutating func retain(_ handle: UInt32, count: Int = 1) { entries[Int(handle)]!.references += count }

    mutating func release(_ handle: UInt32) {
        entries[Int(handle)]!.references -= 1
        if entries[Int(handle)]!.references == 0 {
            index[entries[Int(handle)]!.value] = nil
            entries[Int(handle)] = nil
            free.append(handle)
        }
    }

    subscript(handle: UInt32) -> Entry { entries[Int(handle)]! }
}
