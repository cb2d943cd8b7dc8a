import Foundation
import Yams

extension AgentOptions {
    /// Every key the YAML file may hold (the long option names).
    static let fileKeys: Set<String> = Set([CodingKeys.as, .routerID, .listen, .pool, .blockSize, .peer, .mesh, .datastore,
                                            .stateDir, .socket, .metrics, .uplink, .mtu, .hostname,
                                            .preserveForwardingOnExit, .gracefulRestartTime, .blockReleaseGrace, .routePolicies].map(\.stringValue))

    /// Reads `--config FILE` (YAML, the keys of `contrib/routed.yaml`). An unknown key, a value of
    /// the wrong type or an unreadable file is a `ConfigurationError` naming the file and the key.
    public init(yamlFile path: String) throws(ConfigurationError) {
        guard let data = FileManager.default.contents(atPath: path), let text = String(data: data, encoding: .utf8) else {
            throw ConfigurationError(option: "--config \(path)", problem: "cannot read the file",
                                     fix: "give the path of a readable YAML file (see contrib/routed.yaml)")
        }
        try self.init(yaml: text, source: path)
    }

    public init(yaml text: String, source: String = "the config file") throws(ConfigurationError) {
        let loaded: Any?
        do { loaded = try Yams.load(yaml: text) } catch {
            throw ConfigurationError(option: "--config \(source)", problem: "not valid YAML: \(error)",
                                     fix: "fix the syntax (see contrib/routed.yaml)")
        }
        guard let loaded else { self.init(); return }
        guard let map = loaded as? [String: Any] else {
            throw ConfigurationError(option: "--config \(source)", problem: "the top level is not a mapping of option: value",
                                     fix: "write one `option: value` per line, e.g. `as: 64512`")
        }
        for key in map.keys.sorted() where !Self.fileKeys.contains(key) {
            throw ConfigurationError(option: "--config \(source)", problem: "unknown key '\(key)'",
                                     fix: "use the long option names: \(Self.fileKeys.sorted().joined(separator: ", "))")
        }
        do {
            self = try YAMLDecoder().decode(AgentOptions.self, from: text)
        } catch let DecodingError.typeMismatch(type, context), let DecodingError.valueNotFound(type, context) {
            let key = context.codingPath.map(\.stringValue).joined(separator: ".")
            throw ConfigurationError(option: "--config \(source)", problem: "'\(key)' is not a \(type)",
                                     fix: "see contrib/routed.yaml for the type of each key")
        } catch {
            throw ConfigurationError(option: "--config \(source)", problem: "\(error)", fix: "see contrib/routed.yaml")
        }
    }
}
