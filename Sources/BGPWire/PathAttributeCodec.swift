import NIOCore
import IPAddressing

/// What became of one received attribute (RFC 7606).
enum ReceivedAttribute {
    case keep(PathAttribute)
    /// Unknown optional non-transitive: quietly ignored (RFC 4271 section 5).
    case ignore
    /// Malformed, handled by attribute discard or treat-as-withdraw (the error says which).
    case malformed(BGPError)
}

extension PathAttribute {
    /// Decodes one attribute value. `whole` is the entire attribute (flags, type, length, value),
    /// which RFC 4271 section 6.3 puts in the NOTIFICATION data. Throws only what resets the session.
    static func decode(flags: AttributeFlags, type code: UInt8, value: ByteBuffer, whole: ByteBuffer,
                       context: CodecContext) throws(BGPError) -> ReceivedAttribute {
        let type = AttributeType(code)
        let length = value.readableBytes
        var value = value
        let data = { Array(whole.readableBytesView) }

        guard let expected = AttributeSpec.expectedFlags(type) else {
            guard flags.contains(.optional) else {
                throw BGPError.update(.unrecognizedWellKnownAttribute, data: data(), attribute: type,
                                      "unrecognized well-known attribute type \(code)")
            }
            guard flags.contains(.transitive) else { return .ignore }
            return .keep(PathAttribute(flags: flags, value: .unknown(type: code, value: Array(value.readableBytesView))))
        }
        let action = AttributeSpec.action(for: type, context: context)
        func malformed(_ subcode: UpdateErrorSubcode, data: [UInt8]? = nil, _ reason: String) throws(BGPError) -> ReceivedAttribute {
            let error = BGPError.update(subcode, data: data ?? Array(whole.readableBytesView), action: action,
                                        attribute: type, "\(type): \(reason)")
            if action == .sessionReset { throw error }
            return .malformed(error)
        }
        func badLength(_ rule: String) throws(BGPError) -> ReceivedAttribute {
            try malformed(.attributeLengthError, "length \(length), \(rule)")
        }

        // RFC 7606 sections 7.5, 7.9, 7.10: from an external peer these are discarded, well formed or not.
        if context.externalPeer, type == .localPref || type == .originatorID || type == .clusterList {
            let wellFormed = type == .clusterList ? length > 0 && length % 4 == 0 : length == 4
            return wellFormed ? .ignore : try badLength(type == .clusterList ? "must be a non-zero multiple of 4" : "must be 4")
        }
        // RFC 6793 section 6: a NEW speaker discards AS4_PATH/AS4_AGGREGATOR from another NEW speaker.
        if context.fourOctetAS, type == .as4Path || type == .as4Aggregator { return .ignore }

        // RFC 7606 section 3 c: the Optional and Transitive bits must match the definition.
        guard flags.intersection(.optionalTransitive) == expected else {
            return try malformed(.attributeFlagsError, "flags 0x\(String(flags.rawValue, radix: 16)) conflict with its definition")
        }

        let v: Value
        switch type {
        case .origin:
            guard length == 1 else { return try badLength("must be 1") }
            let raw = value.readInteger(as: UInt8.self)!
            guard let origin = Origin(rawValue: raw) else {
                return try malformed(.invalidOriginAttribute, "undefined value \(raw)")
            }
            v = .origin(origin)
        case .asPath:
            guard let path = ASPath.decode(&value, asnSize: context.fourOctetAS ? 4 : 2) else {
                return try malformed(.malformedASPath, data: [], "malformed segment")
            }
            if context.externalPeer, path.hasConfederationSegments {
                return try malformed(.malformedASPath, data: [], "confederation segment from an external peer")
            }
            v = .asPath(path)
        case .nextHop:
            guard length == 4 else { return try badLength("must be 4") }
            let a = IPv4Address(value.readInteger(as: UInt32.self)!)
            // RFC 4271 section 6.3: a semantically incorrect NEXT_HOP.
            guard a.value != 0, !a.isLoopback, !a.isMulticast, a.value != .max else {
                return try malformed(.invalidNextHopAttribute, "\(a) cannot be a next hop")
            }
            v = .nextHop(a)
        case .multiExitDisc:
            guard length == 4 else { return try badLength("must be 4") }
            v = .multiExitDisc(value.readInteger(as: UInt32.self)!)
        case .localPref:
            guard length == 4 else { return try badLength("must be 4") }
            v = .localPref(value.readInteger(as: UInt32.self)!)
        case .atomicAggregate:
            guard length == 0 else { return try badLength("must be 0") }
            v = .atomicAggregate
        case .aggregator:
            let size = context.fourOctetAS ? 8 : 6
            guard length == size else { return try badLength("must be \(size)") }
            let asn = context.fourOctetAS ? value.readInteger(as: UInt32.self)! : UInt32(value.readInteger(as: UInt16.self)!)
            v = .aggregator(Aggregator(asn: asn, address: IPv4Address(value.readInteger(as: UInt32.self)!)))
        case .communities:
            guard length > 0, length % 4 == 0 else { return try badLength("must be a non-zero multiple of 4") }
            v = .communities((0..<length / 4).map { _ in Community(rawValue: value.readInteger(as: UInt32.self)!) })
        case .originatorID:
            guard length == 4 else { return try badLength("must be 4") }
            v = .originatorID(IPv4Address(value.readInteger(as: UInt32.self)!))
        case .clusterList:
            guard length > 0, length % 4 == 0 else { return try badLength("must be a non-zero multiple of 4") }
            v = .clusterList((0..<length / 4).map { _ in value.readInteger(as: UInt32.self)! })
        case .mpReachNLRI:
            v = .mpReachNLRI(try MPReachNLRI.decode(&value, whole: whole, addPath: context.addPath))
        case .mpUnreachNLRI:
            v = .mpUnreachNLRI(try MPUnreachNLRI.decode(&value, whole: whole, addPath: context.addPath))
        case .extendedCommunities:
            guard length > 0, length % 8 == 0 else { return try badLength("must be a non-zero multiple of 8") }
            v = .extendedCommunities((0..<length / 8).map { _ in ExtendedCommunity(rawValue: value.readInteger(as: UInt64.self)!) })
        case .as4Path:
            // RFC 6793 section 6: malformed if shorter than one segment of one AS, or not a whole number of segments.
            guard length >= 6, let path = ASPath.decode(&value, asnSize: 4) else {
                return try malformed(.malformedASPath, data: [], "malformed segment")
            }
            // RFC 6793 section 6: confederation segments make AS4_PATH malformed.
            guard !path.hasConfederationSegments else {
                return try malformed(.malformedASPath, data: [], "confederation segment in AS4_PATH")
            }
            v = .as4Path(path)
        case .as4Aggregator:
            guard length == 8 else { return try badLength("must be 8") }
            v = .as4Aggregator(Aggregator(asn: value.readInteger(as: UInt32.self)!,
                                          address: IPv4Address(value.readInteger(as: UInt32.self)!)))
        case .largeCommunities:
            guard length > 0, length % 12 == 0 else { return try badLength("must be a non-zero multiple of 12") }
            v = .largeCommunities((0..<length / 12).map { _ in
                LargeCommunity(value.readInteger(as: UInt32.self)!, value.readInteger(as: UInt32.self)!,
                               value.readInteger(as: UInt32.self)!)
            })
        default:
            // expectedFlags knows exactly the types above.
            return .ignore
        }
        return .keep(PathAttribute(flags: flags, value: v))
    }

    /// Octets of the value as `encodeValue` writes them.
    func valueLength(context: CodecContext) -> Int {
        switch value {
        case .origin: 1
        case .asPath(let p): p.encodedLength(asnSize: context.fourOctetAS ? 4 : 2)
        case .nextHop, .multiExitDisc, .localPref, .originatorID: 4
        case .atomicAggregate: 0
        case .aggregator: context.fourOctetAS ? 8 : 6
        case .communities(let c): 4 * c.count
        case .clusterList(let c): 4 * c.count
        case .mpReachNLRI(let m): 5 + m.nextHop.encodedLength + PrefixCodec.encodedLength(m.nlri, pathIDs: m.pathIDs)
        case .mpUnreachNLRI(let m): 3 + PrefixCodec.encodedLength(m.withdrawn, pathIDs: m.pathIDs)
        case .extendedCommunities(let c): 8 * c.count
        case .as4Path(let p): p.encodedLength(asnSize: 4)
        case .as4Aggregator: 8
        case .largeCommunities(let c): 12 * c.count
        case .unknown(_, let b): b.count
        }
    }

    /// Writes flags, type, length and value (RFC 4271 section 4.3), setting Extended Length when needed.
    func encode(into buffer: inout ByteBuffer, context: CodecContext) {
        let length = valueLength(context: context)
        var flags = flags
        if length > 255 { flags.insert(.extendedLength) }
        buffer.writeInteger(flags.rawValue)
        buffer.writeInteger(type.rawValue)
        if flags.contains(.extendedLength) { buffer.writeInteger(UInt16(length)) } else { buffer.writeInteger(UInt8(length)) }
        switch value {
        case .origin(let o): buffer.writeInteger(o.rawValue)
        case .asPath(let p): p.encode(into: &buffer, asnSize: context.fourOctetAS ? 4 : 2)
        case .nextHop(let a), .originatorID(let a): buffer.writeInteger(a.value)
        case .multiExitDisc(let n), .localPref(let n): buffer.writeInteger(n)
        case .atomicAggregate: break
        case .aggregator(let a):
            if context.fourOctetAS { buffer.writeInteger(a.asn) } else { buffer.writeInteger(ASPath.twoOctet(a.asn)) }
            buffer.writeInteger(a.address.value)
        case .communities(let c): for x in c { buffer.writeInteger(x.rawValue) }
        case .clusterList(let c): for x in c { buffer.writeInteger(x) }
        case .mpReachNLRI(let m): m.encodeValue(into: &buffer)
        case .mpUnreachNLRI(let m): m.encodeValue(into: &buffer)
        case .extendedCommunities(let c): for x in c { buffer.writeInteger(x.rawValue) }
        case .as4Path(let p): p.encode(into: &buffer, asnSize: 4)
        case .as4Aggregator(let a): buffer.writeInteger(a.asn); buffer.writeInteger(a.address.value)
        case .largeCommunities(let c):
            for x in c {
                buffer.writeInteger(x.globalAdministrator); buffer.writeInteger(x.localData1); buffer.writeInteger(x.localData2)
            }
        case .unknown(_, let b): buffer.writeBytes(b)
        }
    }
}

extension ASPath {
    /// Decodes path segments of `asnSize`-octet ASNs; nil if malformed (RFC 7606 section 7.2:
    /// an unknown segment type, a zero-length segment, an overrun, or a single trailing octet).
    static func decode(_ value: inout ByteBuffer, asnSize: Int) -> ASPath? {
        var segments: [Segment] = []
        while value.readableBytes > 0 {
            guard let rawType = value.readInteger(as: UInt8.self), let count = value.readInteger(as: UInt8.self),
                  let type = SegmentType(rawValue: rawType), count > 0,
                  value.readableBytes >= Int(count) * asnSize else { return nil }
            var asns: [UInt32] = []
            asns.reserveCapacity(Int(count))
            for _ in 0..<count {
                asns.append(asnSize == 4 ? value.readInteger(as: UInt32.self)! : UInt32(value.readInteger(as: UInt16.self)!))
            }
            segments.append(Segment(type, asns))
        }
        return ASPath(segments)
    }

    /// A 4-octet AS as it must appear in a 2-octet field: AS_TRANS if it does not fit (RFC 6793 section 4.2.2).
    static func twoOctet(_ asn: UInt32) -> UInt16 { asn <= UInt16.max ? UInt16(asn) : OpenMessage.asTrans }

    func encodedLength(asnSize: Int) -> Int {
        segments.reduce(0) { total, s in
            let chunks = max(1, (s.asns.count + 254) / 255)
            return total + 2 * chunks + asnSize * s.asns.count
        }
    }

    /// Writes the segments; one longer than 255 ASNs becomes several of the same type.
    func encode(into buffer: inout ByteBuffer, asnSize: Int) {
        for s in segments {
            var rest = s.asns[...]
            repeat {
                let chunk = rest.prefix(255)
                rest = rest.dropFirst(chunk.count)
                buffer.writeInteger(s.type.rawValue)
                buffer.writeInteger(UInt8(chunk.count))
                for asn in chunk {
                    if asnSize == 4 { buffer.writeInteger(asn) } else { buffer.writeInteger(Self.twoOctet(asn)) }
                }
            } while !rest.isEmpty
        }
    }
}

extension MPReachNLRI {
    /// RFC 4760 section 3 and RFC 7606 section 7.11: a malformed MP_REACH_NLRI resets the session.
    static func decode(_ value: inout ByteBuffer, whole: ByteBuffer, addPath: Set<AddressFamily>) throws(BGPError) -> MPReachNLRI {
        func fail(_ subcode: UpdateErrorSubcode, _ reason: String) -> BGPError {
            .update(subcode, data: subcode == .invalidNetworkField ? [] : Array(whole.readableBytesView), "MP_REACH_NLRI: \(reason)")
        }
        guard value.readableBytes >= 5 else { throw fail(.optionalAttributeError, "\(value.readableBytes) octets, fewer than 5") }
        let afi = AFI(rawValue: value.readInteger(as: UInt16.self)!)
        let safi = SAFI(rawValue: value.readInteger(as: UInt8.self)!)
        let nhLength = Int(value.readInteger(as: UInt8.self)!)
        guard value.readableBytes >= nhLength + 1, var nh = value.readSlice(length: nhLength) else {
            throw fail(.optionalAttributeError, "next hop length \(nhLength) overruns the attribute")
        }
        value.moveReaderIndex(forwardBy: 1)  // Reserved (formerly Number of SNPAs): ignored
        let family = AddressFamily(afi: afi, safi: safi)
        guard family.hasPrefixNLRI else {
            return MPReachNLRI(family: family, nextHop: .opaque(Array(nh.readableBytesView)),
                               nlri: .opaque(Array(value.readableBytesView)))
        }
        let nextHop: NextHop
        switch (afi, nhLength) {
        case (.ipv4, 4): nextHop = .ipv4(IPv4Address(nh.readInteger(as: UInt32.self)!))
        case (_, 16): nextHop = .ipv6(IPv6Address(octets: nh.readableBytesView), linkLocal: nil)
        case (_, 32):
            let octets = Array(nh.readableBytesView)
            nextHop = .ipv6(IPv6Address(octets: octets[..<16]), linkLocal: IPv6Address(octets: octets[16...]))
        default:
            throw fail(.optionalAttributeError, "next hop length \(nhLength) is wrong for \(family)")
        }
        let (nlri, ids) = try NLRI.decode(value, afi: afi, addPath: addPath.contains(family), attribute: "MP_REACH_NLRI")
        return MPReachNLRI(family: family, nextHop: nextHop, nlri: nlri, pathIDs: ids)
    }

    func encodeValue(into buffer: inout ByteBuffer) {
        buffer.writeInteger(family.afi.rawValue)
        buffer.writeInteger(family.safi.rawValue)
        buffer.writeInteger(UInt8(nextHop.encodedLength))
        nextHop.encode(into: &buffer)
        buffer.writeInteger(UInt8(0))
        PrefixCodec.write(nlri, pathIDs: pathIDs, into: &buffer)
    }
}

extension MPUnreachNLRI {
    static func decode(_ value: inout ByteBuffer, whole: ByteBuffer, addPath: Set<AddressFamily>) throws(BGPError) -> MPUnreachNLRI {
        guard value.readableBytes >= 3 else {
            throw BGPError.update(.optionalAttributeError, data: Array(whole.readableBytesView),
                                  "MP_UNREACH_NLRI: \(value.readableBytes) octets, fewer than 3")
        }
        let afi = AFI(rawValue: value.readInteger(as: UInt16.self)!)
        let family = AddressFamily(afi: afi, safi: SAFI(rawValue: value.readInteger(as: UInt8.self)!))
        guard family.hasPrefixNLRI else {
            return MPUnreachNLRI(family: family, withdrawn: .opaque(Array(value.readableBytesView)))
        }
        let (nlri, ids) = try NLRI.decode(value, afi: afi, addPath: addPath.contains(family), attribute: "MP_UNREACH_NLRI")
        return MPUnreachNLRI(family: family, withdrawn: nlri, pathIDs: ids)
    }

    func encodeValue(into buffer: inout ByteBuffer) {
        buffer.writeInteger(family.afi.rawValue)
        buffer.writeInteger(family.safi.rawValue)
        PrefixCodec.write(withdrawn, pathIDs: pathIDs, into: &buffer)
    }
}

extension NLRI {
    /// Prefixes of `afi` filling `region`, with their Path Identifiers under ADD-PATH; a bad prefix
    /// is an Invalid Network Field (RFC 7606 section 5.3).
    static func decode(_ region: ByteBuffer, afi: AFI, addPath: Bool, attribute: String) throws(BGPError) -> (NLRI, [UInt32]) {
        var ids: [UInt32] = []
        if afi == .ipv4 {
            var out: [IPv4Prefix] = []
            guard PrefixCodec.decodeIPv4(region, into: &out, pathIDs: &ids, addPath: addPath) else {
                throw BGPError.update(.invalidNetworkField, "\(attribute): an IPv4 prefix is longer than 32 bits or truncated")
            }
            return (.ipv4(out), ids)
        }
        var out: [IPv6Prefix] = []
        guard PrefixCodec.decodeIPv6(region, into: &out, pathIDs: &ids, addPath: addPath) else {
            throw BGPError.update(.invalidNetworkField, "\(attribute): an IPv6 prefix is longer than 128 bits or truncated")
        }
        return (.ipv6(out), ids)
    }
}

extension NextHop {
    func encode(into buffer: inout ByteBuffer) {
        switch self {
        case .ipv4(let a): buffer.writeInteger(a.value)
        case .ipv6(let g, let ll):
            buffer.writeInteger(g.high); buffer.writeInteger(g.low)
            if let ll { buffer.writeInteger(ll.high); buffer.writeInteger(ll.low) }
        case .opaque(let b): buffer.writeBytes(b)
        }
    }
}
