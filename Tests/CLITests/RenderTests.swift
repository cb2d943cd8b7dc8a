import AgentAPI
import Foundation
import RoutedCLI
import Testing
import TestScheduling

/// The text renderers: API values in, the exact text `routed` prints out.
@Suite(.blockingWork) struct RenderTests {
    typealias S = RenderSamples

    @Test func statusShowsAgentHealthPeersAndBlocks() {
        #expect(StatusText.render(S.status, now: S.now) == """
            routed 0.1.0 on host1: AS 64512, router id 10.0.0.11, up 2h05m (since 2026-11-18 11:06:40Z)
            socket /run/routed/routed.sock, datastore sqlite:/var/lib/routed/routed.sqlite
            3 endpoints, 2 networks

            HEALTH healthy
              COMPONENT  STATUS
              bgp        ok
              dataplane  ok
              datastore  ok
              policy     ok

            PEERS (1 of 2 established)
              ADDRESS    AS     TYPE  STATE        SINCE                             RECEIVED  ACCEPTED  ADVERTISED  IMPORT         EXPORT      LAST ERROR
              192.0.2.1  65000  ebgp  Established  2h04m ago (2026-11-18 11:07:40Z)  1         1         1           default-route  aggregates  -
              10.0.0.12  64512  mesh  Active       3m12s ago (2026-11-18 13:08:35Z)  0         0         0           pool           blocks      Hold timer expired

            BLOCKS
              CIDR            POOL        NETWORK  USED  ADVERTISED
              10.244.0.0/26   containers  lamp     2/64  yes
              10.244.0.64/26  containers  lnmp     1/64  no

            """)
    }

    @Test func aFreshUnhealthyAgentWithNothingYet() {
        var status = S.status
        status.peers = []
        status.blocks = []
        status.endpoints = 1
        status.networks = 0
        status.startedAt = S.now.addingTimeInterval(-4)
        status.health = Health(healthy: false, checks: ["datastore": "sqlite: database is locked", "bgp": "ok"])
        #expect(StatusText.render(status, now: S.now) == """
            routed 0.1.0 on host1: AS 64512, router id 10.0.0.11, up 4s (since 2026-11-18 13:11:43Z)
            socket /run/routed/routed.sock, datastore sqlite:/var/lib/routed/routed.sqlite
            1 endpoint, 0 networks

            HEALTH UNHEALTHY
              COMPONENT  STATUS
              bgp        ok
              datastore  sqlite: database is locked

            PEERS (0 of 0 established)
              no BGP peers: add one with `routed peer add ADDR,as=N`, or start the agent with --peer or --mesh

            BLOCKS
              no blocks yet: the first `routed endpoint add` claims one from the pool

            """)
    }

    @Test func noHealthChecksReported() {
        #expect(StatusText.health(Health(healthy: true, checks: [:])) == "  (no checks reported)\n")
    }

    @Test func routesGroupPathsByPrefixAndMarkTheBest() {
        #expect(RoutesText.render(S.routes) == """
               PREFIX         NEXT HOP             FROM       AS PATH  LOCPRF  MED  COMMUNITIES                   REASON
            *  0.0.0.0/0      192.0.2.1            192.0.2.1  65000 i  100     -    -                             only path
            *  10.244.1.0/26  10.0.0.12,10.0.0.13  10.0.0.12  i        100     0    65535:65281 64512:1:3 (lamp)  router id (lowest)
                              10.0.0.13            10.0.0.13  ?        100     -    64512:1:3 (lamp)              router id
            3 paths to 2 prefixes

            """)
    }

    @Test(arguments: [
        (nil, "no routes: the RIB is empty (no blocks claimed and nothing received)\n"),
        ("10.9.0.0/24", "no route for 10.9.0.0/24\n"),
    ] as [(String?, String)])
    func noRoutes(filter: String?, text: String) {
        #expect(RoutesText.render([], filter: filter) == text)
    }

    @Test func peerAdded() {
        #expect(PeersText.added(S.gateway)
            == "peer 192.0.2.1 added: AS 65000, ebgp, import default-route, export aggregates; state Established\n")
    }

    @Test func networks() {
        let list = [NetworkInfo(name: "lamp", id: 3, endpoints: 2, prefixes: ["10.244.0.0/26", "10.244.1.0/26"]),
                    NetworkInfo(name: "lnmp", id: 1_234_567, endpoints: 0, prefixes: [])]
        #expect(NetworksText.render(list) == """
            NAME  ID       ENDPOINTS  PREFIXES
            lamp  3        2          10.244.0.0/26 10.244.1.0/26
            lnmp  1234567  0          -

            """)
        #expect(NetworksText.render([]) == "no networks: create one with `routed network create NAME`\n")
        #expect(NetworksText.created(list[0]) == "network lamp created (id 3)\n")
    }

    @Test func endpoints() {
        let web = EndpointInfo(name: "web1", network: "lamp", addresses: ["10.244.0.2"], hostInterface: "rd0123456789ab",
                               interfaceName: "eth0", netns: "/run/netns/web1", containerID: "0123456789abcdef0123")
        let db = EndpointInfo(name: "db1", network: "lnmp", addresses: [], hostInterface: "rdfedcba987654",
                              interfaceName: "net1", netns: "/proc/4242/ns/net", containerID: nil)
        #expect(EndpointsText.render([web, db]) == """
            NAME  NETWORK  ADDRESSES   HOST IF         IF    NETNS              CONTAINER
            web1  lamp     10.244.0.2  rd0123456789ab  eth0  /run/netns/web1    0123456789ab
            db1   lnmp     -           rdfedcba987654  net1  /proc/4242/ns/net  -

            """)
        #expect(EndpointsText.render([]) == "no endpoints: add one with `routed endpoint add NAME --netns PATH --network NET`\n")
        #expect(EndpointsText.added(web) == "endpoint web1 on network lamp: 10.244.0.2 (eth0 in /run/netns/web1, host side rd0123456789ab)\n")
        #expect(EndpointsText.added(db) == "endpoint db1 on network lnmp: no address (net1 in /proc/4242/ns/net, host side rdfedcba987654)\n")
    }

    @Test func policies() {
        let deny = PolicyInfo(id: "1", action: "deny", from: "lamp", to: "lnmp", proto: nil, port: nil, oneWay: false, log: false,
                              packets: 12, bytes: 1008)
        let allow = PolicyInfo(id: "2", action: "allow", from: "lamp", to: "world", proto: "tcp", port: "80-90", oneWay: true,
                               log: true, packets: 0, bytes: 0)
        #expect(PoliciesText.render(PolicyList(defaultAction: "deny", policies: [deny, allow])) == """
            default: deny
            ID  ACTION  FROM       TO     PROTO  PORT   LOG  PACKETS  BYTES
            1   deny    lamp  <->  lnmp   any    any    no   12       1008
            2   allow   lamp  ->   world  tcp    80-90  yes  0        0

            """)
        #expect(PoliciesText.render(PolicyList(defaultAction: "allow", policies: [])) == """
            default: allow
            no policies: networks reach each other unless the default is deny; add one with `routed policy deny NET_A NET_B`

            """)
        #expect(PoliciesText.added(deny) == "policy 1: deny lamp <-> lnmp\n")
        #expect(PoliciesText.added(allow) == "policy 2: allow lamp -> world tcp port 80-90, logged\n")
    }

    @Test func ipamThroughTheAgentReadsLikeTheDirectRead() {
        let report = IPAMReportBody(
            pools: [.init(pool: "containers", cidr: "10.244.0.0/16", blockLength: 26, blocksClaimed: 2, blockCapacity: "1024",
                          addressesAllocated: 3, addressesReserved: 0, blockSize: 64)],
            blocks: [.init(cidr: "10.244.0.0/26", pool: "containers", host: "host1", network: "lamp", allocated: 2, reserved: 0,
                           size: 64, hostGone: false),
                     .init(cidr: "10.244.0.64/26", pool: "containers", host: "host2", network: "lnmp", allocated: 1, reserved: 0,
                           size: 64, hostGone: true)],
            leaked: [.init(address: "10.244.0.5", endpoint: "gone1", host: "host1", network: "lamp", since: 0)],
            orphanedBlocks: ["10.244.0.64/26"],
            unbacked: [.init(endpoint: "web9", address: "10.244.0.9", heldBy: "web8")])
        #expect(IPAMText.render(report) == """
            POOL
              pool 'containers' (10.244.0.0/16, /26 blocks): 2 of 1024 blocks claimed, 3 of 65536 addresses in use
            BLOCKS
              CIDR                        POOL        HOST            NETWORK       USED
              10.244.0.0/26               containers  host1           lamp          2/64
              10.244.0.64/26              containers  host2 (gone)    lnmp          1/64
            LEAKED (allocated, no endpoint)
              10.244.0.5 endpoint gone1 host host1 network lamp
            UNBACKED (endpoint, address not allocated to it)
              10.244.0.9 endpoint web9 held by web8
            ORPHANED (host gone)
              10.244.0.64/26

            """)
        let huge = IPAMReportBody.Pool(pool: "v6", cidr: "fd00::/48", blockLength: 122, blocksClaimed: 0, blockCapacity: "2^74",
                                       addressesAllocated: 0, addressesReserved: 0, blockSize: 64)
        #expect(IPAMText.summary(huge) == "pool 'v6' (fd00::/48, /122 blocks): 0 of 2^74 blocks claimed, 0 of 2^80 addresses in use")
    }

    @Test(arguments: [
        (0, "0s"), (59, "59s"), (60, "1m00s"), (192, "3m12s"), (3600, "1h00m"), (7500, "2h05m"),
        (86_400 + 3 * 3600 + 5, "1d03h"), (-10, "0s"),
    ])
    func elapsed(seconds: Int, text: String) {
        #expect(TimeText.elapsed(since: S.started, now: S.started.addingTimeInterval(TimeInterval(seconds))) == text)
    }

    @Test func absoluteTimesAreUTC() {
        #expect(TimeText.absolute(Date(timeIntervalSince1970: 0)) == "1970-01-01 00:00:00Z")
        #expect(TimeText.since(S.started, now: S.now) == "2h05m ago (2026-11-18 11:06:40Z)")
    }

    @Test func tablesPadToTheWidestCellAndTrimTrailingBlanks() {
        var table = TextTable(["A", "BB"])
        table.add(["xxx", "y"])
        table.add(["z", ""])
        #expect(table.render() == "A    BB\nxxx  y\nz\n")
        #expect(TextTable(["ONLY"]).render(indent: "  ") == "  ONLY\n")
    }
}
