import NIOCore
import IPAddressing

extension UpdateMessage {
    /// Decodes an UPDATE body with the error handling of RFC 7606.
    ///
    /// Throws (session reset) when the message cannot be parsed far enough to find its NLRI
    /// (section 4: withdrawn or attribute lengths overrunning the message; section 5.3: bad prefixes),
    /// for a malformed MP_REACH_NLRI/MP_UNREACH_NLRI (section 7.11), a repeated one (section 3 g) and an
    /// unrecognized well-known attribute. Everything else is recorded in `errors`: treat-as-withdraw
    /// or attribute discard, per attribute as section 7 prescribes.
    static func decode(body: inout ByteBuffer, context: CodecContext) throws(BGPError) -> UpdateMessage {
        // Withdrawn Routes Length (2), Withdrawn Routes, Total Path Attribute Length (2), Path Attributes, NLRI.
        let withdrawnLength = Int(body.readInteger(as: UInt16.self)!)
        guard body.readableBytes >= withdrawnLength + 2, let withdrawnRegion = body.readSlice(length: withdrawnLength) else {
            throw BGPError.update(.malformedAttributeList, "withdrawn routes length \(withdrawnLength) overruns the message")
        }
        let attributesLength = Int(body.readInteger(as: UInt16.self)!)
        guard let attributeRegion = body.readSlice(length: attributesLength) else {
            throw BGPError.update(.malformedAttributeList,
                                  "total path attribute length \(attributesLength) overruns the message")
        }
        let addPath = context.addPath.contains(.ipv4Unicast)
        var update = UpdateMessage()
        guard PrefixCodec.decodeIPv4(withdrawnRegion, into: &update.withdrawnRoutes, pathIDs: &update.withdrawnPathIDs,
                                     addPath: addPath) else {
            throw BGPError.update(.invalidNetworkField, "a withdrawn route is longer than 32 bits or truncated")
        }
        let present = try update.decodeAttributes(attributeRegion, context: context)
        guard PrefixCodec.decodeIPv4(body, into: &update.nlri, pathIDs: &update.nlriPathIDs, addPath: addPath) else {
            throw BGPError.update(.invalidNetworkField, "an NLRI prefix is longer than 32 bits or truncated")
        }
        if let present { update.checkMandatoryAttributes(present: present) }
        return update
    }

    /// Parses the attribute list into `attributes` and `errors`, returning the type codes present.
    /// Returns nil if the list itself was broken (section 4: treat-as-withdraw, the rest unread).
    private mutating func decodeAttributes(_ region: ByteBuffer, context: CodecContext) throws(BGPError) -> AttributeTypeSet? {
        var region = region
        var seen = AttributeTypeSet()
        while region.readableBytes > 0 {
            let start = region.readerIndex
            guard region.readableBytes >= 3, let rawFlags = region.getInteger(at: start, as: UInt8.self) else {
                errors.append(.update(.malformedAttributeList, action: .treatAsWithdraw,
                                      "\(region.readableBytes) octets left in the attribute list cannot start an attribute"))
                return nil
            }
            let flags = AttributeFlags(rawValue: rawFlags)
            let headerLength = flags.contains(.extendedLength) ? 4 : 3
            guard region.readableBytes >= headerLength else {
                errors.append(.update(.malformedAttributeList, action: .treatAsWithdraw,
                                      "\(region.readableBytes) octets left in the attribute list cannot start an attribute"))
                return nil
            }
            let code = region.getInteger(at: start + 1, as: UInt8.self)!
            let length = headerLength == 4 ? Int(region.getInteger(at: start + 2, as: UInt16.self)!)
                                           : Int(region.getInteger(at: start + 2, as: UInt8.self)!)
            guard let whole = region.readSlice(length: min(headerLength + length, region.readableBytes)),
                  whole.readableBytes == headerLength + length else {
                errors.append(.update(.malformedAttributeList, action: .treatAsWithdraw,
                                      "\(AttributeType(code)) length \(length) overruns the attribute list"))
                return nil
            }
            let type = AttributeType(code)
            // RFC 7606 section 3 g: repeated MP attributes reset; other repeats keep the first copy.
            guard seen.insert(code) else {
                if type == .mpReachNLRI || type == .mpUnreachNLRI {
                    throw BGPError.update(.malformedAttributeList, "\(type) appears more than once")
                }
                errors.append(.update(.malformedAttributeList, action: .attributeDiscard, attribute: type,
                                      "\(type) repeated; later copies discarded"))
                continue
            }
            let value = whole.getSlice(at: whole.readerIndex + headerLength, length: length)!
            switch try PathAttribute.decode(flags: flags, type: code, value: value, whole: whole, context: context) {
            case .keep(let attribute): attributes.append(attribute)
            case .ignore: break
            case .malformed(let error): errors.append(error)
            }
        }
        return seen
    }

    /// RFC 7606 section 3 d: an UPDATE that announces something must carry ORIGIN and AS_PATH, and
    /// NEXT_HOP when it has NLRI in the NLRI field (MP_REACH_NLRI carries its own next hop).
    private mutating func checkMandatoryAttributes(present: AttributeTypeSet) {
        let announcesMP = attributes.mpReachNLRI.map { !$0.nlri.isEmpty } ?? false
        guard !nlri.isEmpty || announcesMP else { return }
        var required: [AttributeType] = [.origin, .asPath]
        if !nlri.isEmpty { required.append(.nextHop) }
        // An attribute that was present but malformed has its own error already.
        for type in required where !present.contains(type.rawValue) {
            errors.append(.update(.missingWellKnownAttribute, data: [type.rawValue], action: .treatAsWithdraw, attribute: type,
                                  "well-known mandatory \(type) is missing"))
        }
    }

    func encodeBody(into buffer: inout ByteBuffer, context: CodecContext) {
        let withdrawnAt = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        _ = PrefixCodec.write(withdrawnRoutes, pathIDs: withdrawnPathIDs, from: 0,
                              room: PrefixCodec.encodedLength(withdrawnRoutes, pathIDs: withdrawnPathIDs), into: &buffer)
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - withdrawnAt - 2), at: withdrawnAt)
        let attributesAt = buffer.writerIndex
        buffer.writeInteger(UInt16(0))
        for a in attributes.list { a.encode(into: &buffer, context: context) }
        buffer.setInteger(UInt16(truncatingIfNeeded: buffer.writerIndex - attributesAt - 2), at: attributesAt)
        _ = PrefixCodec.write(nlri, pathIDs: nlriPathIDs, from: 0,
                              room: PrefixCodec.encodedLength(nlri, pathIDs: nlriPathIDs), into: &buffer)
    }
}

/// A set of attribute type codes: 256 bits on the stack.
struct AttributeTypeSet {
    private var words: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)

    func contains(_ code: UInt8) -> Bool {
        let bit = UInt64(1) << (code & 63)
        switch code >> 6 {
        case 0: return words.0 & bit != 0
        case 1: return words.1 & bit != 0
        case 2: return words.2 & bit != 0
        default: return words.3 & bit != 0
        }
    }

    /// Inserts `code`; false if it was already there.
    mutating func insert(_ code: UInt8) -> Bool {
        let bit = UInt64(1) << (code & 63)
        switch code >> 6 {
        case 0: defer { words.0 |= bit }; return words.0 & bit == 0
        case 1: defer { words.1 |= bit }; return words.1 & bit == 0
        case 2: defer { words.2 |= bit }; return words.2 & bit == 0
        default: defer { words.3 |= bit }; return words.3 & bit == 0
        }
    }
}
