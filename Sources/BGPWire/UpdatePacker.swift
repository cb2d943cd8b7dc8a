public import NIOCore
public import IPAddressing

/// Builds UPDATEs that carry as many prefixes as fit in one message: 4096 octets, or 65535 once
/// extended messages are negotiated (RFC 8654). Attributes are encoded once per group and copied
/// into each message; IPv4 unicast NLRI go in the NLRI field, everything else in MP_REACH_NLRI /
/// MP_UNREACH_NLRI placed first among the attributes (RFC 7606 section 5.1).
public struct UpdatePacker: Sendable {
    public var context: CodecContext

    public init(context: CodecContext) { self.context = context }

    /// The attributes leave no room for even one prefix in a message.
    public struct AttributesTooLarge: Error, Hashable, Sendable, CustomStringConvertible {
        public var attributeOctets: Int
        public var maxMessageLength: Int
        public var description: String {
            "path attributes of \(attributeOctets) octets leave no room for NLRI in a \(maxMessageLength)-octet message"
        }
    }

    /// One group of routes that share their attributes.
    public struct Announcement: Sendable {
        public var attributes: PathAttributes
        /// Required for IPv6 prefixes and for IPv4 over an IPv6 next hop (RFC 8950); IPv4 NLRI with
        /// no next hop here use the NEXT_HOP attribute in `attributes`.
        public var nextHop: NextHop?
        public var ipv4: [IPv4Prefix]
        public var ipv6: [IPv6Prefix]

        public init(attributes: PathAttributes, nextHop: NextHop? = nil, ipv4: [IPv4Prefix] = [], ipv6: [IPv6Prefix] = []) {
            self.attributes = attributes
            self.nextHop = nextHop
            self.ipv4 = ipv4
            self.ipv6 = ipv6
        }
    }

    /// Groups `(prefix, attributes, next hop)` routes by identical attributes and next hop, in order of first appearance.
    public static func group(_ routes: [(prefix: IPPrefix, attributes: PathAttributes, nextHop: NextHop?)]) -> [Announcement] {
        struct Key: Hashable { var attributes: PathAttributes; var nextHop: NextHop? }
        var index: [Key: Int] = [:]
        var groups: [Announcement] = []
        for route in routes {
            let key = Key(attributes: route.attributes, nextHop: route.nextHop)
            let i: Int
            if let found = index[key] { i = found } else {
                i = groups.count
                index[key] = i
                groups.append(Announcement(attributes: route.attributes, nextHop: route.nextHop))
            }
            switch route.prefix {
            case .v4(let p): groups[i].ipv4.append(p)
            case .v6(let p): groups[i].ipv6.append(p)
            }
        }
        return groups
    }

    private var maxLength: Int { context.maxMessageLength }

    /// Appends UPDATEs withdrawing `ipv4` in the Withdrawn Routes field; returns the message count.
    @discardableResult
    public func withdraw(ipv4 prefixes: [IPv4Prefix], into buffer: inout ByteBuffer) -> Int {
        var next = 0, messages = 0
        while next < prefixes.count {
            let start = BGPHeader.begin(.update, in: &buffer)
            let lengthAt = buffer.writerIndex
            buffer.writeInteger(UInt16(0))
            next = PrefixCodec.write(prefixes, from: next, room: maxLength - BGPHeader.length - 4, into: &buffer)
            buffer.setInteger(UInt16(buffer.writerIndex - lengthAt - 2), at: lengthAt)
            buffer.writeInteger(UInt16(0))  // Total Path Attribute Length
            BGPHeader.finish(at: start, in: &buffer)
            messages += 1
        }
        return messages
    }

    /// Appends UPDATEs withdrawing `ipv6` in MP_UNREACH_NLRI; returns the message count.
    @discardableResult
    public func withdraw(ipv6 prefixes: [IPv6Prefix], into buffer: inout ByteBuffer) -> Int {
        var next = 0, messages = 0
        while next < prefixes.count {
            let start = BGPHeader.begin(.update, in: &buffer)
            buffer.writeInteger(UInt16(0))  // Withdrawn Routes Length
            let attributesAt = buffer.writerIndex
            buffer.writeInteger(UInt16(0))
            let attributeAt = beginMPAttribute(.mpUnreachNLRI, in: &buffer)
            buffer.writeInteger(AFI.ipv6.rawValue)
            buffer.writeInteger(SAFI.unicast.rawValue)
            next = PrefixCodec.write(prefixes, from: next, room: maxLength - (buffer.writerIndex - start), into: &buffer)
            finishMPAttribute(at: attributeAt, in: &buffer)
            buffer.setInteger(UInt16(buffer.writerIndex - attributesAt - 2), at: attributesAt)
            BGPHeader.finish(at: start, in: &buffer)
            messages += 1
        }
        return messages
    }

    /// Appends UPDATEs announcing the group's prefixes; returns the message count.
    @discardableResult
    public func announce(_ group: Announcement, into buffer: inout ByteBuffer) throws(AttributesTooLarge) -> Int {
        var shared = ByteBufferAllocator().buffer(capacity: 128)
        for a in group.attributes.list where a.type != .mpReachNLRI && a.type != .mpUnreachNLRI {
            a.encode(into: &shared, context: context)
        }
        var messages = 0
        if !group.ipv4.isEmpty {
            if let nh = group.nextHop, case .ipv6 = nh {
                messages += try announceMP(group.ipv4, family: .ipv4Unicast, nextHop: nh, shared: shared, into: &buffer)
            } else {
                messages += try announceIPv4(group.ipv4, shared: shared, into: &buffer)
            }
        }
        if !group.ipv6.isEmpty {
            messages += try announceMP(group.ipv6, family: .ipv6Unicast, nextHop: group.nextHop ?? .ipv6(.any, linkLocal: nil),
                                       shared: shared, into: &buffer)
        }
        return messages
    }

    private func announceIPv4(_ prefixes: [IPv4Prefix], shared: ByteBuffer, into buffer: inout ByteBuffer) throws(AttributesTooLarge) -> Int {
        let room = maxLength - BGPHeader.length - 4 - shared.readableBytes
        guard room >= 5 else { throw AttributesTooLarge(attributeOctets: shared.readableBytes, maxMessageLength: maxLength) }
        var next = 0, messages = 0
        while next < prefixes.count {
            let start = BGPHeader.begin(.update, in: &buffer)
            buffer.writeInteger(UInt16(0))
            buffer.writeInteger(UInt16(shared.readableBytes))
            buffer.writeImmutableBuffer(shared)
            next = PrefixCodec.write(prefixes, from: next, room: room, into: &buffer)
            BGPHeader.finish(at: start, in: &buffer)
            messages += 1
        }
        return messages
    }

    private func announceMP<P: PackablePrefix>(_ prefixes: [P], family: AddressFamily, nextHop: NextHop, shared: ByteBuffer,
                                               into buffer: inout ByteBuffer) throws(AttributesTooLarge) -> Int {
        // Header, two length fields, the MP_REACH_NLRI header (4) with AFI, SAFI, next hop and reserved.
        let fixed = BGPHeader.length + 4 + 4 + 5 + nextHop.encodedLength + shared.readableBytes
        let room = maxLength - fixed
        guard room >= P.maxWireLength else {
            throw AttributesTooLarge(attributeOctets: fixed - BGPHeader.length - 4, maxMessageLength: maxLength)
        }
        var next = 0, messages = 0
        while next < prefixes.count {
            let start = BGPHeader.begin(.update, in: &buffer)
            buffer.writeInteger(UInt16(0))
            let attributesAt = buffer.writerIndex
            buffer.writeInteger(UInt16(0))
            let attributeAt = beginMPAttribute(.mpReachNLRI, in: &buffer)
            buffer.writeInteger(family.afi.rawValue)
            buffer.writeInteger(family.safi.rawValue)
            buffer.writeInteger(UInt8(nextHop.encodedLength))
            nextHop.encode(into: &buffer)
            buffer.writeInteger(UInt8(0))
            next = P.write(prefixes, from: next, room: room, into: &buffer)
            finishMPAttribute(at: attributeAt, in: &buffer)
            buffer.writeImmutableBuffer(shared)
            buffer.setInteger(UInt16(buffer.writerIndex - attributesAt - 2), at: attributesAt)
            BGPHeader.finish(at: start, in: &buffer)
            messages += 1
        }
        return messages
    }

    /// Writes an optional non-transitive attribute header with a 2-octet length to be patched.
    private func beginMPAttribute(_ type: AttributeType, in buffer: inout ByteBuffer) -> Int {
        let at = buffer.writerIndex
        buffer.writeInteger(AttributeFlags([.optional, .extendedLength]).rawValue)
        buffer.writeInteger(type.rawValue)
        buffer.writeInteger(UInt16(0))
        return at
    }

    private func finishMPAttribute(at: Int, in buffer: inout ByteBuffer) {
        buffer.setInteger(UInt16(buffer.writerIndex - at - 4), at: at + 2)
    }
}

/// The two prefix types the packer writes.
protocol PackablePrefix {
    static var maxWireLength: Int { get }
    static func write(_ prefixes: [Self], from: Int, room: Int, into: inout ByteBuffer) -> Int
}

extension IPv4Prefix: PackablePrefix {
    static var maxWireLength: Int { 5 }
    static func write(_ prefixes: [IPv4Prefix], from: Int, room: Int, into buffer: inout ByteBuffer) -> Int {
        PrefixCodec.write(prefixes, from: from, room: room, into: &buffer)
    }
}

extension IPv6Prefix: PackablePrefix {
    static var maxWireLength: Int { 17 }
    static func write(_ prefixes: [IPv6Prefix], from: Int, room: Int, into buffer: inout ByteBuffer) -> Int {
        PrefixCodec.write(prefixes, from: from, room: room, into: &buffer)
    }
}
