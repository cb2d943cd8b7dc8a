import NIOCore

extension Capability {
    /// Decodes one capability TLV body (RFC 5492 section 4): `code` and the `length` octets in `value`.
    /// A known capability with a length its RFC does not allow is an OPEN Message Error, subcode 0.
    static func decode(code: UInt8, value: inout ByteBuffer) throws(BGPError) -> Capability {
        let length = value.readableBytes
        func bad(_ what: String) -> BGPError {
            .open(.unspecific, "malformed \(what) capability (code \(code), length \(length))")
        }
        switch code {
        case 1:
            guard length == 4 else { throw bad("multiprotocol") }
            let afi = value.readInteger(as: UInt16.self)!
            value.moveReaderIndex(forwardBy: 1)  // reserved
            let safi = value.readInteger(as: UInt8.self)!
            return .multiprotocol(AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)))
        case 2:
            guard length == 0 else { throw bad("route refresh") }
            return .routeRefresh
        case 5:
            guard length % 6 == 0 else { throw bad("extended next hop") }
            var tuples: [ExtendedNextHopTuple] = []
            while let afi = value.readInteger(as: UInt16.self), let safi = value.readInteger(as: UInt16.self),
                  let nh = value.readInteger(as: UInt16.self) {
                // The NLRI SAFI is two octets here (RFC 8950 section 3); SAFIs are one octet wide.
                guard safi <= UInt8.max else { throw bad("extended next hop") }
                tuples.append(ExtendedNextHopTuple(
                    nlriFamily: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: UInt8(safi))),
                    nextHopAFI: AFI(rawValue: nh)))
            }
            return .extendedNextHop(tuples)
        case 6:
            guard length == 0 else { throw bad("extended message") }
            return .extendedMessage
        case 64:
            guard length >= 2, (length - 2) % 4 == 0, let head = value.readInteger(as: UInt16.self) else {
                throw bad("graceful restart")
            }
            var families: [GracefulRestartCapability.Family] = []
            while let afi = value.readInteger(as: UInt16.self), let safi = value.readInteger(as: UInt8.self),
                  let flags = value.readInteger(as: UInt8.self) {
                families.append(.init(family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                                      forwardingPreserved: flags & 0x80 != 0, reservedFlags: flags & 0x7F))
            }
            let flags = UInt8(head >> 12)
            return .gracefulRestart(GracefulRestartCapability(
                restartState: flags & 0x8 != 0, notification: flags & 0x4 != 0, reservedFlags: flags & 0x3,
                restartTime: head & 0x0FFF, families: families))
        case 65:
            guard length == 4, let asn = value.readInteger(as: UInt32.self) else { throw bad("4-octet AS") }
            return .fourOctetAS(asn)
        case 69:
            guard length % 4 == 0 else { throw bad("ADD-PATH") }
            var tuples: [AddPathTuple] = []
            while let afi = value.readInteger(as: UInt16.self), let safi = value.readInteger(as: UInt8.self),
                  let dir = value.readInteger(as: UInt8.self) {
                tuples.append(AddPathTuple(family: AddressFamily(afi: AFI(rawValue: afi), safi: SAFI(rawValue: safi)),
                                           direction: .init(rawValue: dir)))
            }
            return .addPath(tuples)
        case 70:
            guard length == 0 else { throw bad("enhanced route refresh") }
            return .enhancedRouteRefresh
        case 73:
            guard let hostLength = value.readInteger(as: UInt8.self),
                  let host = value.readBytes(length: Int(hostLength)),
                  let domainLength = value.readInteger(as: UInt8.self),
                  let domain = value.readBytes(length: Int(domainLength)),
                  value.readableBytes == 0 else { throw bad("FQDN") }
            guard let hostName = String(validating: host, as: UTF8.self),
                  let domainName = String(validating: domain, as: UTF8.self) else {
                // Not text: keep the octets so nothing is lost.
                return .unknown(code: code, value: [hostLength] + host + [domainLength] + domain)
            }
            return .fqdn(hostName: hostName, domainName: domainName)
        default:
            return .unknown(code: code, value: value.readBytes(length: length) ?? [])
        }
    }

    /// Writes the capability TLV: code, one-octet length, value (RFC 5492 section 4).
    func encode(into buffer: inout ByteBuffer) {
        buffer.writeInteger(code)
        let lengthAt = buffer.writerIndex
        buffer.writeInteger(UInt8(0))
        switch self {
        case .multiprotocol(let family):
            buffer.writeInteger(family.afi.rawValue)
            buffer.writeInteger(UInt8(0))
            buffer.writeInteger(family.safi.rawValue)
        case .routeRefresh, .extendedMessage, .enhancedRouteRefresh:
            break
        case .extendedNextHop(let tuples):
            for t in tuples {
                buffer.writeInteger(t.nlriFamily.afi.rawValue)
                buffer.writeInteger(UInt16(t.nlriFamily.safi.rawValue))
                buffer.writeInteger(t.nextHopAFI.rawValue)
            }
        case .gracefulRestart(let gr):
            var flags = gr.reservedFlags & 0x3
            if gr.restartState { flags |= 0x8 }
            if gr.notification { flags |= 0x4 }
            buffer.writeInteger(UInt16(flags) << 12 | (gr.restartTime & 0x0FFF))
            for f in gr.families {
                buffer.writeInteger(f.family.afi.rawValue)
                buffer.writeInteger(f.family.safi.rawValue)
                buffer.writeInteger((f.forwardingPreserved ? 0x80 : 0) | (f.reservedFlags & 0x7F))
            }
        case .fourOctetAS(let asn):
            buffer.writeInteger(asn)
        case .addPath(let tuples):
            for t in tuples {
                buffer.writeInteger(t.family.afi.rawValue)
                buffer.writeInteger(t.family.safi.rawValue)
                buffer.writeInteger(t.direction.rawValue)
            }
        case .fqdn(let host, let domain):
            let h = Array(host.utf8.prefix(255)), d = Array(domain.utf8.prefix(255))
            buffer.writeInteger(UInt8(h.count)); buffer.writeBytes(h)
            buffer.writeInteger(UInt8(d.count)); buffer.writeBytes(d)
        case .unknown(_, let value):
            buffer.writeBytes(value)
        }
        buffer.setInteger(UInt8(truncatingIfNeeded: buffer.writerIndex - lengthAt - 1), at: lengthAt)
    }
}
