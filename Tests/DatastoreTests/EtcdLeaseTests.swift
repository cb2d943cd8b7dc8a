import Datastore
import Foundation
import Glibc
import IPAM
import IPAddressing
import Testing

/// Host leases against the real etcd: `hosts/NAME` lives on a lease that `heartbeat` keeps
/// alive; a host that stops renewing loses its record and garbage collection collects it.
@Suite(.serialized) struct EtcdLeaseTests {
    /// The test etcd listens inside its own network namespace, not in the one the tests run in.
    @Test func theTestEtcdRunsInItsOwnNamespace() async throws {
        let r = try await EtcdServer.running()
        func inode(_ path: String) throws -> UInt {
            var st = stat()
            guard stat(path, &st) == 0 else { throw CommandFailed(command: ["stat", path], status: errno, output: "") }
            return UInt(st.st_ino)
        }
        let etcdNS = try inode("/proc/\(r.etcdPID)/ns/net")
        #expect(etcdNS == (try inode("/run/netns/\(r.namespace)")), "etcd (pid \(r.etcdPID)) is in \(r.namespace)")
        #expect(etcdNS != (try inode("/proc/self/ns/net")), "and not in the test process's namespace")
    }

    /// A host with a 15 s lease that stops renewing disappears; the next pass deletes its endpoint
    /// record and releases its block; a host that keeps renewing is untouched.
    @Test func aHostWhoseLeaseExpiresIsCollected() async throws {
        let store = try await EtcdServer.store(prefix: "/lease-\(UUID().uuidString)/", hostTTL: 15)
        let clock = ManualClock()
        let alloc = IPAllocator(store: store, clock: clock.function)
        try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 28, reserved: []))
        _ = try await store.createNetwork("n")
        for host in ["alive", "dead"] {
            let a = try await alloc.allocate(endpoint: "ep-\(host)", network: "n", host: host)
            try await store.putEndpoint(EndpointRecord(name: "ep-\(host)", network: "n", host: host, addresses: [a]))
        }
        // The leases start now, right before the check: allocating through etcd on a loaded machine
        // can take longer than a short TTL.
        for host in ["alive", "dead"] { try await store.heartbeat(host: host, at: clock.now) }
        #expect(try await store.hosts().map(\.name) == ["alive", "dead"])
        let aliveBlocks = try await store.blocks(host: "alive", network: nil)
        let deadBlocks = try await store.blocks(host: "dead", network: nil)
        #expect(aliveBlocks.count == 1 && deadBlocks.count == 1)

        // 'alive' renews every 0.5 s; 'dead' is silent. etcd drops 'dead' about 15 s later.
        let renewing = Task {
            while !Task.isCancelled {
                try await store.heartbeat(host: "alive", at: clock.now)
                try await Task.sleep(for: .milliseconds(500))
            }
        }
        let started = ContinuousClock.now
        var names = try await store.hosts().map(\.name)
        while names.contains("dead"), ContinuousClock.now - started < .seconds(60) {
            try await Task.sleep(for: .milliseconds(100))
            names = try await store.hosts().map(\.name)
        }
        let waited = ContinuousClock.now - started
        renewing.cancel()
        _ = await renewing.result
        #expect(names == ["alive"], "'dead' is gone with its lease (after \(waited)); 'alive' kept its own")
        #expect(waited >= .seconds(3), "not before its TTL")

        // Past the block grace on the collector's clock; 'alive' renews at that time too.
        clock.advance(300)
        try await store.heartbeat(host: "alive", at: clock.now)
        let done = try await alloc.collectGarbage(policy: GCPolicy(allocationGrace: 60, hostGrace: 300))
        #expect(done == [.deleteEndpoint("ep-dead", host: "dead"),
                         .releaseBlock(deadBlocks[0].cidr, revision: deadBlocks[0].revision, host: "dead")])
        #expect(try await store.blocks(host: "dead", network: nil).isEmpty)
        #expect(try await store.blocks(host: "alive", network: nil) == aliveBlocks, "the live host's block is untouched")
        #expect(try await store.endpoints().map(\.name) == ["ep-alive"])
        #expect(try await alloc.report().isClean)

        // A host that comes back gets a new lease and its record again.
        try await store.heartbeat(host: "dead", at: clock.now)
        #expect(try await store.hosts().map(\.name) == ["alive", "dead"])
        try await store.deleteHost("dead")
        try await store.deleteHost("alive")
        #expect(try await store.hosts().isEmpty)
    }
}
