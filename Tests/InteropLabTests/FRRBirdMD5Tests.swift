import InteropLab
import Testing
import TestScheduling

/// FRR and BIRD in one AS (iBGP, AS 64512) with TCP MD5 signatures (RFC 2385). FRR is passive on
/// port 1179, so BIRD's connection (and its signature) is the one that counts.
@Suite(.blockingWork, .lab(needs: BirdRouter.programs + FRRRouter.programs), .timeLimit(.minutes(1)))
struct FRRBirdMD5Tests {
    struct Pair {
        let lab: NamespaceLab
        let bird: BirdRouter
        let frr: FRRRouter
    }

    static func birdConfig(password: String) -> BirdConfig {
        BirdConfig(
            routerID: "10.0.1.1",
            protocols: [.init(name: "frr", localAddress: "10.0.1.1", localAS: 64512, neighbor: "10.0.1.2",
                              neighborAS: 64512, neighborPort: 1179, password: password, holdTime: 9)],
            staticRoutes: [.init("198.51.100.0/24", communities: [(64512, 100)], largeCommunities: [(64512, 1, 42)],
                                 localPref: 200)])
    }

    /// BIRD with `birdPassword`, FRR with `frrPassword`, on one veth link. The lab is cleaned up by the caller.
    static func start(_ lab: NamespaceLab, birdPassword: String, frrPassword: String) throws -> Pair {
        let b = try lab.addNamespace("b")
        let f = try lab.addNamespace("f")
        try lab.link(b, "to-f", f, "to-b", addresses: (["10.0.1.1/30"], ["10.0.1.2/30"]))
        let frr = try FRRRouter(lab: lab, namespace: f, config: FRRConfig(
            asn: 64512, routerID: "10.0.1.2",
            neighbors: [.init(address: "10.0.1.1", remoteAS: 64512, password: frrPassword, timers: (3, 9), passive: true)],
            networks: ["10.9.0.0/24"]), listenPort: 1179)
        let bird = try BirdRouter(lab: lab, namespace: b, config: birdConfig(password: birdPassword))
        return Pair(lab: lab, bird: bird, frr: frr)
    }

    @Test func theSamePasswordReachesEstablishedAndCarriesRoutes() async throws {
        let lab = try NamespaceLab(name: "md5-good")
        defer { lab.cleanup() }
        let pair = try Self.start(lab, birdPassword: "s3cret-md5", frrPassword: "s3cret-md5")
        try await pair.bird.waitForState("frr", "Established")
        try await pair.frr.waitForNeighbor("10.0.1.1", "Established")

        let frrRIB = try await pair.frr.waitForRoutes { $0.contains { $0.prefix == "198.51.100.0/24" } }
        #expect(frrRIB.first { $0.prefix == "198.51.100.0/24" } == LearnedRoute(
            prefix: "198.51.100.0/24", nextHop: "10.0.1.1", asPath: [], communities: ["64512:100"],
            largeCommunities: ["64512:1:42"], localPref: 200, med: nil, source: "10.0.1.1"))
        let birdTable = try await pair.bird.waitForRoutes { $0.contains { $0.prefix == "10.9.0.0/24" } }
        let fromFRR = try #require(birdTable.first { $0.prefix == "10.9.0.0/24" })
        #expect(fromFRR.asPath == [])
        #expect(fromFRR.nextHop == "10.0.1.2")
        #expect(fromFRR.source == "frr")
    }

    @Test func aWrongPasswordNeverReachesEstablishedUntilItIsCorrected() async throws {
        let lab = try NamespaceLab(name: "md5-bad")
        defer { lab.cleanup() }
        let pair = try Self.start(lab, birdPassword: "wrong-password", frrPassword: "s3cret-md5")

        // Segments with a bad signature are dropped by the kernel: no session for 8 s, although the
        // same setup with the right password comes up in 1-2 s.
        let deadline = ContinuousClock.now + .seconds(8)
        var seen: Set<String> = []
        while ContinuousClock.now < deadline {
            seen.insert(try pair.bird.protocolState("frr"))
            seen.insert(try pair.frr.neighborState("10.0.1.1"))
            try await Task.sleep(for: .milliseconds(500))
        }
        #expect(!seen.contains("Established"), "states seen: \(seen)")
        #expect(!seen.contains("OpenSent") && !seen.contains("OpenConfirm"), "no OPEN can pass a bad MD5 signature: \(seen)")

        // The same pair with the password corrected (birdc configure) comes up: the link was fine.
        try pair.bird.reconfigure(Self.birdConfig(password: "s3cret-md5"))
        try await pair.bird.waitForState("frr", "Established", timeout: .seconds(20))
    }
}
