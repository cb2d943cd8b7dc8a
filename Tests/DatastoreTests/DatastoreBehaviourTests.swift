import Datastore
import IPAM
import IPAddressing
import Testing

/// The contract of `Datastore`, run against every implementation.
@Suite struct DatastoreBehaviourTests {
    @Test(arguments: StoreKind.allCases)
    func poolsAreDisjointAndKeptInOrder(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        try await f.store.createPool(Pool(name: "v4", cidr: "10.244.0.0/16"))
        try await f.store.createPool(Pool(name: "v6", cidr: "fd00:10::/48", reserved: ["fd00:10::/128"]))
        let overlapping = try Pool(name: "bad", cidr: "10.244.128.0/17")
        await #expect(throws: IPAMError.overlappingPools(new: "bad", newCIDR: overlapping.cidr, existing: "v4",
                                                          existingCIDR: cidr("10.244.0.0/16"))) {
            try await f.store.createPool(overlapping)
        }
        await #expect(throws: IPAMError.duplicatePoolName("v4")) { try await f.store.createPool(Pool(name: "v4", cidr: "192.168.0.0/16")) }
        let pools = try await f.store.pools()
        #expect(pools.map(\.name) == ["v4", "v6"])
        #expect(pools[1].reserved == [cidr("fd00:10::/128")])
        #expect(pools[1].blockLength == 122)
    }

    @Test(arguments: StoreKind.allCases)
    func blockClaimsAreCompareAndSwap(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        let pool = try Pool(name: "p", cidr: "10.0.0.0/24")
        try await f.store.createPool(pool)
        var mine = Block(cidr: cidr("10.0.0.0/26"), pool: pool, host: "h1", network: "n", now: 1)
        _ = mine.assignFirstFree(to: "a", now: 1)
        let theirs = Block(cidr: cidr("10.0.0.0/26"), pool: pool, host: "h2", network: "n", now: 1)
        #expect(try await f.store.compareAndSwap(mine), "a claim of an unclaimed block succeeds")
        #expect(try await !f.store.compareAndSwap(theirs), "a second claim of the same block fails")
        let stored = try await f.store.blocks()
        #expect(stored.count == 1)
        #expect(stored[0].revision > 0, "revisions are opaque (etcd's are cluster-wide), never 0 once stored")
        #expect(stored[0].host == "h1")
        #expect(stored[0].owner(of: ip("10.0.0.0"))?.endpoint == "a")

        var update = stored[0]
        _ = update.assignFirstFree(to: "b", now: 2)
        var stale = stored[0]
        _ = stale.assignFirstFree(to: "c", now: 2)
        #expect(try await f.store.compareAndSwap(update))
        #expect(try await !f.store.compareAndSwap(stale), "a write at an old revision fails")
        #expect(try await !f.store.deleteBlock(update.cidr, revision: stored[0].revision), "a delete at an old revision fails")
        let now = try await f.store.blocks(host: "h1", network: "n")
        #expect(now.count == 1 && now[0].revision > stored[0].revision)
        #expect(now[0].allocations.map(\.allocation.endpoint) == ["a", "b"])
        #expect(try await f.store.blocks(host: "h2", network: nil).isEmpty)
        await #expect(throws: DatastoreError.poolInUse("p", blocks: 1)) { try await f.store.deletePool(named: "p") }
        #expect(try await f.store.deleteBlock(update.cidr, revision: now[0].revision))
        try await f.store.deletePool(named: "p")
        #expect(try await f.store.pools().isEmpty)
    }

    @Test(arguments: StoreKind.allCases)
    func aClaimOutsideEveryPoolIsRefused(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        let pool = try Pool(name: "p", cidr: "10.0.0.0/24")
        // Not created in the store: the in-memory store accepts it (IPAM plans only against
        // stored pools); SQLite and etcd check the pool on claim.
        if kind != .memory {
            await #expect(throws: DatastoreError.unknownPool("p")) {
                try await f.store.compareAndSwap(Block(cidr: cidr("10.0.0.0/26"), pool: pool, host: "h", network: "n", now: 0))
            }
        }
    }

    @Test(arguments: StoreKind.allCases)
    func networksGetStableIDs(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        let a = try await f.store.createNetwork("lamp")
        let b = try await f.store.createNetwork("lnmp")
        #expect(try await f.store.createNetwork("lamp") == a, "creating twice returns the same id")
        #expect([a.id, b.id] == [1, 2])
        try await f.store.putEndpoint(EndpointRecord(name: "e", network: "lnmp", host: "h", addresses: [ip("10.0.0.1")]))
        await #expect(throws: DatastoreError.networkInUse("lnmp", endpoints: 1, blocks: 0)) { try await f.store.deleteNetwork("lnmp") }
        try await f.store.deleteEndpoint(named: "e")
        try await f.store.deleteNetwork("lnmp")
        #expect(try await f.store.createNetwork("web").id == 2, "the lowest free id is reused")
        #expect(try await f.store.networks().map(\.name) == ["lamp", "web"])
    }

    @Test(arguments: StoreKind.allCases)
    func endpointsPoliciesAndHosts(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        _ = try await f.store.createNetwork("n")
        let e = EndpointRecord(name: "c1", network: "n", host: "h", addresses: [ip("10.0.0.1"), ip("fd00::1")],
                               netns: "/run/netns/c1", ifname: "eth0")
        try await f.store.putEndpoint(e)
        await #expect(throws: IPAMError.unknownNetwork("nope")) {
            try await f.store.putEndpoint(EndpointRecord(name: "c2", network: "nope", host: "h", addresses: []))
        }
        #expect(try await f.store.endpoints() == [e])
        try await f.store.deleteEndpoint(named: "c1")
        try await f.store.deleteEndpoint(named: "c1")
        #expect(try await f.store.endpoints().isEmpty)

        let p = try await f.store.addPolicy(PolicyRecord(from: "lamp", to: "lnmp", action: .deny, proto: "tcp", portLow: 80, portHigh: 443))
        let q = try await f.store.addPolicy(PolicyRecord(from: "a", to: "b", action: .allow, oneWay: true))
        #expect(p.id != 0 && q.id > p.id)
        #expect(try await f.store.policies() == [p, q])
        try await f.store.deletePolicy(id: p.id)
        #expect(try await f.store.policies() == [q])

        try await f.store.heartbeat(host: "h1", at: 10)
        try await f.store.heartbeat(host: "h1", at: 20)
        try await f.store.heartbeat(host: "h0", at: 5)
        #expect(try await f.store.hosts() == [HostRecord(name: "h0", lastSeen: 5), HostRecord(name: "h1", lastSeen: 20)])
        try await f.store.deleteHost("h0")
        #expect(try await f.store.hosts().map(\.name) == ["h1"])
    }

    @Test(arguments: StoreKind.allCases)
    func hostsKeepTheirBGPAddressPoliciesTheirLogFlagEndpointsTheirContainerID(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        // A host registers with its BGP address; a plain renewal keeps it; nil withdraws it.
        try await f.store.heartbeat(host: "h1", at: 10, bgpAddress: ip("10.99.0.1"), bgpPort: 179)
        try await f.store.heartbeat(host: "h2", at: 10, bgpAddress: ip("fd00::2"), bgpPort: 1179)
        try await f.store.heartbeat(host: "h1", at: 20)
        #expect(try await f.store.hosts() == [HostRecord(name: "h1", lastSeen: 20, bgpAddress: ip("10.99.0.1")),
                                              HostRecord(name: "h2", lastSeen: 10, bgpAddress: ip("fd00::2"), bgpPort: 1179)])
        try await f.store.heartbeat(host: "h2", at: 30, bgpAddress: nil, bgpPort: 179)
        #expect(try await f.store.hosts().last == HostRecord(name: "h2", lastSeen: 30, bgpAddress: nil))

        let logged = try await f.store.addPolicy(PolicyRecord(from: "lamp", to: "lnmp", action: .deny, log: true))
        let quiet = try await f.store.addPolicy(PolicyRecord(from: "lamp", to: "world", action: .deny))
        #expect(try await f.store.policies().map(\.log) == [true, false])
        #expect(try await f.store.policies() == [logged, quiet])

        _ = try await f.store.createNetwork("lamp")
        let e = EndpointRecord(name: "c1", network: "lamp", host: "h1", addresses: [ip("10.0.0.5")], netns: "/proc/1/ns/net",
                               containerID: "9f86d081884c7d65")
        let anonymous = EndpointRecord(name: "c2", network: "lamp", host: "h1", addresses: [ip("10.0.0.6")], netns: "/proc/1/ns/net")
        try await f.store.putEndpoint(e)
        try await f.store.putEndpoint(anonymous)
        #expect(try await f.store.endpoints() == [e, anonymous])
    }

    @Test(arguments: StoreKind.allCases)
    func watchersSeeEveryChange(kind: StoreKind) async throws {
        let f = try await Fixture(kind)
        let stream = f.store.changes()
        try await f.store.createPool(Pool(name: "p", cidr: "10.0.0.0/24"))
        _ = try await f.store.createNetwork("n")
        let alloc = IPAllocator(store: f.store)
        _ = try await alloc.allocate(endpoint: "e", network: "n", host: "h")
        try await f.store.heartbeat(host: "h", at: 1)
        let got = await collect(stream, count: 4)
        #expect(got == [.pool("p"), .network("n"), .block(cidr("10.0.0.0/26")), .host("h")])
    }
}
