import Testing
import NIOCore
@testable import BGPWire
import IPAddressing

/// The packer fills each UPDATE up to the negotiated limit and never over it.
@Suite struct UpdatePackerTests {
    let attributes = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [64512]))),
                                     PathAttribute(.nextHop(IPv4Address(192, 0, 2, 1))),
                                     PathAttribute(.largeCommunities([LargeCommunity(64512, 1, 7)]))])

    func unpack(_ buffer: ByteBuffer, context: CodecContext) throws -> [UpdateMessage] {
        var framer = BGPFramer(maxMessageLength: context.maxMessageLength)
        framer.append(buffer)
        var out: [UpdateMessage] = []
        while let raw = try framer.next() {
            #expect(raw.bytes.readableBytes <= context.maxMessageLength)
            guard case .update(let u) = try BGPMessage.decode(raw, context: context) else { Issue.record("not an UPDATE"); continue }
            out.append(u)
        }
        return out
    }

    /// 4096 - 19 header - 4 length fields - 35 attribute octets leaves 4038 octets: 1009 /24s of 4 octets.
    @Test func ipv4PacksToTheLimit() throws {
        let prefixes = (0..<10_000).map { IPv4Prefix(IPv4Address(UInt32($0) << 8), length: 24) }
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        let packer = UpdatePacker(context: CodecContext())
        let count = try packer.announce(.init(attributes: attributes, ipv4: prefixes), into: &buffer)
        let updates = try unpack(buffer, context: CodecContext())
        #expect(count == updates.count)
        #expect(updates.count == 10)  // ceil(10000 / 1009)
        #expect(updates.first?.nlri.count == 1009)
        #expect(updates.flatMap(\.nlri) == prefixes)
        #expect(updates.allSatisfy { $0.attributes == attributes && $0.errors.isEmpty })
    }

    @Test func extendedMessagesHoldSixteenTimesMore() throws {
        let context = CodecContext(extendedMessage: true)
        let prefixes = (0..<50_000).map { IPv4Prefix(IPv4Address(UInt32($0)), length: 32) }
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        try UpdatePacker(context: context).announce(.init(attributes: attributes, ipv4: prefixes), into: &buffer)
        let updates = try unpack(buffer, context: context)
        #expect(updates.count == 4)  // (65535 - 58) / 5 = 13095 per message
        #expect(updates.flatMap(\.nlri) == prefixes)
    }

    @Test func ipv6GoesInMPReachFirstAndWithdrawalsInMPUnreach() throws {
        let prefixes = (0..<3000).map { IPv6Prefix(IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64($0) << 16, low: 0), length: 64) }
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        var shared = attributes
        shared.remove(.nextHop)
        let packer = UpdatePacker(context: CodecContext())
        try packer.announce(.init(attributes: shared, nextHop: .ipv6(IPv6Address("2001:db8::1")!, linkLocal: IPv6Address("fe80::1")), ipv6: prefixes), into: &buffer)
        packer.withdraw(ipv6: prefixes, into: &buffer)
        packer.withdraw(ipv4: [IPv4Prefix("10.0.0.0/8")!], into: &buffer)
        let updates = try unpack(buffer, context: CodecContext())
        let announcements = updates.filter { $0.attributes.mpReachNLRI != nil }
        #expect(announcements.allSatisfy { $0.attributes.list.first?.type == .mpReachNLRI })
        #expect(announcements.flatMap { $0.announcedPrefixes } == prefixes.map(IPPrefix.v6))
        #expect(announcements.first?.attributes.largeCommunities == [LargeCommunity(64512, 1, 7)])
        let withdrawals = updates.filter { $0.attributes.mpReachNLRI == nil }
        #expect(withdrawals.flatMap(\.withdrawnPrefixes) == prefixes.map(IPPrefix.v6) + [.v4(IPv4Prefix("10.0.0.0/8")!)])
    }

    @Test func groupsRoutesByIdenticalAttributes() {
        var other = attributes
        other.set(.multiExitDisc(5))
        let routes: [(prefix: IPPrefix, attributes: PathAttributes, nextHop: NextHop?)] = [
            (.v4(IPv4Prefix("10.0.0.0/24")!), attributes, nil), (.v4(IPv4Prefix("10.0.1.0/24")!), other, nil),
            (.v4(IPv4Prefix("10.0.2.0/24")!), attributes, nil),
        ]
        let groups = UpdatePacker.group(routes)
        #expect(groups.map(\.ipv4.count) == [2, 1])
        #expect(groups[0].attributes == attributes)
    }

    @Test func attributesThatLeaveNoRoomAreRefused() {
        var huge = attributes
        huge.set(.communities((0..<1020).map { Community(rawValue: UInt32($0)) }))
        var buffer = ByteBufferAllocator().buffer(capacity: 0)
        #expect(throws: UpdatePacker.AttributesTooLarge.self) {
            try UpdatePacker(context: CodecContext()).announce(.init(attributes: huge, ipv4: [IPv4Prefix("10.0.0.0/8")!]), into: &buffer)
        }
        #expect(buffer.readableBytes == 0)
    }
}
