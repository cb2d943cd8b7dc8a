import Lab
import Testing
import TestScheduling

/// The pieces of `routed-lab-bench` that decide its figures: the echo packets it sends and
/// accepts, and the percentiles it quotes.
@Suite("Lab benchmark: echo packets and percentiles", .blockingWork)
struct BenchmarkMathTests {
    @Test("an echo request is type 8, code 0, the checksum, identifier and sequence, then the payload")
    func request() {
        let packet = EchoPacket.request(identifier: 0x1234, sequence: 0x0001, payload: [0xab, 0xcd])
        #expect(packet == [0x08, 0x00,     // type 8 (echo request), code 0
                           0x39, 0xfd,     // checksum: ~(0x0800 + 0x1234 + 0x0001 + 0xabcd) folded
                           0x12, 0x34,     // identifier
                           0x00, 0x01,     // sequence number
                           0xab, 0xcd])    // payload
        #expect(EchoPacket.checksum(packet) == 0, "a message carrying its checksum sums to zero")
    }

    /// An IPv4 datagram from 10.244.0.5 carrying `icmp`, as a raw socket reads it.
    func datagram(_ icmp: [UInt8], headerWords: UInt8 = 5, protocolNumber: UInt8 = 1) -> [UInt8] {
        var header: [UInt8] = [0x40 | headerWords, 0x00,           // version 4, IHL; DSCP/ECN
                               0x00, UInt8(20 + icmp.count),        // total length
                               0x00, 0x00, 0x00, 0x00,              // identification, flags, fragment offset
                               0x40, protocolNumber, 0x00, 0x00,    // TTL 64, protocol, header checksum (not checked)
                               10, 244, 0, 5,                       // source 10.244.0.5
                               10, 244, 1, 9]                       // destination
        header += Array(repeating: 0x01, count: Int(headerWords - 5) * 4)   // options (NOPs)
        return header + icmp
    }

    /// `request` turned into its reply: type 0, checksum adjusted by the type's difference.
    func reply(identifier: UInt16, sequence: UInt16) -> [UInt8] {
        var icmp = EchoPacket.request(identifier: identifier, sequence: sequence, payload: [1, 2, 3])
        icmp[0] = EchoPacket.echoReply
        icmp[2] = 0; icmp[3] = 0
        let sum = EchoPacket.checksum(icmp)
        icmp[2] = UInt8(sum >> 8); icmp[3] = UInt8(sum & 0xff)
        return icmp
    }

    @Test("an echo reply is read after the IP header, options included")
    func replies() {
        let expected = EchoPacket.Reply(source: [10, 244, 0, 5], identifier: 0xbeef, sequence: 7)
        #expect(EchoPacket.reply(in: datagram(reply(identifier: 0xbeef, sequence: 7))) == expected)
        #expect(EchoPacket.reply(in: datagram(reply(identifier: 0xbeef, sequence: 7), headerWords: 6)) == expected)
    }

    /// Ways a datagram is not an echo reply.
    enum Damage: String, CaseIterable, Sendable {
        case echoRequest = "an echo request (type 8)"
        case badChecksum = "a bad ICMP checksum"
        case notICMP = "not ICMP (protocol 17)"
        case notIPv4 = "not IPv4 (version 6)"
        case truncated = "a truncated ICMP header"
        case headerBeyondDatagram = "an IHL beyond the datagram"

        func apply(_ d: [UInt8]) -> [UInt8] {
            var d = d
            switch self {
            case .echoRequest: d[20] = EchoPacket.echoRequest
            case .badChecksum: d[22] ^= 0xff
            case .notICMP: d[9] = 17
            case .notIPv4: d[0] = 0x65
            case .truncated: d = Array(d.prefix(26))
            case .headerBeyondDatagram: d[0] = 0x4f
            }
            return d
        }
    }

    @Test("anything but a well-formed echo reply is not one", arguments: Damage.allCases)
    func notReplies(damage: Damage) {
        #expect(EchoPacket.reply(in: damage.apply(datagram(reply(identifier: 1, sequence: 1)))) == nil, "\(damage.rawValue)")
    }

    @Test("nearest-rank percentiles and the median", arguments: [
        ([4.0, 1, 3, 2], 2.0, 4.0, 2.5),
        ([5.0], 5.0, 5.0, 5.0),
        ((1...100).map(Double.init), 50.0, 99.0, 50.5),
        ((1...200).map(Double.init), 100.0, 198.0, 100.5),
    ] as [([Double], Double, Double, Double)])
    func percentiles(samples: [Double], p50: Double, p99: Double, median: Double) throws {
        let p = try #require(Percentiles(samples))
        #expect((p.p50, p.p99, p.min, p.max, p.count) == (p50, p99, samples.min()!, samples.max()!, samples.count))
        #expect(Percentiles.median(samples) == median)
    }

    @Test("no samples, no percentiles")
    func empty() {
        #expect(Percentiles([]) == nil && Percentiles.median([]) == nil)
    }
}
