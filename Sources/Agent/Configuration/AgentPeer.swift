public import BGPSpeaker
public import IPAddressing

/// A configured peering: the speaker's `PeerSpec` plus what the agent decides per peer — its kind
/// and its route policies. Spelled `ADDR[,as=N][,password=S][,passive][,rr-client][,hold=S]
/// [,import=POLICY][,export=POLICY]` plus every option `PeerSpec` knows.
public struct AgentPeer: Hashable, Sendable, CustomStringConvertible {
    public enum Kind: String, Hashable, Sendable {
        /// `--peer` in our own AS.
        case ibgp
        /// `--peer` in another AS: a gateway router.
        case ebgp
        /// An iBGP peer we reflect to (RFC 4456).
        case rrClient = "rr-client"
        /// Found in the datastore by `--mesh`.
        case mesh
    }

    public var spec: PeerSpec
    public var kind: Kind
    /// As written (`import=`), or nil for the safe default of the kind.
    public var importPolicy: String?
    public var exportPolicy: String?

    public var address: IPAddress { spec.address }

    public init(spec: PeerSpec, kind: Kind, importPolicy: String? = nil, exportPolicy: String? = nil) {
        self.spec = spec
        self.kind = kind
        self.importPolicy = importPolicy
        self.exportPolicy = exportPolicy
    }

    /// Parses a `--peer` value; `localAS` decides iBGP versus eBGP.
    public init(parsing text: String, localAS: UInt32) throws(ConfigurationError) {
        var rest: [Substring] = []
        var importPolicy: String?, exportPolicy: String?, rrClient = false
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            if part.hasPrefix("import=") { importPolicy = String(part.dropFirst(7)) }
            else if part.hasPrefix("export=") { exportPolicy = String(part.dropFirst(7)) }
            else if part == "rr-client" { rrClient = true }
            else { rest.append(part) }
        }
        let spec: PeerSpec
        do {
            spec = try PeerSpec(parsing: rest.joined(separator: ","))
        } catch {
            throw ConfigurationError(option: "--peer \(text)", problem: error.problem,
                                     fix: "write ADDR[,as=N][,password=S][,passive][,rr-client][,hold=S][,import=POLICY][,export=POLICY]")
        }
        for (key, value) in [("import", importPolicy), ("export", exportPolicy)] where value?.isEmpty == true {
            throw ConfigurationError(option: "--peer \(text)", problem: "\(key)= names no policy",
                                     fix: "name one of \(RouteFilter.builtInNames.joined(separator: ", ")) or a route-policies entry")
        }
        let external = spec.remoteAS.map { $0 != localAS } ?? false
        if rrClient && external {
            throw ConfigurationError(option: "--peer \(text)", problem: "rr-client is for iBGP peers, but as=\(spec.remoteAS!) differs from --as \(localAS)",
                                     fix: "drop rr-client or use as=\(localAS)")
        }
        self.init(spec: spec, kind: rrClient ? .rrClient : external ? .ebgp : .ibgp,
                  importPolicy: importPolicy, exportPolicy: exportPolicy)
    }

    /// The policy names in force: as configured, or the safe defaults — from the mesh and other
    /// iBGP peers only pool blocks, from a gateway only a default route; to iBGP peers our blocks,
    /// to a gateway the aggregates (our pools) and our blocks.
    public var effectiveImport: String { importPolicy ?? (kind == .ebgp ? "default-route" : "pool") }
    public var effectiveExport: String { exportPolicy ?? (kind == .ebgp ? "aggregates" : "blocks") }

    public var description: String {
        var s = spec.description
        if kind == .rrClient { s += ",rr-client" }
        if let importPolicy { s += ",import=\(importPolicy)" }
        if let exportPolicy { s += ",export=\(exportPolicy)" }
        return s
    }
}
