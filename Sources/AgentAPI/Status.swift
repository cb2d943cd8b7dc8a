public import Foundation

/// `GET /v1/status`: what `routed status` shows.
public struct AgentStatus: Codable, Hashable, Sendable {
    public var localAS: UInt32
    public var routerID: String
    public var hostname: String
    public var version: String
    public var startedAt: Date
    public var socket: String
    public var datastore: String
    public var health: Health
    public var peers: [PeerInfo]
    public var blocks: [BlockInfo]
    public var endpoints: Int
    public var networks: Int

    public init(localAS: UInt32, routerID: String, hostname: String, version: String, startedAt: Date, socket: String,
                datastore: String, health: Health, peers: [PeerInfo], blocks: [BlockInfo], endpoints: Int, networks: Int) {
        self.localAS = localAS
        self.routerID = routerID
        self.hostname = hostname
        self.version = version
        self.startedAt = startedAt
        self.socket = socket
        self.datastore = datastore
        self.health = health
        self.peers = peers
        self.blocks = blocks
        self.endpoints = endpoints
        self.networks = networks
    }
}

/// `GET /healthz` and the health line of `routed status`.
public struct Health: Codable, Hashable, Sendable {
    /// Every component is working.
    public var healthy: Bool
    /// One line per component: `datastore`, `dataplane`, `bgp`, `policy`, with "ok" or what is wrong.
    public var checks: [String: String]

    public init(healthy: Bool, checks: [String: String]) {
        self.healthy = healthy
        self.checks = checks
    }
}

/// One BGP peer, as `birdc show protocols` and `calicoctl node status` show it, and more.
public struct PeerInfo: Codable, Hashable, Sendable {
    public var address: String
    public var remoteAS: UInt32
    /// `ibgp`, `ebgp`, `rr-client`, or `mesh` (an iBGP peer found in the datastore by `--mesh`).
    public var type: String
    /// The RFC 4271 state name: Idle, Connect, Active, OpenSent, OpenConfirm, Established.
    public var state: String
    /// When the session entered `state`.
    public var since: Date
    public var prefixesReceived: Int
    /// Received and accepted by import policy.
    public var prefixesAccepted: Int
    public var prefixesAdvertised: Int
    public var importPolicy: String
    public var exportPolicy: String
    public var lastError: String?

    public init(address: String, remoteAS: UInt32, type: String, state: String, since: Date, prefixesReceived: Int,
                prefixesAccepted: Int, prefixesAdvertised: Int, importPolicy: String, exportPolicy: String, lastError: String?) {
        self.address = address
        self.remoteAS = remoteAS
        self.type = type
        self.state = state
        self.since = since
        self.prefixesReceived = prefixesReceived
        self.prefixesAccepted = prefixesAccepted
        self.prefixesAdvertised = prefixesAdvertised
        self.importPolicy = importPolicy
        self.exportPolicy = exportPolicy
        self.lastError = lastError
    }
}

/// A block this host holds.
public struct BlockInfo: Codable, Hashable, Sendable {
    public var cidr: String
    public var pool: String
    public var network: String
    public var allocated: Int
    public var size: Int
    /// The block is announced over BGP.
    public var advertised: Bool

    public init(cidr: String, pool: String, network: String, allocated: Int, size: Int, advertised: Bool) {
        self.cidr = cidr
        self.pool = pool
        self.network = network
        self.allocated = allocated
        self.size = size
        self.advertised = advertised
    }
}

/// `POST /v1/peers`: a peer in the `--peer` spelling (`ADDR,as=N[,password=S][,passive]...`).
public struct AddPeerRequest: Codable, Hashable, Sendable {
    public var spec: String
    public init(spec: String) { self.spec = spec }
}
