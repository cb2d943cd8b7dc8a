public import Foundation

/// Parsers for `birdc` output (BIRD 2.0). Pure functions over text, tested on captured samples.
public enum BirdOutput {
    /// One row of `birdc show protocols`.
    public struct ProtocolRow: Equatable, Sendable {
        public var name: String
        public var proto: String
        public var table: String
        /// `up`, `down`, `start`, `stop`, `flush`.
        public var state: String
        /// For BGP the session state: `Idle`, `Connect`, `Active`, `OpenSent`, `OpenConfirm`,
        /// `Established`, `Close`, possibly followed by the last error.
        public var info: String
    }

    /// Rows of `show protocols`:
    /// `g          BGP        ---        up     12:30:58.303  Established`
    public static func protocols(_ text: String) -> [ProtocolRow] {
        var rows: [ProtocolRow] = []
        for line in text.split(separator: "\n") {
            let fields = line.split(separator: " ", omittingEmptySubsequences: true).map(String.init)
            guard fields.count >= 5, fields[0] != "Name", !line.hasPrefix("BIRD ") else { continue }
            // fields[4] is the "since" time; it may be "12:30:58.303" or a date and a time.
            var infoStart = 5
            if fields.count > 5, fields[5].first?.isNumber == true, fields[5].contains(":") { infoStart = 6 }
            let info = fields.count > infoStart ? fields[infoStart...].joined(separator: " ") : ""
            rows.append(ProtocolRow(name: fields[0], proto: fields[1], table: fields[2], state: fields[3], info: info))
        }
        return rows
    }

    /// The session state of protocol `name`: the first word of Info (e.g. `Established`), or the
    /// protocol state (`down`) when Info is empty.
    public static func protocolState(_ text: String, name: String) -> String? {
        guard let row = protocols(text).first(where: { $0.name == name }) else { return nil }
        return row.info.split(separator: " ").first.map(String.init) ?? row.state
    }

    /// When BIRD logged the first line containing `message` at or after `after`, from the stamps of
    /// `timeformat log "%F %T.%3f"` (`2026-12-08 02:40:01.123 <RMT> frr: Error: Hold timer expired`).
    /// An event's own time, however late a poller notices it. A stamp is cut to the millisecond, so
    /// an event in the same millisecond as `after` may read up to 1 ms before it and still counts.
    public static func logTime(of message: String, in log: String, after: Date = .distantPast) -> Date? {
        for line in log.split(separator: "\n") where line.contains(message) {
            if let stamp = logStamp(line.prefix(23)), stamp >= after.addingTimeInterval(-0.001) { return stamp }
        }
        return nil
    }

    /// A log stamp of `timeformat log "%F %T.%3f"` (`2026-12-08 02:40:01.123`), in local time as
    /// BIRD writes it.
    public static func logStamp(_ text: some StringProtocol) -> Date? {
        let format = DateFormatter()
        format.locale = Locale(identifier: "en_US_POSIX")
        format.timeZone = .current
        format.dateFormat = "yyyy-MM-dd HH:mm:ss.SSS"
        return text.count == 23 ? format.date(from: String(text)) : nil
    }

    /// `Last error:` of `show protocols all NAME` (e.g. `Hold timer expired`), if any.
    public static func lastError(_ text: String) -> String? {
        for line in text.split(separator: "\n") {
            let trimmed = line.trimming(" \t")
            if trimmed.hasPrefix("Last error:") {
                return trimmed.dropFirst("Last error:".count).trimming(" \t")
            }
        }
        return nil
    }

    /// Routes of `show route all [table T]`:
    ///
    ///     Table master4:
    ///     203.0.113.0/24       unicast [g 12:30:59.418] * (100) [AS64513?]
    ///     	via 10.0.0.2 on va
    ///     	Type: BGP univ
    ///     	BGP.as_path: 64513
    ///     	BGP.next_hop: 10.0.0.2
    ///     	BGP.local_pref: 100
    ///     	BGP.community: (64513,7)
    ///     	BGP.large_community: (64513, 1, 2)
    ///
    /// A further path to the same prefix starts with spaces instead of the prefix; a long attribute
    /// continues on lines that start with two tabs.
    public static func routes(_ text: String) throws -> [LearnedRoute] {
        var routes: [LearnedRoute] = []
        var current: LearnedRoute?
        var viaHop = ""
        var lastKey = ""
        var attributes: [String: String] = [:]

        func finish() {
            guard var route = current else { return }
            route.nextHop = attributes["BGP.next_hop"].flatMap { $0.split(separator: " ").first.map(String.init) } ?? viaHop
            route.asPath = asPath(attributes["BGP.as_path"] ?? "")
            route.communities = tuples(attributes["BGP.community"] ?? "")
            route.largeCommunities = tuples(attributes["BGP.large_community"] ?? "")
            route.localPref = attributes["BGP.local_pref"].flatMap { UInt32($0) }
            route.med = attributes["BGP.med"].flatMap { UInt32($0) }
            routes.append(route)
            current = nil
            viaHop = ""
            attributes = [:]
            lastKey = ""
        }

        for raw in text.split(separator: "\n", omittingEmptySubsequences: true) {
            let line = String(raw)
            if line.hasPrefix("BIRD ") || line.hasPrefix("Table ") { continue }
            if line.hasPrefix("\t\t") {  // continuation of a long attribute value
                if !lastKey.isEmpty { attributes[lastKey, default: ""] += " " + line.trimming(" \t") }
                continue
            }
            if line.hasPrefix("\t") {
                let body = line.trimming(" \t")
                if body.hasPrefix("via ") {
                    viaHop = body.split(separator: " ").dropFirst().first.map(String.init) ?? ""
                } else if let colon = body.firstIndex(of: ":"), body[..<colon].allSatisfy({ !$0.isWhitespace }) {
                    lastKey = String(body[..<colon])
                    attributes[lastKey] = body[body.index(after: colon)...].trimming(" \t")
                }
                continue
            }
            guard let bracket = line.firstIndex(of: "[") else {
                throw LabError.unparsable(what: "a BIRD route line", output: line)
            }
            let prefix: String
            if line.first == " " {
                guard let previous = current ?? routes.last else {
                    throw LabError.unparsable(what: "a BIRD route line (continuation without a prefix)", output: line)
                }
                prefix = previous.prefix
            } else {
                prefix = String(line.split(separator: " ").first ?? "")
            }
            finish()
            let sourceFields = line[line.index(after: bracket)...].split(separator: " ")
            current = LearnedRoute(prefix: prefix, source: sourceFields.first.map(String.init) ?? "")
        }
        finish()
        return routes
    }

    /// `64513 65010 {1 2}` → [64513, 65010, 1, 2]
    static func asPath(_ text: String) -> [UInt32] {
        text.split(whereSeparator: { $0 == " " || $0 == "{" || $0 == "}" || $0 == "," }).compactMap { UInt32($0) }
    }

    /// `(64513,7) (65535,65281)` → ["64513:7", "65535:65281"]; `(64513, 1, 2)` → ["64513:1:2"].
    static func tuples(_ text: String) -> [String] {
        var result: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "("), let close = rest[open...].firstIndex(of: ")") {
            let inner = rest[rest.index(after: open)..<close]
            result.append(inner.split(separator: ",").map { $0.trimming(" ") }.joined(separator: ":"))
            rest = rest[rest.index(after: close)...]
        }
        return result
    }
}

extension StringProtocol {
    /// Trims the given characters from both ends (no Foundation needed).
    func trimming(_ set: String) -> String {
        var slice = Substring(self)
        while let first = slice.first, set.contains(first) { slice = slice.dropFirst() }
        while let last = slice.last, set.contains(last) { slice = slice.dropLast() }
        return String(slice)
    }
}
