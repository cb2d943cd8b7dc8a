import Datastore
import Foundation
import IPAM
import IPAddressing
import Testing

/// The allocator service over each store: the same behaviour whatever holds the data.
@Suite struct AllocatorServiceTests {
    func setup(_ kind: StoreKind, pool: String = "10.0.0.0/24", block: UInt8? = 28) async throws -> (Fixture, IPAllocator, ManualClock) {
        let f = try await Fixture(kind)
        try await f.store.createPool(Pool(name: "p", cidr: pool, blockLength: block, reserved: []))
        _ = try await f.store.createNetwork("lamp")
        _ = try await f.store.createNetwork("lnmp")
        let clock = ManualClock()
        return (f, IPAllocator(store: f.store, clock: clock.function), clock)
    }

    @Test(arguments: StoreKind.allCases)
    func allocatesFirstFreeAndClaimsASecondBlockWhenFull(kind: StoreKind) async throws {
        let (f, alloc, _) = try await setup(kind)
        var got: [IPAddress] = []
        for i in 0..<17 { got.append(try await alloc.allocate(endpoint: "e\(i)", network: "lamp", host: "h1")) }
        #expect(got.first == ip("10.0.0.0"))
        #expect(got.last == ip("10.0.0.16"))
        #expect(try await f.store.blocks(host: "h1", network: "lamp").map(\.cidr) == [cidr("10.0.0.0/28"), cidr("10.0.0.16/28")])
        #expect(try await alloc.allocate(endpoint: "x", network: "lnmp", host: "h1") == ip("10.0.0.32"), "another network, another block")
        #expect(try await alloc.allocate(endpoint: "e3", network: "lamp", host: "h1") == ip("10.0.0.3"), "idempotent")
    }

    @Test(arguments: StoreKind.allCases)
    func releaseMakesAddressesReusable(kind: StoreKind) async throws {
        let (f, alloc, _) = try await setup(kind)
        defer { withExtendedLifetime(f) {} }
        let a = try await alloc.allocate(endpoint: "a", network: "lamp", host: "h1")
        _ = try await alloc.allocate(endpoint: "b", network: "lamp", host: "h1")
        #expect(try await alloc.release(endpoint: "a") == [a])
        #expect(try await alloc.release(endpoint: "a") == [], "release is idempotent")
        #expect(try await alloc.allocate(endpoint: "c", network: "lamp", host: "h1") == a)
    }

    @Test(arguments: StoreKind.allCases)
    func requestedAddresses(kind: StoreKind) async throws {
        let (f, alloc, _) = try await setup(kind)
        defer { withExtendedLifetime(f) {} }
        #expect(try await alloc.allocate(endpoint: "a", network: "lamp", host: "h1", requested: ip("10.0.0.200")) == ip("10.0.0.200"))
        await #expect(throws: IPAMError.addressInUse(ip("10.0.0.200"), endpoint: "a", host: "h1")) {
            try await alloc.allocate(endpoint: "b", network: "lamp", host: "h1", requested: ip("10.0.0.200"))
        }
        await #expect(throws: IPAMError.requestedInForeignBlock(ip("10.0.0.201"), block: cidr("10.0.0.192/28"), host: "h1", network: "lamp")) {
            try await alloc.allocate(endpoint: "b", network: "lamp", host: "h2", requested: ip("10.0.0.201"))
        }
    }

    /// Every error the service reports, with a store left unchanged.
    @Test(arguments: StoreKind.allCases)
    func errorsChangeNothing(kind: StoreKind) async throws {
        let (f, alloc, _) = try await setup(kind, pool: "10.0.0.0/30", block: 30)
        for i in 0..<4 { _ = try await alloc.allocate(endpoint: "e\(i)", network: "lamp", host: "h1") }
        let before = try await f.store.blocks()
        let cases: [(String, IPAMError, () async throws -> IPAddress)] = [
            ("unknown network", .unknownNetwork("web"), { try await alloc.allocate(endpoint: "x", network: "web", host: "h1") }),
            ("exhausted", .poolExhausted(family: .v4, usage: [PoolUsage(pool: "p", cidr: cidr("10.0.0.0/30"), blockLength: 30,
                                                                         blocksClaimed: 1, blockCountLog2: 0, addressesAllocated: 4,
                                                                         addressesReserved: 0, blockSize: 4)]),
             { try await alloc.allocate(endpoint: "x", network: "lamp", host: "h1") }),
            ("outside", .requestedOutsidePools(ip("10.9.9.9"), pools: [cidr("10.0.0.0/30")]),
             { try await alloc.allocate(endpoint: "x", network: "lamp", host: "h1", requested: ip("10.9.9.9")) }),
            ("in use", .addressInUse(ip("10.0.0.2"), endpoint: "e2", host: "h1"),
             { try await alloc.allocate(endpoint: "x", network: "lamp", host: "h1", requested: ip("10.0.0.2")) }),
            ("no v6 pool", .noPool(family: .v6), { try await alloc.allocate(endpoint: "x", network: "lamp", host: "h1", family: .v6) }),
        ]
        for (name, expected, call) in cases {
            await #expect(throws: expected, "\(name)") { try await call() }
        }
        #expect(IPAMError.unknownNetwork("web").description == "network 'web' does not exist: create it with `routed network create web`")
        #expect(try await f.store.blocks() == before)
    }

    @Test(arguments: StoreKind.allCases)
    func garbageCollectionRepairsLeaksAndOrphans(kind: StoreKind) async throws {
        let (f, alloc, clock) = try await setup(kind)
        try await f.store.heartbeat(host: "h1", at: clock.now)
        let a = try await alloc.allocate(endpoint: "kept", network: "lamp", host: "h1")
        try await f.store.putEndpoint(EndpointRecord(name: "kept", network: "lamp", host: "h1", addresses: [a]))
        _ = try await alloc.allocate(endpoint: "leaked", network: "lamp", host: "h1")
        _ = try await alloc.allocate(endpoint: "left", network: "lnmp", host: "h2")
        var report = try await alloc.report()
        #expect(report.leaked.map(\.endpoint) == ["leaked", "left"])
        #expect(report.orphanedBlocks == [cidr("10.0.0.16/28")], "h2 never registered")

        #expect(try await alloc.collectGarbage(policy: GCPolicy(allocationGrace: 60, hostGrace: 300)).isEmpty, "all within grace")
        clock.advance(60)
        #expect(try await alloc.collectGarbage(policy: GCPolicy(allocationGrace: 60, hostGrace: 300)).count == 2)
        clock.advance(300)
        try await f.store.heartbeat(host: "h1", at: clock.now)
        let orphan = try await f.store.blocks(host: "h2", network: nil)
        let last = try await alloc.collectGarbage(policy: GCPolicy(allocationGrace: 60, hostGrace: 300))
        #expect(last == [.releaseBlock(cidr("10.0.0.16/28"), revision: orphan[0].revision, host: "h2")])
        report = try await alloc.report()
        #expect(report.isClean)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let json = String(decoding: try encoder.encode(report), as: UTF8.self)
        #expect(json.contains(#""blocks":[{"allocated":1,"cidr":"10.0.0.0\/28","host":"h1","hostGone":false,"network":"lamp","pool":"p","reserved":0,"size":16}]"#))
        #expect(json.contains(#""pools":[{"addressesAllocated":1,"addressesReserved":0,"blockCapacity":"16","blockLength":28,"blockSize":16,"blocksClaimed":1,"cidr":"10.0.0.0\/24","pool":"p"}]"#))
        #expect(report.blocks.map(\.allocated) == [1])
    }

    @Test func twoSQLiteHandlesOnOneFileSeeEachOther() async throws {
        let dir = try TempDir()
        let one = try SQLiteDatastore(path: dir.database, pollInterval: .milliseconds(10))
        let two = try SQLiteDatastore(path: dir.database, pollInterval: .milliseconds(10))
        let watch = two.changes()
        try await one.createPool(Pool(name: "p", cidr: "10.0.0.0/24"))
        _ = try await one.createNetwork("n")
        #expect(try await two.pools().map(\.name) == ["p"])
        let a1 = try await IPAllocator(store: one).allocate(endpoint: "a", network: "n", host: "h")
        let a2 = try await IPAllocator(store: two).allocate(endpoint: "b", network: "n", host: "h")
        #expect(a1 != a2)
        #expect(await collect(watch, count: 4) == [.pool("p"), .network("n"), .block(cidr("10.0.0.0/26")), .block(cidr("10.0.0.0/26"))])
        // Reopening keeps everything (migrations run once).
        let three = try SQLiteDatastore(path: dir.database)
        #expect(try await three.blocks().first?.allocatedCount == 2)
    }
}
