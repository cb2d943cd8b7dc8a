public import NIOCore

/// The fixed 19-octet header of every BGP message (RFC 4271 section 4.1).
///
/// ```
/// +--------------------------+--------+------+
/// | Marker (16 octets, 0xFF) | Length | Type |
/// +--------------------------+--------+------+
/// ```
public enum BGPHeader {
    public static let length = 19
    public static let markerLength = 16
    /// RFC 4271 section 4.1.
    public static let maxLength = 4096
    /// RFC 8654 section 4.
    public static let extendedMaxLength = 65535

    /// Writes a header whose length is patched by `finish(at:in:)` once the body is written.
    /// Returns the index of the header's first octet.
    @inlinable
    public static func begin(_ type: MessageType, in buffer: inout ByteBuffer) -> Int {
        let start = buffer.writerIndex
        buffer.writeRepeatingByte(0xFF, count: markerLength)
        buffer.writeInteger(UInt16(0))
        buffer.writeInteger(type.rawValue)
        return start
    }

    /// Sets the length field of the message that starts at `start` to what has been written since.
    @inlinable
    public static func finish(at start: Int, in buffer: inout ByteBuffer) {
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - start), at: start + markerLength)
    }
}
