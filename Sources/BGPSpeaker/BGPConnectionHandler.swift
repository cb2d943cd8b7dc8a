import NIOCore
import BGPWire

/// One TCP connection of a peer: cuts the byte stream into messages (`BGPFramer`) and hands them,
/// with the connection's life events, to the peer's session on the session's event loop.
final class BGPConnectionHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = ByteBuffer

    private let session: PeerSession
    private let framer: NIOLoopBoundBox<BGPFramer>
    /// The peer opened this connection (accepted by our listener).
    private let inbound: Bool

    init(session: PeerSession, eventLoop: any EventLoop, inbound: Bool) {
        self.session = session
        self.inbound = inbound
        // Cut whole messages up to the largest size any session may use; the session enforces the
        // negotiated limit when it decodes (BGPMessage.decode).
        self.framer = NIOLoopBoundBox(BGPFramer(maxMessageLength: BGPHeader.extendedMaxLength), eventLoop: eventLoop)
    }

    func channelActive(context: ChannelHandlerContext) {
        let channel = context.channel
        let inbound = self.inbound
        session.onLoop { $0.connectionEstablished(channel, inbound: inbound) }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        framer.value.append(unwrapInboundIn(data))
        let channel = context.channel
        do {
            while let raw = try framer.value.next() {
                session.onLoop { $0.received(raw, on: channel) }
            }
        } catch {
            session.onLoop { $0.framingFailed(error, on: channel) }
        }
    }

    func channelInactive(context: ChannelHandlerContext) {
        let channel = context.channel
        session.onLoop { $0.connectionClosed(channel) }
        context.fireChannelInactive()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        context.close(promise: nil)
    }
}
