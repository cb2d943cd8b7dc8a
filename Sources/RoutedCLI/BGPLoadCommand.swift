import ArgumentParser
import Foundation
import NIOCore
import NIOPosix
import NIOConcurrencyHelpers
import BGPWire
import IPAddressing

/// `routed bgp-load`: a load-generating BGP peer. It encodes N prefixes into packed UPDATEs before
/// connecting, so its own speed does not limit what it measures; once Established it writes them
/// all, then End-of-RIB, answers keepalives, and reports timings as JSON lines.
struct BGPLoadCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bgp-load",
        abstract: "Feed a BGP peer N prefixes as fast as TCP allows, and report when they were sent.")

    @Option(help: "The peer to connect to: ADDR[:PORT].")
    var peer: String

    @Option(name: .customLong("as"), help: "Our AS number.")
    var localAS: UInt32

    @Option(help: "Our BGP identifier (A.B.C.D).")
    var routerID: String

    @Option(help: "Our source address (optional).")
    var local: String?

    @Option(help: "How many prefixes to send.")
    var prefixes: Int = 1_000_000

    @Option(help: "The first prefix; consecutive prefixes of the same length follow (10.0.0.0/24 gives 10.0.0.0/24, 10.0.1.0/24, ...).")
    var start: String = "10.0.0.0/24"

    @Option(help: "The IPv4 next hop to announce (default: our source address).")
    var nextHop: String?

    @Option(help: "Keep the session up this many seconds after End-of-RIB, then Cease.")
    var hold: Int = 30

    func validate() throws {
        guard IPv4Address(routerID) != nil else { throw ValidationError("--router-id \(routerID) is not an IPv4 address") }
        guard let p = IPv4Prefix(start), p.length > 0 else { throw ValidationError("--start \(start) is not an IPv4 prefix like 10.0.0.0/24") }
        guard prefixes > 0, UInt64(prefixes) <= (UInt64(1) << p.length) else {
            throw ValidationError("--prefixes \(prefixes) does not fit: a /\(p.length) gives at most \(UInt64(1) << p.length)")
        }
        _ = try BGPSpeakerCommand.parseListen(peer)
        if let nextHop, IPv4Address(nextHop) == nil { throw ValidationError("--next-hop \(nextHop) is not an IPv4 address") }
    }

    func run() async throws {
        let (address, port) = try BGPSpeakerCommand.parseListen(peer)
        let first = IPv4Prefix(start)!
        let step = UInt32(1) << (32 - UInt32(first.length))
        let list = (0..<prefixes).map { IPv4Prefix(unchecked: first.address.value &+ UInt32($0) &* step, length: first.length) }
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let done = NIOLockedValueBox<Bool>(false)
        var bootstrap = ClientBootstrap(group: group)
        if let local, let bind = try? SocketAddress(ipAddress: local, port: 0) { bootstrap = bootstrap.bind(to: bind) }
        let nextHop = self.nextHop.flatMap(IPv4Address.init) ?? local.flatMap(IPv4Address.init) ?? IPv4Address(routerID)!
        let handler = LoadHandler(localAS: localAS, routerID: IPv4Address(routerID)!, nextHop: nextHop, prefixes: list, hold: hold,
                                  finished: { done.withLockedValue { $0 = true } })
        let channel = try await bootstrap.channelInitializer { channel in
            channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(handler) }
        }.connect(host: "\(address)", port: port).get()
        try await channel.closeFuture.get()
        try await group.shutdownGracefully()
        if !done.withLockedValue({ $0 }) { throw ExitCode(1) }
    }
}

/// The load generator's side of the session: OPEN, KEEPALIVE, then the whole table.
final class LoadHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = ByteBuffer
    private let localAS: UInt32
    private let routerID: IPv4Address
    private let nextHop: IPv4Address
    private let prefixes: [IPv4Prefix]
    private let hold: Int
    private let finished: @Sendable () -> Void
    private var framer = BGPFramer(maxMessageLength: BGPHeader.extendedMaxLength)
    private var established = false
    private var keepalives: RepeatedTask?
    private let clock = ContinuousClock()
    private let began: ContinuousClock.Instant

    init(localAS: UInt32, routerID: IPv4Address, nextHop: IPv4Address, prefixes: [IPv4Prefix], hold: Int, finished: @escaping @Sendable () -> Void) {
        self.localAS = localAS
        self.routerID = routerID
        self.nextHop = nextHop
        self.prefixes = prefixes
        self.hold = hold
        self.finished = finished
        self.began = clock.now
    }

    private func report(_ object: [String: Any]) {
        var o = object
        o["t"] = Double((clock.now - began).components.attoseconds) / 1e18 + Double((clock.now - began).components.seconds)
        // Wall-clock time, so a benchmark can line our Established up with a daemon's RIB count.
        o["wall"] = Date().timeIntervalSince1970
        if let data = try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys]) {
            FileHandle.standardOutput.write(data + Data("\n".utf8))
        }
    }

    func channelActive(context: ChannelHandlerContext) {
        let open = OpenMessage(autonomousSystem: localAS, holdTime: 90, bgpIdentifier: routerID,
                               capabilities: [.multiprotocol(.ipv4Unicast), .routeRefresh])
        context.writeAndFlush(NIOAny(ByteBuffer(bytes: BGPMessage.open(open).encoded(context: .beforeOpen))), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framer.append(unwrapInboundIn(data))
        do {
            while let raw = try framer.next() {
                let message = try BGPMessage.decode(raw, context: CodecContext())
                switch message {
                case .open:
                    context.writeAndFlush(NIOAny(ByteBuffer(bytes: BGPMessage.keepalive.encoded(context: .beforeOpen))), promise: nil)
                case .keepalive where !established:
                    established = true
                    sendTable(context: context)
                case .notification(let n):
                    report(["event": "notification", "message": "\(n)"])
                    context.close(promise: nil)
                default:
                    break
                }
            }
        } catch {
            report(["event": "error", "message": "\(error)"])
            context.close(promise: nil)
        }
    }

    private func sendTable(context: ChannelHandlerContext) {
        report(["event": "established"])
        // Encoded here, once the session's 4-octet AS is known (both sides send the capability).
        var buffer = context.channel.allocator.buffer(capacity: prefixes.count * 5 + 4096)
        let attributes = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [localAS]))),
                                         PathAttribute(.nextHop(nextHop))])
        let messages = (try? UpdatePacker(context: CodecContext()).announce(.init(attributes: attributes, ipv4: prefixes), into: &buffer)) ?? 0
        BGPMessage.update(.endOfRIB(.ipv4Unicast)).encode(into: &buffer, context: CodecContext())
        let octets = buffer.readableBytes
        context.writeAndFlush(NIOAny(buffer)).whenSuccess { [self] in
            report(["event": "sent", "prefixes": prefixes.count, "updates": messages, "octets": octets])
        }
        let loop = context.eventLoop
        let channel = context.channel
        keepalives = loop.scheduleRepeatedTask(initialDelay: .seconds(10), delay: .seconds(10)) { _ in
            channel.writeAndFlush(ByteBuffer(bytes: BGPMessage.keepalive.encoded(context: CodecContext())), promise: nil)
        }
        loop.scheduleTask(in: .seconds(Int64(hold))) { [self] in
            keepalives?.cancel()
            finished()
            let cease = BGPMessage.notification(.cease(.administrativeShutdown, message: "routed bgp-load done"))
            channel.writeAndFlush(ByteBuffer(bytes: cease.encoded(context: CodecContext()))).whenComplete { _ in channel.close(promise: nil) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        keepalives?.cancel()
        report(["event": "closed"])
    }
}
