import IPAddressing

// Reading netlink messages and attributes in Swift, every length re-checked here
// (libmnl 1.0.4's mnl_nlmsg_ok compares lengths as signed ints; we do not rely on it).

/// `NLMSG_ALIGN` / `NLA_ALIGN`: netlink pads headers and attributes to 4 bytes.
@inline(__always) func netlinkAlign(_ n: Int) -> Int { (n + 3) & ~3 }

/// Bits of `nla_type` that carry the type (`NLA_TYPE_MASK`, i.e. without NLA_F_NESTED/NET_BYTEORDER).
let attributeTypeMask: UInt16 = 0x3FFF

/// Fixed netlink message types (`NLMSG_NOOP`, `NLMSG_ERROR`, `NLMSG_DONE`, `NLMSG_OVERRUN`).
enum ControlMessage {
    static let noop: UInt16 = 1
    static let error: UInt16 = 2
    static let done: UInt16 = 3
    static let overrun: UInt16 = 4
}

/// One netlink message inside a received datagram (`struct nlmsghdr` + payload), not copied.
struct MessageView {
    var type: UInt16
    var flags: UInt16
    var sequence: UInt32
    var portID: UInt32
    /// Bytes after the 16-byte header, exactly `nlmsg_len - 16` long.
    var payload: UnsafeRawBufferPointer
}

/// Calls `body` for each message in `datagram`, validating `nlmsg_len` against what was received.
func forEachMessage(in datagram: UnsafeRawBufferPointer, _ body: (MessageView) throws -> Void) throws {
    var offset = 0
    while datagram.count - offset >= 16 {
        let length = Int(datagram.loadUnaligned(fromByteOffset: offset, as: UInt32.self))
        guard length >= 16, length <= datagram.count - offset else {
            throw NetlinkError.malformed("message at offset \(offset) claims \(length) bytes, \(datagram.count - offset) left")
        }
        let view = MessageView(
            type: datagram.loadUnaligned(fromByteOffset: offset + 4, as: UInt16.self),
            flags: datagram.loadUnaligned(fromByteOffset: offset + 6, as: UInt16.self),
            sequence: datagram.loadUnaligned(fromByteOffset: offset + 8, as: UInt32.self),
            portID: datagram.loadUnaligned(fromByteOffset: offset + 12, as: UInt32.self),
            payload: UnsafeRawBufferPointer(rebasing: datagram[(offset + 16)..<(offset + length)]))
        try body(view)
        offset += netlinkAlign(length)
    }
}

/// Calls `body(type, value)` for each `struct nlattr` in `bytes` (type without the flag bits).
func forEachAttribute(in bytes: UnsafeRawBufferPointer, _ body: (UInt16, UnsafeRawBufferPointer) throws -> Void) throws {
    var offset = 0
    while bytes.count - offset >= 4 {
        let length = Int(bytes.loadUnaligned(fromByteOffset: offset, as: UInt16.self))
        let type = bytes.loadUnaligned(fromByteOffset: offset + 2, as: UInt16.self) & attributeTypeMask
        guard length >= 4, length <= bytes.count - offset else {
            throw NetlinkError.malformed("attribute type \(type) at offset \(offset) claims \(length) bytes, \(bytes.count - offset) left")
        }
        try body(type, UnsafeRawBufferPointer(rebasing: bytes[(offset + 4)..<(offset + length)]))
        offset += netlinkAlign(length)
    }
}

/// The part of `payload` after a fixed family header of `size` bytes (rtmsg, ifinfomsg, ...).
func attributes(after size: Int, in payload: UnsafeRawBufferPointer, of what: String) throws -> UnsafeRawBufferPointer {
    guard payload.count >= size else {
        throw NetlinkError.malformed("\(what) payload is \(payload.count) bytes, header needs \(size)")
    }
    return UnsafeRawBufferPointer(rebasing: payload[netlinkAlign(size)...].prefix(max(0, payload.count - netlinkAlign(size))))
}

extension UnsafeRawBufferPointer {
    func u8(_ what: String) throws -> UInt8 {
        guard count >= 1 else { throw NetlinkError.malformed("\(what): empty attribute") }
        return self[0]
    }
    func u32(_ what: String) throws -> UInt32 {
        guard count >= 4 else { throw NetlinkError.malformed("\(what): \(count) bytes, want 4") }
        return loadUnaligned(as: UInt32.self)
    }
    /// A kernel string attribute, bounded by the attribute length (NUL optional).
    var string: String {
        let end = firstIndex(of: 0) ?? count
        return String(decoding: self[0..<end], as: UTF8.self)
    }
    /// An address attribute (network byte order) of the given family.
    func address(family: UInt8, _ what: String) throws -> IPAddress {
        switch (family, count) {
        case (AddressFamily.inet, 4):
            return .v4(IPv4Address(UInt32(bigEndian: loadUnaligned(as: UInt32.self))))
        case (AddressFamily.inet6, 16):
            return .v6(IPv6Address(octets: self))
        default:
            throw NetlinkError.malformed("\(what): \(count) bytes for address family \(family)")
        }
    }
}

/// `AF_INET` / `AF_INET6` / `AF_UNSPEC` as rtnetlink carries them (one byte).
enum AddressFamily {
    static let unspec: UInt8 = 0
    static let inet: UInt8 = 2
    static let inet6: UInt8 = 10
}

extension IPAddress {
    var family: UInt8 {
        switch self { case .v4: AddressFamily.inet; case .v6: AddressFamily.inet6 }
    }
    /// The address in network byte order, as netlink wants it.
    var networkBytes: [UInt8] {
        switch self { case .v4(let a): a.octets; case .v6(let a): a.octets }
    }
}

extension IPPrefix {
    var family: UInt8 {
        switch self { case .v4: AddressFamily.inet; case .v6: AddressFamily.inet6 }
    }
    var networkAddress: IPAddress {
        switch self { case .v4(let p): .v4(p.address); case .v6(let p): .v6(p.address) }
    }
    init(address: IPAddress, length: UInt8) throws {
        switch address {
        case .v4(let a):
            guard length <= 32 else { throw NetlinkError.malformed("IPv4 prefix length \(length)") }
            self = .v4(IPv4Prefix(a, length: length))
        case .v6(let a):
            guard length <= 128 else { throw NetlinkError.malformed("IPv6 prefix length \(length)") }
            self = .v6(IPv6Prefix(a, length: length))
        }
    }
}
