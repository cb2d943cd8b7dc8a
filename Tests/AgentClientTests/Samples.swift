import AgentAPI
import Foundation

/// API values the canned server answers with, and the client must decode to the same values.
enum Samples {
    static let since = Date(timeIntervalSince1970: 1_795_000_000)

    static let peer = PeerInfo(address: "192.0.2.1", remoteAS: 65000, type: "ebgp", state: "Established", since: since,
                               prefixesReceived: 1, prefixesAccepted: 1, prefixesAdvertised: 2, importPolicy: "default-route",
                               exportPolicy: "aggregates", lastError: nil)
    static let status = AgentStatus(localAS: 64512, routerID: "10.0.0.1", hostname: "host1", version: "0.1.0", startedAt: since,
                                    socket: "/run/routed/routed.sock", datastore: "sqlite:/var/lib/routed/routed.sqlite",
                                    health: Health(healthy: true, checks: ["bgp": "ok", "datastore": "ok"]), peers: [peer],
                                    blocks: [BlockInfo(cidr: "10.244.0.0/26", pool: "containers", network: "lamp", allocated: 2,
                                                       size: 64, advertised: true)],
                                    endpoints: 2, networks: 1)
    static let route = RouteInfo(prefix: "10.244.1.0/26", nextHops: ["10.0.0.2"], from: "10.0.0.2", asPath: "", origin: "igp",
                                 localPref: 100, med: nil, communities: [], largeCommunities: ["64512:1:3"], best: true,
                                 reason: "only path", network: "lamp")
    static let network = NetworkInfo(name: "lamp", id: 3, endpoints: 0, prefixes: [])
    static let endpoint = EndpointInfo(name: "web1", network: "lamp", addresses: ["10.244.0.2"], hostInterface: "rd0123456789ab",
                                       interfaceName: "eth0", netns: "/run/netns/web1", containerID: nil)
    static let policy = PolicyInfo(id: "1", action: "deny", from: "lamp", to: "lnmp", proto: "tcp", port: "80", oneWay: false,
                                   log: false, packets: 0, bytes: 0)
    static let policies = PolicyList(defaultAction: "allow", policies: [policy])
    static let done = Done(message: "deleted")
    static let health = Health(healthy: false, checks: ["bgp": "ok", "datastore": "sqlite: database is locked"])
    static let ipam = IPAMReportBody(
        pools: [.init(pool: "containers", cidr: "10.244.0.0/16", blockLength: 26, blocksClaimed: 1, blockCapacity: "1024",
                      addressesAllocated: 2, addressesReserved: 0, blockSize: 64)],
        blocks: [.init(cidr: "10.244.0.0/26", pool: "containers", host: "host1", network: "lamp", allocated: 2, reserved: 0,
                       size: 64, hostGone: false)],
        leaked: [], orphanedBlocks: [], unbacked: [])

    static func json(_ value: some Encodable) -> String {
        String(decoding: try! ControlAPI.encoder.encode(value), as: UTF8.self)
    }
}
