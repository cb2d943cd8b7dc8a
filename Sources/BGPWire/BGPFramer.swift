public import NIOCore

/// A whole message cut out of the byte stream: its type octet and its body (the octets after the header).
public struct RawMessage: Sendable {
    public var typeCode: UInt8
    /// The whole message, header included.
    public var bytes: ByteBuffer
    public var body: ByteBuffer { bytes.getSlice(at: bytes.readerIndex + BGPHeader.length,
                                                 length: bytes.readableBytes - BGPHeader.length)! }
}

/// An incremental framer: bytes arrive in any split, whole messages come out (RFC 4271 section 4.1).
///
/// The marker and the length are checked here (section 6.1: Connection Not Synchronized, Bad Message
/// Length); the type and the per-type minimum length are checked when the message is decoded.
/// After an error the framer is poisoned: the session must be reset.
public struct BGPFramer: Sendable {
    private var buffer: ByteBuffer
    private var failed: BGPError?
    /// The largest message accepted: 4096, or 65535 once extended messages are negotiated (RFC 8654).
    public var maxMessageLength: Int

    public init(maxMessageLength: Int = BGPHeader.maxLength) {
        self.buffer = ByteBufferAllocator().buffer(capacity: 0)
        self.maxMessageLength = maxMessageLength
    }

    /// Octets received but not yet returned as a message.
    public var bufferedBytes: Int { buffer.readableBytes }

    public mutating func append(_ bytes: ByteBuffer) {
        var bytes = bytes
        if buffer.readableBytes == 0 {
            // Nothing pending: adopt the caller's storage instead of copying it.
            buffer = bytes
        } else {
            buffer.writeBuffer(&bytes)
        }
    }

    public mutating func append(_ bytes: some Sequence<UInt8>) {
        buffer.writeBytes(bytes)
    }

    /// The next whole message, or nil until more octets arrive.
    public mutating func next() throws(BGPError) -> RawMessage? {
        if let failed { throw failed }
        guard buffer.readableBytes >= BGPHeader.length else {
            if buffer.readableBytes == 0 { buffer.clear() }
            return nil
        }
        let start = buffer.readerIndex
        do throws(BGPError) {
            let marker = buffer.withUnsafeReadableBytes { raw in
                raw.prefix(BGPHeader.markerLength).allSatisfy { $0 == 0xFF }
            }
            guard marker else {
                throw BGPError.header(.connectionNotSynchronized, "the 16-octet marker is not all ones")
            }
            let length = Int(buffer.getInteger(at: start + BGPHeader.markerLength, as: UInt16.self)!)
            guard length >= BGPHeader.length, length <= maxMessageLength else {
                throw BGPError.header(.badMessageLength, data: [UInt8(length >> 8), UInt8(length & 0xFF)],
                                      "message length \(length) is outside 19...\(maxMessageLength)")
            }
            guard buffer.readableBytes >= length else { return nil }
            let message = buffer.readSlice(length: length)!
            let type = message.getInteger(at: message.readerIndex + BGPHeader.length - 1, as: UInt8.self)!
            return RawMessage(typeCode: type, bytes: message)
        } catch {
            failed = error
            throw error
        }
    }
}
