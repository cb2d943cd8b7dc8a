public import AgentAPI

/// `routed routes`: every path of the RIB, grouped by prefix, the best one marked `*` (as in
/// `birdc show route all`): next hop(s), where it came from, AS path and origin, communities
/// (with the network a large community names), and why it won or lost.
public enum RoutesText {
    public static func render(_ routes: [RouteInfo], filter: String? = nil) -> String {
        guard !routes.isEmpty else {
            return filter.map { "no route for \($0)\n" } ?? "no routes: the RIB is empty (no blocks claimed and nothing received)\n"
        }
        var table = TextTable(["", "PREFIX", "NEXT HOP", "FROM", "AS PATH", "LOCPRF", "MED", "COMMUNITIES", "REASON"])
        var previous: String?
        for r in routes {
            var communities = r.communities + r.largeCommunities
            if let network = r.network { communities.append("(\(network))") }
            table.add([r.best ? "*" : "", r.prefix == previous ? "" : r.prefix,
                       r.nextHops.isEmpty ? "-" : r.nextHops.joined(separator: ","), r.from,
                       (r.asPath.isEmpty ? "" : r.asPath + " ") + originLetter(r.origin),
                       r.localPref.map(String.init) ?? "-", r.med.map(String.init) ?? "-",
                       communities.isEmpty ? "-" : communities.joined(separator: " "), r.reason])
            previous = r.prefix
        }
        let prefixes = Set(routes.map(\.prefix)).count
        return table.render() + "\(routes.count) path\(routes.count == 1 ? "" : "s") to \(prefixes) prefix\(prefixes == 1 ? "" : "es")\n"
    }

    /// The origin as BGP tables print it: `i` (IGP), `e` (EGP), `?` (incomplete).
    static func originLetter(_ origin: String) -> String {
        switch origin.lowercased() {
        case "igp", "i": "i"
        case "egp", "e": "e"
        case "incomplete", "?": "?"
        default: origin
        }
    }
}
