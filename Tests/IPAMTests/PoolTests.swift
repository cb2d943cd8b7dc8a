import IPAddressing
@testable import IPAM
import Testing

@Suite struct PoolTests {
    @Test(arguments: [
        ("10.244.0.0/16", nil, 26, 1024),
        ("10.244.0.0/16", 24, 24, 256),
        ("10.244.0.0/30", 32, 32, 1),
        ("fd00:10::/48", nil, 122, 64),
        ("fd00:10::/112", 120, 120, 256),
    ] as [(String, UInt8?, UInt8, Int)])
    func blockLengthDefaultsAndSizes(cidr: String, asked: UInt8?, length: UInt8, size: Int) throws {
        let p = try Pool(name: "p", cidr: cidr, blockLength: asked)
        #expect(p.blockLength == length)
        #expect(p.blockSize == (p.family == .v4 ? 1 << (32 - Int(length)) : 1 << (128 - Int(length))))
        if p.family == .v4 && length == 26 { #expect(p.blockSize == 64) }
        _ = size
    }

    /// Every way a pool can be refused, and the operator-readable message it carries.
    @Test(arguments: [
        ("p", "10.0.0.300/16", nil, [], IPAMError.unparsableCIDR("10.0.0.300/16"), "'10.0.0.300/16' is not a CIDR"),
        ("p", "10.0.0.1/16", nil, [], .unparsableCIDR("10.0.0.1/16"), "host bits zero"),
        ("p", "fd00::/48/2", nil, [], .unparsableCIDR("fd00::/48/2"), "is not a CIDR"),
        ("", "10.0.0.0/16", nil, [], .invalidPoolName(""), "pool name '' is invalid"),
        ("a b", "10.0.0.0/16", nil, [], .invalidPoolName("a b"), "pool name 'a b' is invalid"),
        ("p", "10.0.0.0/24", 20, [], .invalidBlockLength(pool: "p", cidr: IPPrefix("10.0.0.0/24")!, blockLength: 20),
         "block length /20 is invalid: it must be at least /24 and within /16.../32"),
        ("p", "10.0.0.0/8", 12, [], .invalidBlockLength(pool: "p", cidr: IPPrefix("10.0.0.0/8")!, blockLength: 12), "/16.../32"),
        ("p", "fd00::/48", 64, [], .invalidBlockLength(pool: "p", cidr: IPPrefix("fd00::/48")!, blockLength: 64), "/112.../128"),
        ("p", "10.0.0.0/24", nil, ["10.0.1.1"], .reservationOutsidePool(pool: "p", cidr: IPPrefix("10.0.0.0/24")!,
                                                                        reservation: IPPrefix("10.0.1.1/32")!),
         "reservation 10.0.1.1/32 is not inside the pool"),
        ("p", "10.0.0.0/24", nil, ["nonsense"], .unparsableCIDR("nonsense"), "'nonsense' is not a CIDR"),
    ] as [(String, String, UInt8?, [String], IPAMError, String)])
    func refusedPools(name: String, cidr: String, block: UInt8?, reserved: [String], error: IPAMError, message: String) {
        #expect(throws: error) { try Pool(name: name, cidr: cidr, blockLength: block, reserved: reserved) }
        #expect(error.description.contains(message), "\(error.description)")
    }

    @Test(arguments: [
        ("10.244.0.0/16", "10.244.3.0/24"),
        ("10.244.3.0/24", "10.0.0.0/8"),
        ("10.244.0.0/16", "10.244.0.0/16"),
        ("fd00::/48", "fd00:0:0:1::/64"),
    ])
    func overlappingPoolsNameBoth(first: String, second: String) throws {
        var s = IPAMState()
        try s.addPool(Pool(name: "a", cidr: first))
        let second = try Pool(name: "b", cidr: second)
        let expected = IPAMError.overlappingPools(new: "b", newCIDR: second.cidr, existing: "a", existingCIDR: IPPrefix(first)!)
        #expect(throws: expected) { try s.addPool(second) }
        #expect(expected.description == "pool 'b' (\(second.cidr)) overlaps pool 'a' (\(first)): pools must be disjoint")
        #expect(s.pools.count == 1, "a refused pool changes nothing")
    }

    @Test func disjointPoolsOfBothFamiliesJoin() throws {
        var s = IPAMState()
        try s.addPool(Pool(name: "a", cidr: "10.244.0.0/16"))
        try s.addPool(Pool(name: "b", cidr: "10.245.0.0/16"))
        try s.addPool(Pool(name: "c", cidr: "fd00::/48"))
        #expect(throws: IPAMError.duplicatePoolName("a")) { try s.addPool(Pool(name: "a", cidr: "192.168.0.0/16")) }
        #expect(s.pools.map(\.name) == ["a", "b", "c"])
    }
}
