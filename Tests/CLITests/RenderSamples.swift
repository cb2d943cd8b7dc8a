import AgentAPI
import Foundation

/// API values for the renderer tables: a host with one gateway peer (up) and one mesh peer (down
/// with an error), two blocks, routes with several paths.
enum RenderSamples {
    static let started = Date(timeIntervalSince1970: 1_795_000_000)       // 2026-11-18 11:06:40Z
    static let now = started.addingTimeInterval(2 * 3600 + 5 * 60 + 7)   // 2h05m07s later

    static let gateway = PeerInfo(address: "192.0.2.1", remoteAS: 65000, type: "ebgp", state: "Established",
                                  since: started.addingTimeInterval(60), prefixesReceived: 1, prefixesAccepted: 1,
                                  prefixesAdvertised: 1, importPolicy: "default-route", exportPolicy: "aggregates", lastError: nil)
    static let mesh = PeerInfo(address: "10.0.0.12", remoteAS: 64512, type: "mesh", state: "Active",
                               since: now.addingTimeInterval(-192), prefixesReceived: 0, prefixesAccepted: 0,
                               prefixesAdvertised: 0, importPolicy: "pool", exportPolicy: "blocks",
                               lastError: "Hold timer expired")
    static let blocks = [
        BlockInfo(cidr: "10.244.0.0/26", pool: "containers", network: "lamp", allocated: 2, size: 64, advertised: true),
        BlockInfo(cidr: "10.244.0.64/26", pool: "containers", network: "lnmp", allocated: 1, size: 64, advertised: false),
    ]
    static let status = AgentStatus(
        localAS: 64512, routerID: "10.0.0.11", hostname: "host1", version: "0.1.0", startedAt: started,
        socket: "/run/routed/routed.sock", datastore: "sqlite:/var/lib/routed/routed.sqlite",
        health: Health(healthy: true, checks: ["datastore": "ok", "bgp": "ok", "dataplane": "ok", "policy": "ok"]),
        peers: [gateway, mesh], blocks: blocks, endpoints: 3, networks: 2)

    static let routes = [
        RouteInfo(prefix: "0.0.0.0/0", nextHops: ["192.0.2.1"], from: "192.0.2.1", asPath: "65000", origin: "igp",
                  localPref: 100, med: nil, communities: [], largeCommunities: [], best: true, reason: "only path", network: nil),
        RouteInfo(prefix: "10.244.1.0/26", nextHops: ["10.0.0.12", "10.0.0.13"], from: "10.0.0.12", asPath: "", origin: "igp",
                  localPref: 100, med: 0, communities: ["65535:65281"], largeCommunities: ["64512:1:3"], best: true,
                  reason: "router id (lowest)", network: "lamp"),
        RouteInfo(prefix: "10.244.1.0/26", nextHops: ["10.0.0.13"], from: "10.0.0.13", asPath: "", origin: "incomplete",
                  localPref: 100, med: nil, communities: [], largeCommunities: ["64512:1:3"], best: false,
                  reason: "router id", network: "lamp"),
    ]
}
