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
        #expect(s.garbage(endpoints: eps, hosts: hosts, now: 499, policy: GCPolicy()) == [])
        #expect(s.garbage(endpoints: eps, hosts: hosts, now: 500, policy: GCPolicy()) == [.releaseBlock(cidr("10.0.0.16/28"), revision: 2, host: "h2")])
        // h1 is alive at 500 (seen at 200, grace 300 → gone only from 500): its block stays while it holds 'live'.
        #expect(s.garbage(endpoints: eps, hosts: hosts, now: 10_000, policy: GCPolicy()).count == 1)
    }

    @Test func anEndpointRecordWithAnotherAddressDoesNotProtectALeak() throws {
        let s = try setup()
        let eps = ["live", "dead", "young"].enumerated().map { EndpointRecord(name: $1, network: "n", host: "h1", addresses: [ip("10.0.0.\($0)")]) }
            + [EndpointRecord(name: "gone", network: "n", host: "h2", addresses: [ip("10.0.0.99")])]
        let actions = s.garbage(endpoints: eps, hosts: [], now: 1000, policy: GCPolicy(allocationGrace: 0, hostGrace: 10_000))
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
