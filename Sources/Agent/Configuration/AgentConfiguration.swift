import AgentAPI
public import Datastore
public import IPAddressing
public import IPAM

/// Everything `routed start` runs with, validated: a pure value built from the config file and
/// the flags (`init(file:flags:)`), before anything on the host is touched.
public struct AgentConfiguration: Hashable, Sendable {
    /// The embedded default pool when neither `--pool` nor the file gives one: RFC 1918 space
    /// commonly used for pods (Flannel's and many Calico installs' `10.244.0.0/16`).
    public static let defaultPool = "10.244.0.0/16"
    public static let defaultStateDirectory = "/var/lib/routed"
    public static let defaultBGPPort = 179

    public var localAS: UInt32
    /// nil: the uplink's first IPv4 address, found at start (`HostFacts`).
    public var routerID: IPv4Address?
    /// Where the BGP listener binds (default all IPv4 addresses).
    public var listenAddress: IPAddress
    public var listenPort: Int
    public var pools: [Pool]
    public var blockLength: UInt8
    public var peers: [AgentPeer]
    public var mesh: Bool
    public var datastore: DatastoreSpec
    public var stateDirectory: String
    public var socketPath: String
    /// `--metrics ADDR:PORT`: also serve `/metrics` (and `/healthz`) over TCP there.
    public var metrics: (host: String, port: Int)?
    /// nil: the interface of the default route, found at start.
    public var uplink: String?
    public var mtu: UInt32?
    public var hostname: String
    public var preserveForwardingOnExit: Bool
    public var gracefulRestartTime: UInt16
    /// Seconds an empty block of ours stays claimed and announced before it is released and
    /// withdrawn (so a container restarting in place does not make the block flap).
    public var blockReleaseGrace: Int
    public var routePolicies: [String: [PrefixMatch]]

    public static func == (a: Self, b: Self) -> Bool {
        a.localAS == b.localAS && a.routerID == b.routerID && a.listenAddress == b.listenAddress && a.listenPort == b.listenPort
            && a.pools == b.pools && a.blockLength == b.blockLength && a.peers == b.peers && a.mesh == b.mesh
            && a.datastore == b.datastore && a.stateDirectory == b.stateDirectory && a.socketPath == b.socketPath
            && a.metrics?.host == b.metrics?.host && a.metrics?.port == b.metrics?.port && a.uplink == b.uplink
            && a.mtu == b.mtu && a.hostname == b.hostname && a.preserveForwardingOnExit == b.preserveForwardingOnExit
            && a.gracefulRestartTime == b.gracefulRestartTime && a.blockReleaseGrace == b.blockReleaseGrace
            && a.routePolicies == b.routePolicies
    }

    public func hash(into h: inout Hasher) {
        h.combine(localAS); h.combine(hostname); h.combine(socketPath)
    }

    /// Validates `flags` over `file` (flags win). `environment` supplies `ROUTED_SOCKET`;
    /// `defaultHostname` the machine's name.
    public init(file: AgentOptions = AgentOptions(), flags: AgentOptions, environment: [String: String] = [:],
                defaultHostname: String) throws(ConfigurationError) {
        let o = flags.overriding(file)
        guard let asn = o.as else {
            throw ConfigurationError(option: "--as", problem: "the local AS number is required",
                                     fix: "give --as N (1...4294967295; private: 64512-65534, 4200000000-4294967294) or `as:` in the config file")
        }
        guard asn != 0, asn != 23456 else {
            throw ConfigurationError(option: "--as", problem: "\(asn) is reserved (RFC 7607, RFC 6793)",
                                     fix: "use a private AS such as 64512")
        }
        localAS = asn

        if let text = o.routerID {
            guard let id = IPv4Address(text), id.value != 0 else {
                throw ConfigurationError(option: "--router-id", problem: "'\(text)' is not a non-zero IPv4 address",
                                         fix: "write A.B.C.D, e.g. --router-id 192.0.2.1")
            }
            routerID = id
        } else {
            routerID = nil
        }

        (listenAddress, listenPort) = try Self.listen(o.listen)

        if let b = o.blockSize {
            guard (16...32).contains(b) else {
                throw ConfigurationError(option: "--block-size", problem: "/\(b) is not a block length for IPv4",
                                         fix: "give a prefix length from 16 to 32 (default 26: 64 addresses per block)")
            }
        }
        blockLength = UInt8(o.blockSize ?? Int(Pool.defaultIPv4BlockLength))
        var pools: [Pool] = []
        for text in o.pool ?? [Self.defaultPool] {
            guard let cidr = IPPrefix(text) else {
                throw ConfigurationError(option: "--pool \(text)", problem: "not a CIDR with the host bits zero",
                                         fix: "write A.B.C.D/N, e.g. --pool 10.244.0.0/16")
            }
            let len: UInt8 = cidr.family == .v4 ? blockLength : Pool.defaultIPv6BlockLength
            let pool: Pool
            do {
                pool = try Pool(name: text.replacingSlashAndColons(), cidr: cidr, blockLength: len)
            } catch {
                throw ConfigurationError(option: "--pool \(text)", problem: error.description,
                                         fix: "give a pool at least as large as one block (--block-size \(blockLength))")
            }
            do { try pool.checkJoins(pools) } catch {
                throw ConfigurationError(option: "--pool \(text)", problem: error.description, fix: "give disjoint pools")
            }
            pools.append(pool)
        }
        self.pools = pools

        var named: [String: [PrefixMatch]] = [:]
        for (name, def) in o.routePolicies ?? [:] {
            guard !RouteFilter.builtInNames.contains(name) else {
                throw ConfigurationError(option: "route-policies.\(name)", problem: "'\(name)' is a built-in policy",
                                         fix: "choose another name")
            }
            named[name] = try def.accept.map { text throws(ConfigurationError) in try PrefixMatch(parsing: text) }
        }
        routePolicies = named

        var peers: [AgentPeer] = []
        for text in o.peer ?? [] {
            let p = try AgentPeer(parsing: text, localAS: asn)
            for name in [p.effectiveImport, p.effectiveExport] where RouteFilter(name: name, named: named) == nil {
                throw ConfigurationError(option: "--peer \(text)", problem: "no route policy named '\(name)'",
                                         fix: "use one of \(RouteFilter.builtInNames.joined(separator: ", ")) or define route-policies.\(name) in the config file")
            }
            guard !peers.contains(where: { $0.address == p.address }) else {
                throw ConfigurationError(option: "--peer \(text)", problem: "\(p.address) is given twice", fix: "give each peer once")
            }
            peers.append(p)
        }
        self.peers = peers
        mesh = o.mesh ?? false

        stateDirectory = o.stateDir ?? Self.defaultStateDirectory
        guard stateDirectory.hasPrefix("/") else {
            throw ConfigurationError(option: "--state-dir", problem: "'\(stateDirectory)' is not an absolute path",
                                     fix: "give an absolute directory such as /var/lib/routed")
        }
        if let text = o.datastore {
            do { datastore = try DatastoreSpec(parsing: text) } catch {
                throw ConfigurationError(option: "--datastore", problem: error.description,
                                         fix: "write sqlite:PATH or etcd://HOST:PORT[,HOST:PORT...]")
            }
        } else {
            datastore = .default(stateDirectory: stateDirectory)
        }
        socketPath = o.socket ?? environment[ControlAPI.socketEnvironmentVariable] ?? ControlAPI.defaultSocketPath
        guard socketPath.hasPrefix("/"), socketPath.utf8.count < 108 else {
            throw ConfigurationError(option: "--socket", problem: "'\(socketPath)' is not an absolute path shorter than 108 bytes",
                                     fix: "give a path such as /run/routed/routed.sock")
        }
        if let text = o.metrics {
            let (a, p) = try Self.listen(text, option: "--metrics", requirePort: true)
            metrics = ("\(a)", p)
        } else {
            metrics = nil
        }
        if let u = o.uplink {
            guard !u.isEmpty, u.utf8.count <= 15, !u.contains("/"), !u.contains(" ") else {
                throw ConfigurationError(option: "--uplink", problem: "'\(u)' is not an interface name",
                                         fix: "give the name `ip link` shows (1 to 15 characters), e.g. --uplink eth0")
            }
        }
        uplink = o.uplink
        if let m = o.mtu {
            guard (576...65535).contains(m) else {
                throw ConfigurationError(option: "--mtu", problem: "\(m) is outside 576...65535",
                                         fix: "give the uplink's MTU (often 1500 or 9000), or leave it out to copy the uplink's")
            }
            mtu = UInt32(m)
        } else {
            mtu = nil
        }
        hostname = o.hostname ?? defaultHostname
        guard (1...63).contains(hostname.utf8.count), !hostname.contains("/"), !hostname.contains(" ") else {
            throw ConfigurationError(option: "--hostname", problem: "'\(hostname)' is not a host name",
                                     fix: "give 1 to 63 characters without spaces or slashes")
        }
        preserveForwardingOnExit = o.preserveForwardingOnExit ?? false
        let gr = o.gracefulRestartTime ?? 120
        guard (1...4095).contains(gr) else {
            throw ConfigurationError(option: "--graceful-restart-time", problem: "\(gr) seconds is outside 1...4095 (RFC 4724)",
                                     fix: "give the seconds peers keep our routes while we restart, e.g. 120")
        }
        gracefulRestartTime = UInt16(gr)
        let grace = o.blockReleaseGrace ?? 300
        guard (0...86_400).contains(grace) else {
            throw ConfigurationError(option: "--block-release-grace", problem: "\(grace) seconds is outside 0...86400",
                                     fix: "give the seconds an empty block stays announced, e.g. 300")
        }
        blockReleaseGrace = grace
    }

    /// `ADDR[:PORT]` (IPv6 as `[ADDR]:PORT`).
    static func listen(_ text: String?, option: String = "--listen", requirePort: Bool = false) throws(ConfigurationError) -> (IPAddress, Int) {
        guard let text else { return (.v4(IPv4Address(0)), defaultBGPPort) }
        let bad = ConfigurationError(option: option, problem: "'\(text)' is not ADDR\(requirePort ? ":PORT" : "[:PORT]")",
                                     fix: "write e.g. 192.0.2.1\(requirePort ? ":9179" : " or 192.0.2.1:179"), IPv6 as [2001:db8::1]:179")
        var host = Substring(text), port: Substring?
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty { guard after.hasPrefix(":") else { throw bad }; port = after.dropFirst() }
        } else if text.filter({ $0 == ":" }).count == 1, let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            port = text[text.index(after: colon)...]
        }
        guard let address = IPAddress(host) else { throw bad }
        if requirePort && port == nil { throw bad }
        guard let p = port else { return (address, defaultBGPPort) }
        guard let n = Int(p), (1...65535).contains(n) else { throw bad }
        return (address, n)
    }
}

extension String {
    func replacingSlashAndColons() -> String {
        String(map { $0 == "/" || $0 == ":" ? "_" : $0 })
    }
}
