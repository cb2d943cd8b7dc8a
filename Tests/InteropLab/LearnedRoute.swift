/// One path to a prefix as a daemon shows it in its RIB, normalised across BIRD, GoBGP and FRR.
///
/// Communities are `"ASN:value"` (RFC 1997; well-known ones numerically, e.g. NO_EXPORT is
/// `"65535:65281"`), large communities `"global:local1:local2"` (RFC 8092). `asPath` is the
/// AS_PATH flattened in order (AS_SET members inline). `source` names where the daemon learned it:
/// BIRD's protocol name, GoBGP's and FRR's neighbor address; empty for a local route.
public struct LearnedRoute: Hashable, Sendable, CustomStringConvertible {
    public var prefix: String
    public var nextHop: String
    public var asPath: [UInt32]
    public var communities: [String]
    public var largeCommunities: [String]
    public var localPref: UInt32?
    public var med: UInt32?
    public var source: String

    public init(
        prefix: String, nextHop: String = "", asPath: [UInt32] = [], communities: [String] = [],
        largeCommunities: [String] = [], localPref: UInt32? = nil, med: UInt32? = nil, source: String = ""
    ) {
        self.prefix = prefix
        self.nextHop = nextHop
        self.asPath = asPath
        self.communities = communities
        self.largeCommunities = largeCommunities
        self.localPref = localPref
        self.med = med
        self.source = source
    }

    public var description: String {
        var parts = ["\(prefix) via \(nextHop.isEmpty ? "-" : nextHop)", "path [\(asPath.map(String.init).joined(separator: " "))]"]
        if !communities.isEmpty { parts.append("comm \(communities.joined(separator: " "))") }
        if !largeCommunities.isEmpty { parts.append("lcomm \(largeCommunities.joined(separator: " "))") }
        if let localPref { parts.append("lp \(localPref)") }
        if let med { parts.append("med \(med)") }
        if !source.isEmpty { parts.append("from \(source)") }
        return parts.joined(separator: ", ")
    }
}

/// RFC 1997 / RFC 7999 / RFC 8326 well-known communities by the names daemons print.
enum WellKnownCommunity {
    static let byName: [String: String] = [
        "no-export": "65535:65281", "noExport": "65535:65281",
        "no-advertise": "65535:65282", "noAdvertise": "65535:65282",
        "local-AS": "65535:65283", "localAs": "65535:65283", "no-export-subconfed": "65535:65283",
        "no-peer": "65535:65284", "noPeer": "65535:65284",
        "blackhole": "65535:666", "graceful-shutdown": "65535:0", "gracefulShutdown": "65535:0", "gshut": "65535:0",
        "accept-own": "65535:1", "acceptOwn": "65535:1",
        "llgr-stale": "65535:6", "llgrStale": "65535:6", "no-llgr": "65535:7", "noLlgr": "65535:7",
        "internet": "0:0",
    ]

    /// `"a:b"` for a name or an already numeric community.
    static func normalise(_ text: String) -> String { byName[text] ?? text }

    /// `"high:low"` for a community as one 32-bit value.
    static func format(_ value: UInt32) -> String { "\(value >> 16):\(value & 0xFFFF)" }
}
