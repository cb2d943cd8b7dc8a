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
            guard Self.graceHasPassed(since: since, now: now, grace: configuration.blockReleaseGrace) else { continue }
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

    /// Whether a block empty since `since` has been empty for `grace` seconds at `now`. The clock
    /// counts whole seconds, so `now - since` may be up to a second more than the time that really
    /// passed (empty at 10.9, now 13.0: 3 on the clock, 2.1 in fact): only a difference over the
    /// grace proves it. A grace of 0 releases at once.
    public static func graceHasPassed(since: Int64, now: Int64, grace: Int) -> Bool {
        grace == 0 || now - since > Int64(grace)
    }

    /// After an endpoint delete: check again once the grace period has surely passed on the
    /// agent's whole-second clock (`graceHasPassed`).
    func scheduleBlockRelease() {
        let grace = configuration.blockReleaseGrace
        Task { [weak self] in
            try? await Task.sleep(for: .seconds(grace == 0 ? 0 : grace + 1) + .milliseconds(100))
            await self?.releaseEmptyBlocks()
        }
    }
}
