import Foundation

/// Parsers for `gobgp ... -j` (GoBGP 3.x JSON). Pure functions over the JSON text.
public enum GoBGPOutput {
    /// `session_state` of the API (apipb.PeerState.SessionState), named as in RFC 4271.
    static let sessionStates = [0: "Unknown", 1: "Idle", 2: "Connect", 3: "Active", 4: "OpenSent", 5: "OpenConfirm", 6: "Established"]

    /// The session state from `gobgp neighbor ADDR -j`: `{"state":{"session_state":6,...},...}`.
    public static func neighborState(_ text: String) throws -> String {
        guard let object = try json(text) as? [String: Any], let state = object["state"] as? [String: Any] else {
            throw LabError.unparsable(what: "a GoBGP neighbor", output: text)
        }
        switch state["session_state"] {
        case let number as Int: return sessionStates[number] ?? "Unknown(\(number))"
        case let name as String: return normaliseState(name)
        case nil: return "Unknown"  // proto3 JSON omits a zero value
        default: throw LabError.unparsable(what: "a GoBGP session_state", output: text)
        }
    }

    /// `"ESTABLISHED"`, `"established"`, `"SESSION_STATE_ESTABLISHED"` → `"Established"`.
    static func normaliseState(_ name: String) -> String {
        let key = name.uppercased().replacingOccurrences(of: "SESSION_STATE_", with: "")
        return sessionStates.values.first { $0.uppercased() == key } ?? name
    }

    /// Every path of `gobgp global rib -a FAMILY -j`:
    /// `{"PREFIX":[{"nlri":{...},"attrs":[{"type":2,"as_paths":[...]},...],"neighbor-ip":"..."}]}`.
    /// Attribute types (RFC 4271 5.1, RFC 1997, RFC 8092, RFC 4760): 1 ORIGIN, 2 AS_PATH, 3 NEXT_HOP,
    /// 4 MULTI_EXIT_DISC, 5 LOCAL_PREF, 8 COMMUNITIES, 14 MP_REACH_NLRI, 32 LARGE_COMMUNITY.
    public static func routes(_ text: String) throws -> [LearnedRoute] {
        let trimmed = text.trimmingCharacters(in: .whitespacesAndNewlines)
        if trimmed.isEmpty || trimmed == "null" || trimmed == "{}" || trimmed == "[]" { return [] }
        guard let table = try json(trimmed) as? [String: Any] else {
            throw LabError.unparsable(what: "a GoBGP RIB", output: text)
        }
        var routes: [LearnedRoute] = []
        for prefix in table.keys.sorted() {
            guard let paths = table[prefix] as? [[String: Any]] else {
                throw LabError.unparsable(what: "the paths of \(prefix)", output: text)
            }
            for path in paths {
                var route = LearnedRoute(prefix: prefix, source: path["neighbor-ip"] as? String ?? "")
                for attribute in path["attrs"] as? [[String: Any]] ?? [] {
                    apply(attribute, to: &route)
                }
                routes.append(route)
            }
        }
        return routes
    }

    static func apply(_ attribute: [String: Any], to route: inout LearnedRoute) {
        switch attribute["type"] as? Int {
        case 2:
            for segment in attribute["as_paths"] as? [[String: Any]] ?? [] {
                route.asPath += (segment["asns"] as? [Any] ?? []).compactMap(uint32)
            }
        case 3:
            route.nextHop = attribute["nexthop"] as? String ?? ""
        case 4:
            route.med = uint32(attribute["metric"] as Any)
        case 5:
            route.localPref = uint32(attribute["value"] as Any)
        case 8:
            route.communities = (attribute["communities"] as? [Any] ?? []).compactMap(uint32).map(WellKnownCommunity.format)
        case 14:
            if let hop = attribute["nexthop"] as? String { route.nextHop = hop }
        case 32:
            route.largeCommunities = (attribute["value"] as? [[String: Any]] ?? []).map { value in
                ["ASN", "LocalData1", "LocalData2"].map { uint32(value[$0] as Any).map(String.init) ?? "?" }.joined(separator: ":")
            }
        default:
            break
        }
    }

    static func uint32(_ value: Any) -> UInt32? {
        switch value {
        case let number as NSNumber: return UInt32(exactly: number.uint64Value)
        case let int as Int: return UInt32(exactly: int)
        default: return nil
        }
    }

    static func json(_ text: String) throws -> Any {
        do {
            return try JSONSerialization.jsonObject(with: Data(text.utf8), options: [.fragmentsAllowed])
        } catch {
            throw LabError.unparsable(what: "JSON (\(error))", output: text)
        }
    }
}
