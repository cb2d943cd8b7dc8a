import IPAddressing
@testable import IPAM
import Testing

func ip(_ s: String) -> IPAddress { IPAddress(s)! }
func cidr(_ s: String) -> IPPrefix { IPPrefix(s)! }

func state(_ pools: (String, String, UInt8?, [String])...) throws -> IPAMState {
    var s = IPAMState()
    for (n, c, b, r) in pools { try s.addPool(Pool(name: n, cidr: c, blockLength: b, reserved: r)) }
    return s
}

@Suite struct AllocationTests {
    @Test func firstFreeFromTheHostsBlockThenASecondBlock() throws {
        var s = try state(("p", "10.0.0.0/24", 30, []))
        let got = try (0..<5).map { try s.allocate(AllocationRequest(endpoint: "e\($0)", network: "n", host: "h1"), now: 0) }
        // A /30 block holds 4 addresses, all usable (/32 routed: no network/broadcast): the fifth
        // allocation claims the second block.
        #expect(got == ["10.0.0.0", "10.0.0.1", "10.0.0.2", "10.0.0.3", "10.0.0.4"].map(ip))
        #expect(s.blocks(host: "h1", network: "n").map(\.cidr) == [cidr("10.0.0.0/30"), cidr("10.0.0.4/30")])
    }

    @Test func blocksAreClaimedPerHostAndNetwork() throws {
        var s = try state(("p", "10.0.0.0/24", 28, []))
        let a = try s.allocate(AllocationRequest(endpoint: "a", network: "lamp", host: "h1"), now: 0)
        let b = try s.allocate(AllocationRequest(endpoint: "b", network: "lnmp", host: "h1"), now: 0)
        let c = try s.allocate(AllocationRequest(endpoint: "c", network: "lamp", host: "h2"), now: 0)
        let d = try s.allocate(AllocationRequest(endpoint: "d", network: "lamp", host: "h1"), now: 0)
        #expect([a, b, c, d] == ["10.0.0.0", "10.0.0.16", "10.0.0.32", "10.0.0.1"].map(ip))
    }

    @Test func allocationIsIdempotentPerEndpoint() throws {
        var s = try state(("p", "10.0.0.0/24", nil, []))
        let r = AllocationRequest(endpoint: "e", network: "n", host: "h")
        let a = try s.allocate(r, now: 0)
        #expect(try s.planAllocation(r, now: 1) == .existing(a, block: cidr("10.0.0.0/26")))
        #expect(try s.allocate(r, now: 1) == a)
        #expect(s.blocks.values.reduce(0) { $0 + $1.allocatedCount } == 1)
    }

    @Test func requestedAddressIsHonouredWhenFree() throws {
        var s = try state(("p", "10.0.0.0/24", nil, []))
        let a = try s.allocate(AllocationRequest(endpoint: "e", network: "n", host: "h", requested: ip("10.0.0.77")), now: 0)
        #expect(a == ip("10.0.0.77"))
        #expect(s.blocks[cidr("10.0.0.64/26")]?.host == "h")
        // The next first-free allocation uses the block just claimed.
        #expect(try s.allocate(AllocationRequest(endpoint: "f", network: "n", host: "h"), now: 0) == ip("10.0.0.64"))
    }

    @Test func reservationsAreNeverHandedOut() throws {
        var s = try state(("p", "10.0.0.0/24", 29, ["10.0.0.0/31", "10.0.0.5"]))
        let got = try (0..<6).map { try s.allocate(AllocationRequest(endpoint: "e\($0)", network: "n", host: "h"), now: 0) }
        #expect(got == ["10.0.0.2", "10.0.0.3", "10.0.0.4", "10.0.0.6", "10.0.0.7", "10.0.0.8"].map(ip))
    }

    @Test func ipv6PoolsAllocateInBlocksOf122() throws {
        var s = try state(("v6", "fd00:10::/48", nil, []))
        let a = try s.allocate(AllocationRequest(endpoint: "e", network: "n", host: "h", family: .v6), now: 0)
        #expect(a == ip("fd00:10::"))
        for i in 1..<64 { _ = try s.allocate(AllocationRequest(endpoint: "e\(i)", network: "n", host: "h", family: .v6), now: 0) }
        let b = try s.allocate(AllocationRequest(endpoint: "x", network: "n", host: "h", family: .v6), now: 0)
        #expect(b == ip("fd00:10::40"))
    }

    @Test func blockStepsCarryAcrossIPv6Halves() throws {
        let p = try Pool(name: "p", cidr: "fd00::ffff:ffff:ffff:ff00/120", blockLength: 124)
        var s = IPAMState(pools: [p])
        for i in 0..<16 { _ = try s.allocate(AllocationRequest(endpoint: "e\(i)", network: "n", host: "h\(i)", family: .v6), now: 0) }
        #expect(s.blocks.count == 16)
        #expect(s.firstUnclaimedBlock(in: p) == nil)
        #expect(cidr("fd00::ffff:ffff:ffff:fff0/124").next == cidr("fd00:0:0:1::/124"))
    }

    @Test func releaseMakesTheAddressReusable() throws {
        var s = try state(("p", "10.0.0.0/24", nil, []))
        let a = try s.allocate(AllocationRequest(endpoint: "a", network: "n", host: "h"), now: 0)
        _ = try s.allocate(AllocationRequest(endpoint: "b", network: "n", host: "h"), now: 0)
        #expect(s.release(endpoint: "a", now: 1) == [a])
        #expect(s.release(endpoint: "a", now: 1) == [], "releasing twice is a no-op (CNI DEL is idempotent)")
        #expect(try s.allocate(AllocationRequest(endpoint: "c", network: "n", host: "h"), now: 2) == a)
    }

    /// Every refusal of an allocation, with its message; a refusal changes nothing.
    @Test(arguments: [
        (AllocationRequest(endpoint: "x", network: "n", host: "h", requested: ip("192.168.1.1")),
         IPAMError.requestedOutsidePools(ip("192.168.1.1"), pools: [cidr("10.0.0.0/28")]),
         "requested address 192.168.1.1 is outside every pool (pools: 10.0.0.0/28)"),
        (AllocationRequest(endpoint: "x", network: "n", host: "h", requested: ip("10.0.0.1")),
         .addressInUse(ip("10.0.0.1"), endpoint: "taken", host: "h"),
         "requested address 10.0.0.1 is already used by endpoint 'taken' on host 'h'"),
        (AllocationRequest(endpoint: "x", network: "n", host: "h", requested: ip("10.0.0.15")),
         .requestedReserved(ip("10.0.0.15"), pool: "p"), "requested address 10.0.0.15 is reserved in pool 'p'"),
        (AllocationRequest(endpoint: "x", network: "n", host: "other", requested: ip("10.0.0.2")),
         .requestedInForeignBlock(ip("10.0.0.2"), block: cidr("10.0.0.0/30"), host: "h", network: "n"),
         "lies in block 10.0.0.0/30, owned by host 'h' for network 'n'"),
        (AllocationRequest(endpoint: "x", network: "n", host: "h", family: .v6),
         .noPool(family: .v6), "no IPv6 pool is configured"),
    ] as [(AllocationRequest, IPAMError, String)])
    func refusedAllocations(req: AllocationRequest, error: IPAMError, message: String) throws {
        var s = try state(("p", "10.0.0.0/28", 30, ["10.0.0.15"]))
        _ = try s.allocate(AllocationRequest(endpoint: "first", network: "n", host: "h"), now: 0)
        _ = try s.allocate(AllocationRequest(endpoint: "taken", network: "n", host: "h"), now: 0)
        let before = s
        #expect(throws: error) { try s.allocate(req, now: 1) }
        #expect(error.description.contains(message), "\(error.description)")
        #expect(s == before)
    }

    @Test func exhaustedPoolNamesPoolAndUsage() throws {
        var s = try state(("small", "10.0.0.0/29", 30, ["10.0.0.7"]))
        for i in 0..<7 { _ = try s.allocate(AllocationRequest(endpoint: "e\(i)", network: "n", host: "h"), now: 0) }
        let err = IPAMError.poolExhausted(family: .v4, usage: [s.usage(s.pools[0])])
        #expect(throws: err) { try s.allocate(AllocationRequest(endpoint: "more", network: "n", host: "h"), now: 0) }
        #expect(err.description == "every IPv4 pool is exhausted: pool 'small' (10.0.0.0/29, /30 blocks): "
                + "2 of 2 blocks claimed, 7 of 7 addresses in use; add a pool or release addresses")
    }

    @Test func aSecondPoolIsUsedWhenTheFirstIsFull() throws {
        var s = try state(("a", "10.0.0.0/30", 30, []), ("b", "10.1.0.0/30", 30, []))
        let got = try (0..<8).map { try s.allocate(AllocationRequest(endpoint: "e\($0)", network: "n", host: "h"), now: 0) }
        #expect(got.last == ip("10.1.0.3"))
    }
}
