import Dataplane
import Datastore
import IPAddressing
import IPAM

extension Agent {
    /// Releases the blocks of ours that have had no endpoint for `blockReleaseGrace` seconds: the
    /// claim goes from the datastore (compare-and-swap on the block's revision, so an address
    /// taken meanwhile by another request keeps it), the blackhole from the kernel, the route
    /// from BGP. Runs after an endpoint delete (once the grace has passed) and on every heartbeat.
    ///
    /// `ip route del blackhole BLOCK proto 201`, then the withdrawal in one UPDATE to every peer.
    func releaseEmptyBlocks() async {
        let now = clock()
        let blocks: [Block]
        do { blocks = try await store.blocks(host: hostname, network: nil) } catch {
            logger.error("cannot read this host's blocks", metadata: ["error": "\(error)"])
            return
        }
        var released: [IPPrefix] = []
        for b in blocks where ownBlocks[b.cidr] != nil {
            guard b.isEmpty, b.reservedCount == 0 else { emptySince[b.cidr] = nil; continue }
            let since = emptySince[b.cidr] ?? now
            emptySince[b.cidr] = since
            guard now - since >= Int64(configuration.blockReleaseGrace) else { continue }
            do {
                guard try await store.deleteBlock(b.cidr, revision: b.revision) else { continue }   // changed meanwhile
            } catch {
                logger.error("cannot release an empty block", metadata: ["block": "\(b.cidr)", "error": "\(error)"])
                continue
            }
            ownBlocks[b.cidr] = nil
            emptySince[b.cidr] = nil
            fib.remove(b.cidr)
            released.append(b.cidr)
            logger.notice("empty block released and withdrawn", metadata: ["block": "\(b.cidr)", "network": "\(b.network)",
                                                                           "empty-for": "\(now - since)s"])
        }
        guard !released.isEmpty else { return }
        applyFIB()
        programPolicy()
        await originate()
    }

    /// After an endpoint delete: check again once the grace period has passed.
    func scheduleBlockRelease() {
        let grace = configuration.blockReleaseGrace
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(grace) + .milliseconds(100))
            await self?.releaseEmptyBlocks()
        }
    }
}
