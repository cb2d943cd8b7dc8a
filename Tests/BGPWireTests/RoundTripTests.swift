import SeededRandom
import Testing
import NIOCore
@testable import BGPWire
import IPAddressing

/// Property: for generated messages, decode(encode(m)) == m, and the framer cuts a stream of them
/// back into the same messages whatever the split.
@Suite struct RoundTripTests {
    struct Generator {
        var rng: SplitMix64

        mutating func int<T: FixedWidthInteger>(_: T.Type = T.self) -> T { T.random(in: .min ... .max, using: &rng) }
        mutating func int(_ range: ClosedRange<Int>) -> Int { Int.random(in: range, using: &rng) }
        mutating func bool() -> Bool { Bool.random(using: &rng) }

        mutating func ipv4Prefix() -> IPv4Prefix { IPv4Prefix(IPv4Address(int()), length: UInt8(int(0...32))) }
        mutating func ipv6Prefix() -> IPv6Prefix {
            IPv6Prefix(IPv6Address(high: int(), low: int()), length: UInt8(int(0...128)))
        }
        mutating func nextHop() -> IPv4Address { IPv4Address(UInt32(int(0x0100_0000...0x7EFF_FFFF))) }

        mutating func asPath() -> ASPath {
            ASPath((0..<int(0...3)).map { _ in
                ASPath.Segment([.asSequence, .asSet][int(0...1)], (0..<int(1...6)).map { _ in int(UInt32.self) })
            })
        }

        mutating func attributes(ipv6: Bool) -> PathAttributes {
            var a = PathAttributes()
            a.set(.origin([Origin.igp, .egp, .incomplete][int(0...2)]))
            a.set(.asPath(asPath()))
            if !ipv6 { a.set(.nextHop(nextHop())) }
            if bool() { a.set(.multiExitDisc(int())) }
            if bool() { a.set(.localPref(int())) }
            if bool() { a.set(.atomicAggregate) }
            if bool() { a.set(.aggregator(Aggregator(asn: int(), address: IPv4Address(int())))) }
            if bool() { a.set(.communities((0..<int(1...40)).map { _ in Community(rawValue: int()) })) }
            if bool() { a.set(.originatorID(IPv4Address(int()))) }
            if bool() { a.set(.clusterList((0..<int(1...5)).map { _ in int() })) }
            if bool() { a.set(.extendedCommunities((0..<int(1...4)).map { _ in ExtendedCommunity(rawValue: int()) })) }
            if bool() { a.set(.largeCommunities((0..<int(1...30)).map { _ in LargeCommunity(int(), int(), int()) })) }
            if bool() { a.set(PathAttribute(flags: [.optional, .transitive, .partial], value: .unknown(type: UInt8(int(100...200)), value: (0..<int(0...300)).map { _ in int() }))) }
            if ipv6 {
                a.set(.mpReachNLRI(MPReachNLRI(
                    family: .ipv6Unicast,
                    nextHop: .ipv6(IPv6Address(high: int(), low: int()), linkLocal: bool() ? IPv6Address(high: 0xFE80 << 48, low: int()) : nil),
                    nlri: .ipv6((0..<int(1...60)).map { _ in ipv6Prefix() }))))
            }
            if bool() { a.set(.mpUnreachNLRI(MPUnreachNLRI(family: .ipv6Unicast, withdrawn: .ipv6((0..<int(0...20)).map { _ in ipv6Prefix() })))) }
            return a
        }

        mutating func message() -> BGPMessage {
            switch int(0...5) {
            case 0: return .keepalive
            case 1:
                return .notification(NotificationMessage(code: NotificationCode(rawValue: UInt8(int(1...8))), subcode: int(),
                                                         data: (0..<int(0...40)).map { _ in int() }))
            case 2:
                return .routeRefresh(RouteRefreshMessage(family: bool() ? .ipv4Unicast : .ipv6Unicast, subtype: .init(rawValue: int())))
            case 3:
                var caps: [Capability] = [.multiprotocol(.ipv4Unicast), .routeRefresh]
                if bool() { caps.append(.gracefulRestart(GracefulRestartCapability(restartState: bool(), notification: bool(), restartTime: UInt16(int(0...4095)), families: [.init(family: .ipv6Unicast, forwardingPreserved: bool())]))) }
                if bool() { caps.append(.fqdn(hostName: "host\(int(0...99))", domainName: bool() ? "" : "example.net")) }
                if bool() { caps.append(.unknown(code: UInt8(int(128...255)), value: (0..<int(0...10)).map { _ in int() })) }
                if bool() { caps.append(.addPath([AddPathTuple(family: .ipv4Unicast, direction: [.send, .receive])])) }
                let open = OpenMessage(autonomousSystem: int(), holdTime: int(), bgpIdentifier: IPv4Address(int()), capabilities: caps)
                return .open(open)
            default:
                let ipv6 = bool()
                return .update(UpdateMessage(
                    withdrawnRoutes: (0..<int(0...30)).map { _ in ipv4Prefix() },
                    attributes: attributes(ipv6: ipv6),
                    nlri: ipv6 ? [] : (0..<int(1...200)).map { _ in ipv4Prefix() }))
            }
        }
    }

    @Test(arguments: [CodecContext(), CodecContext(fourOctetAS: false)])
    func decodeOfEncodeIsIdentity(context: CodecContext) throws {
        var g = Generator(rng: SplitMix64(seed: context.fourOctetAS ? 7 : 11))
        for _ in 0..<2000 {
            var m = g.message()
            if !context.fourOctetAS, case .update(var u) = m {
                // 2-octet sessions carry only 2-octet ASNs: wider ones become AS_TRANS on the wire.
                if let p = u.attributes.asPath {
                    u.attributes.set(.asPath(ASPath(p.segments.map { .init($0.type, $0.asns.map { $0 & 0xFFFF }) })))
                }
                if let a = u.attributes.aggregator { u.attributes.set(.aggregator(Aggregator(asn: a.asn & 0xFFFF, address: a.address))) }
                m = .update(u)
            }
            let bytes = m.encoded(context: context)
            guard bytes.count <= 4096 else { continue }
            let decoded = try BGPMessage.decode(bytes: bytes, context: context)
            // The encoder sets Extended Length on values over 255 octets; that is the only change allowed.
            #expect(withoutExtendedLength(decoded) == withoutExtendedLength(m), "\(m.type) of \(bytes.count) octets")
            if withoutExtendedLength(decoded) != withoutExtendedLength(m) { return }
        }
    }

    @Test func streamOfMessagesSurvivesRandomSplits() throws {
        var g = Generator(rng: SplitMix64(seed: 42))
        let messages = (0..<300).map { _ in g.message() }.filter { $0.encoded(context: CodecContext()).count <= 4096 }
        let stream = messages.flatMap { $0.encoded(context: CodecContext()) }
        var framer = BGPFramer()
        var decoded: [BGPMessage] = []
        var i = 0
        while i < stream.count {
            let n = g.int(1...600)
            framer.append(stream[i..<min(i + n, stream.count)])
            i += n
            while let raw = try framer.next() { decoded.append(try BGPMessage.decode(raw, context: CodecContext())) }
        }
        #expect(decoded.count == messages.count)
        #expect(decoded.map(withoutExtendedLength) == messages.map(withoutExtendedLength), "stream of \(stream.count) octets")
    }

    func withoutExtendedLength(_ m: BGPMessage) -> BGPMessage {
        guard case .update(var u) = m else { return m }
        u.attributes = PathAttributes(u.attributes.list.map { a in
            var a = a
            a.flags.remove(.extendedLength)
            return a
        })
        return .update(u)
    }
}
