import IPAddressing
@testable import IPAM
import Testing

@Suite struct GarbageCollectionTests {
    func setup() throws -> IPAMState {
        var s = try state(("p", "10.0.0.0/24", 28, []))
        _ = try s.allocate(AllocationRequest(endpoint: "live", network: "n", host: "h1"), now: 100)
        _ = try s.allocate(AllocationRequest(endpoint: "dead", network: "n", host: "h1"), now: 100)
        _ = try s.allocate(AllocationRequest(endpoint: "young", network: "n", host: "h1"), now: 190)
        _ = try s.allocate(AllocationRequest(endpoint: "gone", network: "n", host: "h2"), now: 100)
        return s
    }

    @Test func leakedAllocationsAreReleasedAfterTheGrace() throws {
        var s = try setup()
        let eps = [EndpointRecord(name: "live", network: "n", host: "h1", addresses: [ip("10.0.0.0")])]
        let hosts = [HostRecord(name: "h1", lastSeen: 200)]
        let actions = s.garbage(endpoints: eps, hosts: hosts, now: 200, policy: GCPolicy(allocationGrace: 60, hostGrace: 300))
        #expect(actions.count == 2)
        guard case .releaseAllocations(let b1, let f1) = actions[0], case .releaseAllocations(let b2, let f2) = actions[1] else {
            Issue.record("\(actions)"); return
        }
        #expect(f1 == [ip("10.0.0.1")], "'dead' leaked; 'young' is within its grace; 'live' has a record")
        #expect(f2 == [ip("10.0.0.16")])
        #expect(s.compareAndSwap(b1) && s.compareAndSwap(b2))
        // At 400 'young' is past its grace too; the block of h2 is empty but changed at 200.
        let young = s.blocks[cidr("10.0.0.0/28")]!.releasing(ip("10.0.0.2"), now: 400)
        #expect(s.garbage(endpoints: eps, hosts: hosts, now: 400, policy: GCPolicy()) == [.releaseAllocations(young, freed: [ip("10.0.0.2")])])
        let swapped = s.compareAndSwap(young)
        #expect(swapped)
        // h2 never renewed a lease: its empty block goes once unchanged for the host grace.
        // (h1 renewed at 480, so it is alive at 500 and its block stays while it holds 'live'.)
        let renewed = [HostRecord(name: "h1", lastSeen: 480)]
        #expect(s.garbage(endpoints: eps, hosts: renewed, now: 499, policy: GCPolicy()) == [])
        #expect(s.garbage(endpoints: eps, hosts: renewed, now: 500, policy: GCPolicy()) == [.releaseBlock(cidr("10.0.0.16/28"), revision: 2, host: "h2")])
        // Without the renewal h1 departed at 500 (seen at 200, grace 300): 'live' died with it, so
        // its record goes first, then its block with the allocation in it, in the same pass.
        let h1Block = s.blocks[cidr("10.0.0.0/28")]!
        #expect(s.garbage(endpoints: eps, hosts: hosts, now: 10_000, policy: GCPolicy()) == [
            .deleteEndpoint("live", host: "h1"),
            .releaseBlock(cidr("10.0.0.0/28"), revision: h1Block.revision, host: "h1"),
            .releaseBlock(cidr("10.0.0.16/28"), revision: 2, host: "h2"),
        ])
    }

    /// When a host departs (its lease is `hostGrace` old, or its record is gone — etcd deletes it
    /// with the lease), its endpoints are dead: records and allocations are collected; a live
    /// host's are untouched. Columns: h1's last renewal, now → what the pass does to h1.
    @Test(arguments: [
        (200, 499, false),   // renewed 299 s ago: alive
        (200, 500, true),    // renewed 300 s ago: departed
        (nil, 200, true),    // no host record (never registered, or its etcd lease expired)
    ] as [(Int64?, Int64, Bool)])
    func aDepartedHostsEndpointsAndBlocksAreCollected(lastSeen: Int64?, now: Int64, departed: Bool) throws {
        let s = try setup()
        let eps = ["live", "dead", "young"].enumerated().map { EndpointRecord(name: $1, network: "n", host: "h1", addresses: [ip("10.0.0.\($0)")]) }
            + [EndpointRecord(name: "gone", network: "n", host: "h2", addresses: [ip("10.0.0.16")])]
        let hosts = [HostRecord(name: "h2", lastSeen: now)] + (lastSeen.map { [HostRecord(name: "h1", lastSeen: $0)] } ?? [])
        let actions = s.garbage(endpoints: eps, hosts: hosts, now: now, policy: GCPolicy(allocationGrace: 60, hostGrace: 300))
        let h1Block = s.blocks[cidr("10.0.0.0/28")]!
        if departed {
            // Every allocation past `allocationGrace` is freed (their records died with the host);
            // 'young' (allocated at 190) only from 250. The block (last changed at 190) goes once
            // it is empty and `hostGrace` old.
            let old = [ip("10.0.0.0"), ip("10.0.0.1")] + (now - 190 >= 60 ? [ip("10.0.0.2")] : [])
            let blockAction: GCAction = old.count == 3 && now - h1Block.updatedAt >= 300
                ? .releaseBlock(h1Block.cidr, revision: h1Block.revision, host: "h1")
                : .releaseAllocations(old.reduce(h1Block) { $0.releasing($1, now: now) }, freed: old)
            #expect(actions == [.deleteEndpoint("dead", host: "h1"), .deleteEndpoint("live", host: "h1"),
                                .deleteEndpoint("young", host: "h1"), blockAction])
        } else {
            #expect(actions == [], "h1 is alive and h2's endpoint has its record")
        }
    }

    @Test func anEndpointRecordWithAnotherAddressDoesNotProtectALeak() throws {
        let s = try setup()
        let eps = ["live", "dead", "young"].enumerated().map { EndpointRecord(name: $1, network: "n", host: "h1", addresses: [ip("10.0.0.\($0)")]) }
            + [EndpointRecord(name: "gone", network: "n", host: "h2", addresses: [ip("10.0.0.99")])]
        let alive = [HostRecord(name: "h1", lastSeen: 1000), HostRecord(name: "h2", lastSeen: 1000)]
        let actions = s.garbage(endpoints: eps, hosts: alive, now: 1000, policy: GCPolicy(allocationGrace: 0, hostGrace: 10_000))
        #expect(actions.map { if case .releaseAllocations(_, let f) = $0 { f } else { [] } } == [[ip("10.0.0.16")]])
    }

    @Test func reportShowsUsageLeaksAndOrphans() throws {
        let s = try setup()
        let eps = [EndpointRecord(name: "live", network: "n", host: "h1", addresses: [ip("10.0.0.0")]),
                   EndpointRecord(name: "ghost", network: "n", host: "h1", addresses: [ip("10.0.0.1")])]
        let r = IPAMReport(state: s, endpoints: eps, hosts: [HostRecord(name: "h1", lastSeen: 200)], now: 200, hostGrace: 300)
        #expect(r.pools.map(\.addressesAllocated) == [4])
        #expect(r.blocks.map(\.host) == ["h1", "h2"])
        #expect(r.leaked.map(\.endpoint) == ["dead", "young", "gone"])
        #expect(r.unbacked == [.init(endpoint: "ghost", address: ip("10.0.0.1"), heldBy: "dead")])
        #expect(r.orphanedBlocks == [cidr("10.0.0.16/28")])
        #expect(!r.isClean)
        let text = r.render()
        #expect(text.contains("pool 'p' (10.0.0.0/24, /28 blocks): 2 of 16 blocks claimed, 4 of 256 addresses in use"))
        #expect(text.contains("10.0.0.16/28"))
        #expect(text.contains("h2 (gone)"))
        #expect(text.contains("10.0.0.1 endpoint dead host h1 network n"))
    }
}

extension Block {
    func releasing(_ a: IPAddress, now: Int64) -> Block {
        var b = self
        b.release(a, now: now)
        return b
    }
}
