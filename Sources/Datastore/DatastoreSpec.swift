public import IPAM

/// What `--datastore` names: `sqlite:PATH` (the embedded default) or `etcd://HOST:PORT[,HOST:PORT...]`.
public enum DatastoreSpec: Hashable, Sendable, CustomStringConvertible {
    case sqlite(path: String)
    case etcd(endpoints: [Endpoint])

    public struct Endpoint: Hashable, Sendable, CustomStringConvertible {
        public var host: String
        public var port: UInt16
        public init(host: String, port: UInt16) { self.host = host; self.port = port }
        public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
    }

    /// The default under the state directory (`--state-dir`, default /var/lib/routed).
    public static func `default`(stateDirectory: String = "/var/lib/routed") -> DatastoreSpec {
        .sqlite(path: stateDirectory + "/routed.sqlite")
    }

    /// Opens the store this names (SQLite: creates the file and migrates its schema).
    public func open() throws -> any Datastore {
        switch self {
        case .sqlite(let path): try SQLiteDatastore(path: path)
        case .etcd(let eps): EtcdDatastore(endpoints: eps)
        }
    }

    public init(parsing text: String) throws(DatastoreSpecError) {
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty else { throw .emptyPath(text) }
            self = .sqlite(path: path)
        } else if text.hasPrefix("etcd://") {
            var eps: [Endpoint] = []
            for item in text.dropFirst("etcd://".count).split(separator: ",", omittingEmptySubsequences: false) {
                // HOST:PORT, [V6]:PORT
                let hostPart: Substring, portPart: Substring
                if item.hasPrefix("["), let close = item.firstIndex(of: "]"), item[item.index(after: close)...].hasPrefix(":") {
                    hostPart = item[item.index(after: item.startIndex)..<close]
                    portPart = item[item.index(close, offsetBy: 2)...]
                } else if let colon = item.lastIndex(of: ":"), !item[..<colon].contains(":") {
                    hostPart = item[..<colon]
                    portPart = item[item.index(after: colon)...]
                } else {
                    throw .badEndpoint(String(item), in: text)
                }
                guard !hostPart.isEmpty, let port = UInt16(portPart), port > 0 else { throw .badEndpoint(String(item), in: text) }
                eps.append(Endpoint(host: String(hostPart), port: port))
            }
            self = .etcd(endpoints: eps)
        } else {
            throw .unknownScheme(text)
        }
    }

    public var description: String {
        switch self {
        case .sqlite(let p): "sqlite:\(p)"
        case .etcd(let eps): "etcd://" + eps.map(\.description).joined(separator: ",")
        }
    }
}

/// A `--datastore` value that does not parse.
public enum DatastoreSpecError: Error, Hashable, Sendable, CustomStringConvertible {
    case unknownScheme(String)
    case emptyPath(String)
    case badEndpoint(String, in: String)

    public var description: String {
        switch self {
        case .unknownScheme(let s): "--datastore '\(s)': expected sqlite:PATH or etcd://HOST:PORT[,HOST:PORT...]"
        case .emptyPath(let s): "--datastore '\(s)': the SQLite path is empty (e.g. sqlite:/var/lib/routed/routed.sqlite)"
        case let .badEndpoint(e, s): "--datastore '\(s)': '\(e)' is not HOST:PORT (IPv6 as [ADDR]:PORT)"
        }
    }
}
