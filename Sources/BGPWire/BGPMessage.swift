public import NIOCore

/// A BGP message (RFC 4271 section 4; RFC 2918 ROUTE-REFRESH).
public enum BGPMessage: Hashable, Sendable {
    case open(OpenMessage)
    case update(UpdateMessage)
    case notification(NotificationMessage)
    case keepalive
    case routeRefresh(RouteRefreshMessage)

    public var type: MessageType {
        switch self {
        case .open: .open
        case .update: .update
        case .notification: .notification
        case .keepalive: .keepalive
        case .routeRefresh: .routeRefresh
        }
    }

    /// Decodes a whole message (header included) as the framer delivered it.
    ///
    /// Throws the RFC 4271 section 6 error for anything that must reset the session. UPDATE problems
    /// that RFC 7606 handles without a reset are returned inside the message (`UpdateMessage.errors`).
    public static func decode(_ raw: RawMessage, context: CodecContext) throws(BGPError) -> BGPMessage {
        let length = raw.bytes.readableBytes
        guard let type = MessageType(rawValue: raw.typeCode) else {
            throw BGPError.header(.badMessageType, data: [raw.typeCode], "unknown message type \(raw.typeCode)")
        }
        let lengthData = [UInt8(length >> 8), UInt8(length & 0xFF)]
        // The framer may cut up to 65535 octets; the session's limit applies here (RFC 8654 section 4).
        // OPEN and KEEPALIVE stay within 4096 octets even with extended messages.
        let limit = type == .open || type == .keepalive ? BGPHeader.maxLength : context.maxMessageLength
        guard length <= limit else {
            throw BGPError.header(.badMessageLength, data: lengthData, "\(type) of \(length) octets exceeds the \(limit)-octet limit")
        }
        switch type {
        case .keepalive where length != BGPHeader.length:
            throw BGPError.header(.badMessageLength, data: lengthData, "KEEPALIVE of \(length) octets; it must be 19")
        case .routeRefresh where length != 23:
            // RFC 7313 section 5: the whole message goes in the data field.
            throw BGPError(code: .routeRefreshMessageError, subcode: RouteRefreshErrorSubcode.invalidMessageLength.rawValue,
                           data: Array(raw.bytes.readableBytesView), reason: "ROUTE-REFRESH of \(length) octets; it must be 23")
        case .open, .routeRefresh, .keepalive, .update, .notification:
            guard length >= type.minimumLength else {
                throw BGPError.header(.badMessageLength, data: lengthData,
                                      "\(type) of \(length) octets is shorter than the minimum \(type.minimumLength)")
            }
        }
        var body = raw.body
        switch type {
        case .open: return .open(try OpenMessage.decode(body: &body))
        case .update: return .update(try UpdateMessage.decode(body: &body, context: context))
        case .notification: return .notification(NotificationMessage.decode(body: &body))
        case .keepalive: return .keepalive
        case .routeRefresh: return .routeRefresh(RouteRefreshMessage.decode(body: &body))
        }
    }

    /// Decodes one whole message from bytes (header included); for tests and tools.
    public static func decode(bytes: some Collection<UInt8>, context: CodecContext) throws(BGPError) -> BGPMessage {
        var framer = BGPFramer(maxMessageLength: context.maxMessageLength)
        framer.append(bytes)
        guard let raw = try framer.next() else {
            throw BGPError.header(.badMessageLength, "\(bytes.count) octets do not hold a whole message")
        }
        return try decode(raw, context: context)
    }

    /// Appends the encoded message, header included, to `buffer`.
    ///
    /// An UPDATE too large for one message is the caller's to split: use `UpdatePacker`, which never
    /// builds one.
    public func encode(into buffer: inout ByteBuffer, context: CodecContext) {
        let start = BGPHeader.begin(type, in: &buffer)
        switch self {
        case .open(let m): m.encodeBody(into: &buffer)
        case .update(let m): m.encodeBody(into: &buffer, context: context)
        case .notification(let m): m.encodeBody(into: &buffer)
        case .keepalive: break
        case .routeRefresh(let m): m.encodeBody(into: &buffer)
        }
        BGPHeader.finish(at: start, in: &buffer)
    }

    /// The encoded message as an array; for tests and tools.
    public func encoded(context: CodecContext) -> [UInt8] {
        var buffer = ByteBufferAllocator().buffer(capacity: 64)
        encode(into: &buffer, context: context)
        return Array(buffer.readableBytesView)
    }
}
