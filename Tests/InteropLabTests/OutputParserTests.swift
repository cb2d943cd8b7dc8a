import Foundation
import InteropLab
import Testing
import TestScheduling

/// The parsers read the daemons' real output (captured in `Samples`) into `LearnedRoute`s that
/// compare equal across daemons. These run without root.
@Suite(.blockingWork) struct OutputParserTests {
    @Test func birdProtocolRowsGiveTheBGPSessionState() {
        #expect(BirdOutput.protocolState(Samples.birdProtocols, name: "frr") == "Established")
        #expect(BirdOutput.protocolState(Samples.birdProtocols, name: "gobgp") == "Established")
        #expect(BirdOutput.protocolState(Samples.birdProtocols, name: "s4") == "up")  // no Info column
        #expect(BirdOutput.protocolState(Samples.birdProtocols, name: "nosuch") == nil)
    }

    @Test(arguments: [
        ("frr        BGP        ---        start  12:40:57.977  Active        Socket: Connection refused", "Active"),
        ("frr        BGP        ---        down   12:40:57.977  ", "down"),
        ("frr        BGP        ---        start  2026-11-23 12:40:57  Connect", "Connect"),
    ])
    func birdProtocolRowVariants(row: String, state: String) {
        #expect(BirdOutput.protocolState("BIRD 2.0.12 ready.\n" + row, name: "frr") == state)
    }

    @Test func birdLastErrorLine() {
        let text = "frr        BGP        ---        start  12:40:57.977  Active\n  BGP state:          Active\n    Last error:       Hold timer expired\n"
        #expect(BirdOutput.lastError(text) == "Hold timer expired")
        #expect(BirdOutput.lastError(Samples.birdProtocols) == nil)
    }

    /// A log line's own stamp (`timeformat log "%F %T.%3f"`), the first one at or after a moment.
    @Test func birdLogTimeOfAMessage() throws {
        let log = """
            2026-12-08 02:40:00.250 <INFO> frr: Error: Hold timer expired
            2026-12-08 02:40:01.000 <TRACE> frr: State changed to start
            2026-12-08 02:40:07.125 <RMT> frr: Error: Hold timer expired
            short line Hold timer expired
            """
        let cut = try #require(BirdOutput.logStamp("2026-12-08 02:40:01.000"))
        let first = try #require(BirdOutput.logTime(of: "frr: Error: Hold timer expired", in: log))
        #expect(first.timeIntervalSince(cut) == -0.75)
        let afterCut = try #require(BirdOutput.logTime(of: "frr: Error: Hold timer expired", in: log, after: cut))
        #expect(afterCut.timeIntervalSince(cut) == 6.125)
        #expect(BirdOutput.logStamp("2026-12-08 02:40") == nil)
        #expect(BirdOutput.logTime(of: "Hold timer expired", in: "short line Hold timer expired") == nil)
        #expect(BirdOutput.logTime(of: "Graceful restart done", in: log) == nil)
    }

    @Test func birdRoutesIncludingASecondPathToTheSamePrefix() throws {
        let routes = try BirdOutput.routes(Samples.birdRoutes)
        #expect(routes == [
            LearnedRoute(prefix: "198.51.100.0/24", asPath: [65002, 65001],
                         communities: (1...20).map { "64512:\($0)" }, source: "s4"),
            LearnedRoute(prefix: "10.9.0.0/24", nextHop: "10.0.1.2", asPath: [],
                         communities: ["64512:300", "65535:0", "65535:65281"],
                         largeCommunities: ["64512:1:42", "64512:2:7"], localPref: 100, med: 30, source: "frr"),
            LearnedRoute(prefix: "10.9.0.0/24", nextHop: "10.0.0.2", asPath: [64513, 65030, 65031],
                         communities: ["64513:7"], localPref: 100, med: 5, source: "gobgp"),
        ])
    }

    @Test func birdASSetsAreFlattenedAndWrappedAttributesJoined() throws {
        let text = "Table master4:\n10.0.0.0/8  unicast [p 12:00:00.000] * (100)\n\tBGP.as_path: 65001 {65002 65003}\n\tBGP.community: (1,2)\n\t\t(3,4)\n"
        #expect(try BirdOutput.routes(text) == [
            LearnedRoute(prefix: "10.0.0.0/8", asPath: [65001, 65002, 65003], communities: ["1:2", "3:4"], source: "p"),
        ])
    }

    @Test func aLineThatIsNoRouteIsAnError() {
        #expect(throws: LabError.self) { try BirdOutput.routes("Table master4:\nsyntax error, unexpected CF_SYM_UNDEFINED\n") }
    }

    @Test func goBGPRIBWithLocalAndLearnedPaths() throws {
        let routes = try GoBGPOutput.routes(Samples.gobgpRIB)
        #expect(routes == [
            LearnedRoute(prefix: "10.9.0.0/24", nextHop: "0.0.0.0", asPath: [65030, 65031], communities: ["64513:7"], med: 5),
            LearnedRoute(prefix: "198.51.100.0/24", nextHop: "10.0.0.1", asPath: [64512, 65002, 65001],
                         communities: (1...20).map { "64512:\($0)" }, source: "10.0.0.1"),
        ])
        #expect(try GoBGPOutput.routes(Samples.gobgpEmptyRIB) == [])
    }

    @Test func goBGPSessionStateIsNamedAsInTheRFC() throws {
        #expect(try GoBGPOutput.neighborState(Samples.gobgpNeighbor) == "Established")
        #expect(try GoBGPOutput.neighborState(#"{"state":{"session_state":3}}"#) == "Active")
        #expect(try GoBGPOutput.neighborState(#"{"state":{"session_state":"ESTABLISHED"}}"#) == "Established")
        #expect(throws: LabError.self) { try GoBGPOutput.neighborState("rpc error: code = Unavailable") }
    }

    @Test func frrPrefixesAndPaths() throws {
        #expect(try FRROutput.prefixes(Samples.frrTable) == ["10.9.0.0/24", "198.51.100.0/24"])
        #expect(try FRROutput.paths(Samples.frrLocalPrefix) == [
            LearnedRoute(prefix: "10.9.0.0/24", nextHop: "0.0.0.0", asPath: [],
                         communities: ["64512:300", "65535:0", "65535:65281"],
                         largeCommunities: ["64512:1:42", "64512:2:7"], med: 30),
        ])
        #expect(try FRROutput.paths(Samples.frrLearnedPrefix) == [
            LearnedRoute(prefix: "198.51.100.0/24", nextHop: "10.0.1.1", asPath: [65002, 65001],
                         communities: (1...20).map { "64512:\($0)" }, localPref: 100, source: "10.0.1.1"),
        ])
        #expect(try FRROutput.paths(Samples.frrMissingPrefix) == [])
    }

    @Test func frrNeighborState() throws {
        #expect(try FRROutput.neighborState(Samples.frrNeighbor, address: "10.0.1.1") == "Established")
        #expect(throws: LabError.self) { try FRROutput.neighborState(Samples.frrNoSuchNeighbor, address: "10.0.1.9") }
    }
}

/// The config builders produce what the daemons accept (checked against the daemons in the lab
/// tests); here, the lines that carry the options.
@Suite(.blockingWork) struct ConfigBuilderTests {
    @Test func birdProtocolAndStaticRoutes() {
        let text = BirdConfig(
            routerID: "10.0.0.1",
            protocols: [.init(name: "peer", localAddress: "10.0.0.1", localAS: 64512, neighbor: "10.0.0.2", neighborAS: 64512,
                              neighborPort: 1790,
                              password: "pw", holdTime: 6, checkLink: false, gracefulRestart: false,
                              ipv4: .init(export: .whereClause("net ~ [ 10.0.0.0/8+ ]")), ipv6: .init(nextHopAddress: "fd00::1"))],
            staticRoutes: [.init("198.51.100.0/24", communities: [(64512, 1)], largeCommunities: [(64512, 1, 42)],
                                 med: 7, asPathPrepend: [65001, 65002])]
        ).render(logFile: "/tmp/x.log")
        for line in [
            #"log "/tmp/x.log" all;"#, #"timeformat log "%F %T.%3f";"#, "router id 10.0.0.1;", "local 10.0.0.1 as 64512;", "neighbor 10.0.0.2 port 1790 as 64512;",
            #"password "pw";"#, "hold time 6;", "direct;", "check link off;", "graceful restart off;",
            "ipv4 { import all; export where net ~ [ 10.0.0.0/8+ ]; };",
            "ipv6 { import all; export all; next hop address fd00::1; };",
            "route 198.51.100.0/24 blackhole { bgp_community.add((64512,1)); bgp_large_community.add((64512,1,42)); bgp_med = 7; bgp_path.prepend(65002); bgp_path.prepend(65001); };",
        ] {
            #expect(text.contains(line), "missing: \(line)\n\(text)")
        }
    }

    @Test func goBGPNeighbor() {
        let text = GoBGPConfig(asn: 64513, routerID: "10.0.0.2", neighbors: [
            .init(address: "10.0.0.1", peerAS: 4_200_000_001, password: "p\"w", families: [.ipv4Unicast, .ipv6Unicast],
                  holdTime: 9, keepaliveInterval: 3, passive: true, remotePort: 1790),
        ]).render()
        for line in ["as = 64513", #"router-id = "10.0.0.2""#, "port = 179", #"neighbor-address = "10.0.0.1""#,
                     "peer-as = 4200000001", #"auth-password = "p\"w""#, "hold-time = 9", "keepalive-interval = 3",
                     "connect-retry = 1", "remote-port = 1790", "idle-hold-time-after-reset = 1", "passive-mode = true",
                     #"afi-safi-name = "ipv4-unicast""#, #"afi-safi-name = "ipv6-unicast""#] {
            #expect(text.contains(line), "missing: \(line)\n\(text)")
        }
    }

    @Test func frrRouterBGP() {
        let text = FRRConfig(asn: 64513, routerID: "10.0.2.2", neighbors: [
            .init(address: "10.0.2.1", remoteAS: 64512, password: "pw", timers: (1, 3), passive: true, port: 1790),
        ], networks: ["10.9.0.0/24", "2001:db8::/48"]).render(hostname: "h", logFile: "/tmp/b.log")
        for line in ["router bgp 64513", " bgp router-id 10.0.2.2", " neighbor 10.0.2.1 remote-as 64512",
                     " neighbor 10.0.2.1 password pw", " neighbor 10.0.2.1 timers 1 3", " neighbor 10.0.2.1 passive", " neighbor 10.0.2.1 port 1790",
                     " neighbor 10.0.2.1 disable-connected-check", " address-family ipv4 unicast\n  network 10.9.0.0/24\n  neighbor 10.0.2.1 activate",
                     " address-family ipv6 unicast\n  network 2001:db8::/48\n exit-address-family"] {
            #expect(text.contains(line), "missing: \(line)\n\(text)")
        }
    }
}
