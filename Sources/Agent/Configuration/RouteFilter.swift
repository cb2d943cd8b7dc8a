public import IPAddressing
public import IPAM

/// What a peer's `import=`/`export=` names: a built-in or a named prefix list from the config file.
///
/// | name | accepts |
/// |---|---|
/// | `all` | every route |
/// | `none` | nothing |
/// | `default-route` | `0.0.0.0/0` and `::/0` only |
/// | `pool` | blocks of our pools: inside a pool, exactly the pool's block length (Calico's IPPool) |
/// | `blocks` | the blocks this host originates (export) |
/// | `aggregates` | the pools themselves (export to a gateway) |
/// | NAME | the prefix list `route-policies.NAME` of the config file |
public enum RouteFilter: Hashable, Sendable, CustomStringConvertible {
    case all, none, defaultRoute, pool, blocks, aggregates
    case named(String, [PrefixMatch])

    public static let builtInNames = ["all", "none", "default-route", "pool", "blocks", "aggregates"]

    /// The built-in of that name, or the named list; nil when neither exists.
    public init?(name: String, named: [String: [PrefixMatch]]) {
        switch name {
        case "all": self = .all
        case "none": self = .none
        case "default-route": self = .defaultRoute
        case "pool": self = .pool
        case "blocks": self = .blocks
        case "aggregates": self = .aggregates
        default:
            guard let list = named[name] else { return nil }
            self = .named(name, list)
        }
    }

    public var description: String {
        switch self {
        case .all: "all"
        case .none: "none"
        case .defaultRoute: "default-route"
        case .pool: "pool"
        case .blocks: "blocks"
        case .aggregates: "aggregates"
        case .named(let n, _): n
        }
    }

    /// Whether `prefix` passes, given the pools and the blocks this host originates.
    public func accepts(_ prefix: IPPrefix, pools: [Pool], ownBlocks: Set<IPPrefix> = []) -> Bool {
        switch self {
        case .all: true
        case .none: false
        case .defaultRoute: prefix.length == 0
        case .pool: pools.contains { $0.cidr.contains(prefix) && prefix.length == $0.blockLength }
        case .blocks: ownBlocks.contains(prefix)
        case .aggregates: pools.contains { $0.cidr == prefix }
        case .named(_, let list): list.contains { $0.matches(prefix) }
        }
    }
}

/// One prefix-list entry: `PREFIX [ge N] [le M]` (FRR `ip prefix-list`, BIRD `net ~ [ P{N,M} ]`).
public struct PrefixMatch: Hashable, Sendable, CustomStringConvertible {
    public var prefix: IPPrefix
    public var ge: UInt8
    public var le: UInt8

    public init(parsing text: String) throws(ConfigurationError) {
        let words = text.split(separator: " ").map(String.init)
        func bad(_ why: String) -> ConfigurationError {
            ConfigurationError(option: "route-policies", problem: "'\(text)' \(why)",
                               fix: "write PREFIX [ge N] [le M], e.g. \"10.0.0.0/8 le 32\"")
        }
        guard let first = words.first, let p = IPPrefix(first) else { throw bad("does not start with a prefix") }
        prefix = p
        let max: UInt8 = p.family == .v4 ? 32 : 128
        ge = p.length
        le = p.length
        var i = 1
        while i < words.count {
            guard i + 1 < words.count, let n = UInt8(words[i + 1]), n >= p.length, n <= max else {
                throw bad("has a bad bound after '\(words[i])' (a length from \(p.length) to \(max))")
            }
            switch words[i] {
            case "ge": ge = n; if le < n { le = max }
            case "le": le = n
            default: throw bad("has '\(words[i])' where ge or le was expected")
            }
            i += 2
        }
        guard ge <= le else { throw bad("has ge above le") }
    }

    public func matches(_ p: IPPrefix) -> Bool {
        p.length >= ge && p.length <= le && prefix.contains(p)
    }

    public var description: String {
        var s = "\(prefix)"
        if ge != prefix.length { s += " ge \(ge)" }
        if le != prefix.length { s += " le \(le)" }
        return s
    }
}

