import Foundation

/// Parsers for FRR 8 `vtysh ... json` output. Pure functions over the JSON text.
public enum FRROutput {
    /// `bgpState` from `show bgp neighbors ADDR json`: `{"ADDR":{"bgpState":"Established",...}}`.
    public static func neighborState(_ text: String, address: String) throws -> String {
        guard let object = try GoBGPOutput.json(text) as? [String: Any] else {
            throw LabError.unparsable(what: "FRR neighbor \(address)", output: text)
        }
        let entry = object[address] as? [String: Any]
            ?? object.values.compactMap { $0 as? [String: Any] }.first { $0["bgpState"] != nil }
        guard let state = entry?["bgpState"] as? String else {
            throw LabError.unparsable(what: "bgpState of FRR neighbor \(address)", output: text)
        }
        return state
    }

    /// The prefixes of `show bgp ipv4 unicast json`: `{"routes":{"10.9.0.0/24":[...]}}`.
    public static func prefixes(_ text: String) throws -> [String] {
        guard let object = try GoBGPOutput.json(text) as? [String: Any] else {
            throw LabError.unparsable(what: "an FRR BGP table", output: text)
        }
        guard let routes = object["routes"] as? [String: Any] else { return [] }
        return routes.keys.sorted()
    }

    /// The paths of `show bgp ipv4 unicast PREFIX json`:
    /// `{"prefix":"P","paths":[{"aspath":{"segments":[{"list":[...]}]},"community":{"list":[...]},
    /// "largeCommunity":{"list":[...]},"locPrf"|"localpref":N,"metric"|"med":N,
    /// "nexthops":[{"ip":"A"}],"peer":{"peerId":"A"}}]}`.
    public static func paths(_ text: String) throws -> [LearnedRoute] {
        guard let object = try GoBGPOutput.json(text) as? [String: Any] else {
            throw LabError.unparsable(what: "an FRR prefix", output: text)
        }
        guard let prefix = object["prefix"] as? String else { return [] }  // `{}`: not in the table
        var routes: [LearnedRoute] = []
        for path in object["paths"] as? [[String: Any]] ?? [] {
            var route = LearnedRoute(prefix: prefix)
            if let aspath = path["aspath"] as? [String: Any] {
                for segment in aspath["segments"] as? [[String: Any]] ?? [] {
                    route.asPath += (segment["list"] as? [Any] ?? []).compactMap(GoBGPOutput.uint32)
                }
            }
            if let community = path["community"] as? [String: Any] {
                route.communities = (community["list"] as? [String]
                    ?? (community["string"] as? String)?.split(separator: " ").map(String.init) ?? [])
                    .map(WellKnownCommunity.normalise)
            }
            if let large = path["largeCommunity"] as? [String: Any] {
                route.largeCommunities = large["list"] as? [String]
                    ?? (large["string"] as? String)?.split(separator: " ").map(String.init) ?? []
            }
            route.localPref = (path["locPrf"] ?? path["localpref"]).flatMap(GoBGPOutput.uint32)
            route.med = (path["metric"] ?? path["med"]).flatMap(GoBGPOutput.uint32)
            let hops = path["nexthops"] as? [[String: Any]] ?? []
            let global = hops.first { ($0["scope"] as? String) != "link-local" } ?? hops.first
            route.nextHop = global?["ip"] as? String ?? ""
            if let peer = path["peer"] as? [String: Any], let id = peer["peerId"] as? String,
               id != "0.0.0.0", id != "::" {
                route.source = id
            }
            routes.append(route)
        }
        return routes
    }
}
