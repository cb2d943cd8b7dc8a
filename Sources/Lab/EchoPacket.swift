/// ICMP echo request and reply (RFC 792, "Echo or Echo Reply Message") as a raw IPv4 socket
/// sends and receives them: what `ping` does, for probes that must resolve milliseconds.
///
/// A request is the 8-octet ICMP header (type 8, code 0, checksum, identifier, sequence number)
/// and a payload; a raw `IPPROTO_ICMP` socket receives whole IPv4 datagrams, so `reply(in:)`
/// skips the IP header (its IHL) first.
public enum EchoPacket {
    public static let echoReply: UInt8 = 0
    public static let echoRequest: UInt8 = 8

    /// What a received datagram says, when it is an echo reply.
    public struct Reply: Hashable, Sendable {
        /// The IPv4 source address, in network byte order as four octets.
        public var source: [UInt8]
        public var identifier: UInt16
        public var sequence: UInt16

        public init(source: [UInt8], identifier: UInt16, sequence: UInt16) {
            self.source = source
            self.identifier = identifier
            self.sequence = sequence
        }
    }

    /// An echo request: type 8, code 0, the Internet checksum, `identifier`, `sequence`, then `payload`.
    public static func request(identifier: UInt16, sequence: UInt16, payload: [UInt8] = Array("routed-lab-bench".utf8)) -> [UInt8] {
        var bytes: [UInt8] = [echoRequest, 0, 0, 0,
                              UInt8(identifier >> 8), UInt8(identifier & 0xff),
                              UInt8(sequence >> 8), UInt8(sequence & 0xff)] + payload
        let sum = checksum(bytes)
        bytes[2] = UInt8(sum >> 8)
        bytes[3] = UInt8(sum & 0xff)
        return bytes
    }

    /// The echo reply in an IPv4 datagram as a raw socket reads it, or nil for anything else
    /// (another ICMP type, a truncated datagram, a bad checksum, not IPv4 or not ICMP).
    public static func reply(in datagram: some Collection<UInt8>) -> Reply? {
        let d = Array(datagram)
        guard d.count >= 20, d[0] >> 4 == 4, d[9] == 1 else { return nil }   // version 4, protocol ICMP
        let headerLength = Int(d[0] & 0x0f) * 4
        guard headerLength >= 20, d.count >= headerLength + 8 else { return nil }
        let icmp = Array(d[headerLength...])
        guard icmp[0] == echoReply, icmp[1] == 0, checksum(icmp) == 0 else { return nil }
        return Reply(source: Array(d[12..<16]),
                     identifier: UInt16(icmp[4]) << 8 | UInt16(icmp[5]),
                     sequence: UInt16(icmp[6]) << 8 | UInt16(icmp[7]))
    }

    /// The Internet checksum (RFC 1071): the ones' complement of the ones' complement sum of the
    /// 16-bit words (an odd last octet padded with zero). Over a message that carries its
    /// checksum, the result is 0.
    public static func checksum(_ bytes: [UInt8]) -> UInt16 {
        var sum: UInt32 = 0
        var i = 0
        while i + 1 < bytes.count {
            sum += UInt32(bytes[i]) << 8 | UInt32(bytes[i + 1])
            i += 2
        }
        if i < bytes.count { sum += UInt32(bytes[i]) << 8 }
        while sum >> 16 != 0 { sum = (sum & 0xffff) + (sum >> 16) }
        return ~UInt16(sum)
    }
}
