import Logging
import NIOCore
import BGPCore
import BGPWire
import IPAddressing

/// The speaker's one RIB (`SpeakerRIB`), confined to one event loop: sessions hop here once per
/// UPDATE, never per prefix, and no lock guards the table. What the RIB decides is executed here:
/// Loc-RIB changes go to `BGPSpeaker.ribChanges` (an unbounded stream: a slow consumer never holds
/// up a session), messages hop to each peer's session, stale timers run on this loop.
final class RIBLoop: @unchecked Sendable {
    let eventLoop: any EventLoop
    private var core: SpeakerRIB
    private var sessions: [IPAddress: PeerSession] = [:]
    private var epochs: [IPAddress: Int] = [:]
    private var staleTimers: [IPAddress: Scheduled<Void>] = [:]
    private let changes: AsyncStream<RIBChanges>.Continuation?
    private let emit: @Sendable (SpeakerEvent) -> Void
    private let logger: Logger

    init(core: SpeakerRIB, eventLoop: any EventLoop, changes: AsyncStream<RIBChanges>.Continuation?, logger: Logger,
         emit: @escaping @Sendable (SpeakerEvent) -> Void) {
        self.core = core
        self.eventLoop = eventLoop
        self.changes = changes
        self.logger = logger
        self.emit = emit
    }

    /// Runs `body` on the RIB's loop (directly when already there, keeping order).
    func onLoop(_ body: @escaping @Sendable (RIBLoop) -> Void) {
        if eventLoop.inEventLoop { body(self) } else { eventLoop.execute { body(self) } }
    }

    /// Reads the RIB on its loop.
    func read<T: Sendable>(_ body: @escaping @Sendable (SpeakerRIB) -> T) async throws -> T {
        try await eventLoop.submit { body(self.core) }.get()
    }

    /// One step of the RIB, then its output executed.
    func run(_ step: (inout SpeakerRIB) -> RIBOutput) {
        eventLoop.preconditionInEventLoop()
        execute(step(&core))
    }

    func attach(_ session: PeerSession, settings: RIBPeerSettings) {
        sessions[settings.address] = session
        run { $0.setPeer(settings) }
    }

    func detach(_ address: IPAddress) {
        sessions[address] = nil
        epochs[address] = nil
        run { $0.removePeer(address) }
    }

    func established(_ address: IPAddress, _ peer: EstablishedPeer, epoch: Int) {
        epochs[address] = epoch
        run { $0.sessionEstablished(address, peer) }
    }

    /// The peer's End-of-RIB: stale paths swept, then `SpeakerEvent.endOfRIB`, so the event means
    /// the Loc-RIB holds everything the peer sent before it.
    func endOfRIB(_ family: AddressFamily, from address: IPAddress) {
        run { $0.endOfRIB(family, from: address) }
        emit(.endOfRIB(peer: address, family: family))
    }

    private func execute(_ output: RIBOutput) {
        if !output.changes.isEmpty { changes?.yield(output.changes) }
        for (address, messages) in output.messages {
            guard let session = sessions[address], let epoch = epochs[address] else { continue }
            session.onLoop { $0.deliver(messages, epoch: epoch) }
        }
        for timer in output.timers {
            switch timer {
            case .startStale(let peer, let seconds):
                staleTimers[peer]?.cancel()
                staleTimers[peer] = eventLoop.scheduleTask(in: .seconds(Int64(seconds))) { [self] in
                    staleTimers[peer] = nil
                    logger.notice("graceful restart: stale routes timed out", metadata: ["peer": "\(peer)"])
                    run { $0.staleTimerExpired(peer) }
                }
            case .stopStale(let peer):
                staleTimers.removeValue(forKey: peer)?.cancel()
            }
        }
        for address in output.tableWalks {
            // A later task, so that UPDATEs from the sessions waiting now go first.
            eventLoop.execute { [self] in run { $0.continueTable(address) } }
        }
        for warning in output.warnings {
            logger.warning("\(warning.message)", metadata: ["peer": "\(warning.peer.map { "\($0)" } ?? "")"])
            emit(.warning(peer: warning.peer, message: warning.message))
        }
    }

    func finish() {
        for t in staleTimers.values { t.cancel() }
        staleTimers = [:]
        changes?.finish()
    }
}
