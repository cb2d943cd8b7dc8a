public import NIOCore
public import IPAddressing

/// The NLRI prefix encoding: one length octet, then just enough octets to hold it (RFC 4271 section
/// 4.3; RFC 4760 section 5). The hot path of the codec: no allocation per prefix, one pass over raw bytes.
public enum PrefixCodec {
    /// Octets a prefix of `length` bits occupies on the wire, length octet included.
    @inlinable public static func wireLength(_ length: UInt8) -> Int { 1 + (Int(length) + 7) >> 3 }

    /// Decodes IPv4 prefixes filling `region`, appending to `out`. Trailing host bits are cleared
    /// (RFC 4271 says they are irrelevant). Returns false on a length over 32 or a truncated prefix.
    public static func decodeIPv4(_ region: ByteBuffer, into out: inout [IPv4Prefix]) -> Bool {
        var none: [UInt32] = []
        return decodeIPv4(region, into: &out, pathIDs: &none, addPath: false)
    }

    /// As above; with `addPath`, each prefix is preceded by a Path Identifier appended to `pathIDs` (RFC 7911 section 3).
    public static func decodeIPv4(_ region: ByteBuffer, into out: inout [IPv4Prefix], pathIDs: inout [UInt32], addPath: Bool) -> Bool {
        region.withUnsafeReadableBytes { raw in
            let n = raw.count
            out.reserveCapacity(out.count + n / 4)
            var i = 0
            while i < n {
                if addPath {
                    guard let id = readPathID(raw, at: &i) else { return false }
                    pathIDs.append(id)
                }
                let length = raw[i]
                i &+= 1
                guard length <= 32 else { return false }
                let octets = (Int(length) &+ 7) &>> 3
                guard i &+ octets <= n else { return false }
                var v: UInt32 = 0
                switch octets {
                case 0: break
                case 1: v = UInt32(raw[i]) &<< 24
                case 2: v = UInt32(raw[i]) &<< 24 | UInt32(raw[i &+ 1]) &<< 16
                case 3: v = UInt32(raw[i]) &<< 24 | UInt32(raw[i &+ 1]) &<< 16 | UInt32(raw[i &+ 2]) &<< 8
                default: v = UInt32(raw[i]) &<< 24 | UInt32(raw[i &+ 1]) &<< 16 | UInt32(raw[i &+ 2]) &<< 8 | UInt32(raw[i &+ 3])
                }
                i &+= octets
                out.append(IPv4Prefix(unchecked: v & IPv4Prefix.mask(length), length: length))
            }
            return true
        }
    }

    /// Decodes IPv6 prefixes filling `region`; false on a length over 128 or a truncated prefix.
    public static func decodeIPv6(_ region: ByteBuffer, into out: inout [IPv6Prefix]) -> Bool {
        var none: [UInt32] = []
        return decodeIPv6(region, into: &out, pathIDs: &none, addPath: false)
    }

    /// As above; with `addPath`, each prefix is preceded by a Path Identifier appended to `pathIDs`.
    public static func decodeIPv6(_ region: ByteBuffer, into out: inout [IPv6Prefix], pathIDs: inout [UInt32], addPath: Bool) -> Bool {
        region.withUnsafeReadableBytes { raw in
            let n = raw.count
            out.reserveCapacity(out.count + n / 9)
            var i = 0
            while i < n {
                if addPath {
                    guard let id = readPathID(raw, at: &i) else { return false }
                    pathIDs.append(id)
                }
                let length = raw[i]
                i &+= 1
                guard length <= 128 else { return false }
                let octets = (Int(length) &+ 7) &>> 3
                guard i &+ octets <= n else { return false }
                var high: UInt64 = 0, low: UInt64 = 0
                for k in 0..<octets {
                    let b = UInt64(raw[i &+ k])
                    if k < 8 { high |= b &<< (56 &- 8 &* UInt64(k)) } else { low |= b &<< (56 &- 8 &* UInt64(k &- 8)) }
                }
                i &+= octets
                let (mh, ml) = IPv6Prefix.mask(length)
                out.append(IPv6Prefix(unchecked: IPv6Address(high: high & mh, low: low & ml), length: length))
            }
            return true
        }
    }

    /// Writes as many of `prefixes[from...]` as fit in `room` octets; returns the index after the last written.
    /// With `pathIDs` (one per prefix), each prefix is preceded by its Path Identifier (RFC 7911 section 3).
    public static func write(_ prefixes: [IPv4Prefix], pathIDs: [UInt32] = [], from start: Int, room: Int,
                             into buffer: inout ByteBuffer) -> Int {
        var next = start
        let idOctets = pathIDs.isEmpty ? 0 : 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { out in
            var o = 0
            while next < prefixes.count {
                let p = prefixes[next]
                let octets = (Int(p.length) &+ 7) &>> 3
                guard o &+ idOctets &+ 1 &+ octets <= room else { break }
                if idOctets > 0 { writePathID(pathIDs[next], to: out, at: &o) }
                out[o] = p.length
                let v = p.address.value
                if octets > 0 { out[o &+ 1] = UInt8(truncatingIfNeeded: v &>> 24) }
                if octets > 1 { out[o &+ 2] = UInt8(truncatingIfNeeded: v &>> 16) }
                if octets > 2 { out[o &+ 3] = UInt8(truncatingIfNeeded: v &>> 8) }
                if octets > 3 { out[o &+ 4] = UInt8(truncatingIfNeeded: v) }
                o &+= 1 &+ octets
                next &+= 1
            }
            return o
        }
        return next
    }

    /// Writes as many of `prefixes[from...]` as fit in `room` octets; returns the index after the last written.
    public static func write(_ prefixes: [IPv6Prefix], pathIDs: [UInt32] = [], from start: Int, room: Int,
                             into buffer: inout ByteBuffer) -> Int {
        var next = start
        let idOctets = pathIDs.isEmpty ? 0 : 4
        buffer.writeWithUnsafeMutableBytes(minimumWritableBytes: room) { out in
            var o = 0
            while next < prefixes.count {
                let p = prefixes[next]
                let octets = (Int(p.length) &+ 7) &>> 3
                guard o &+ idOctets &+ 1 &+ octets <= room else { break }
                if idOctets > 0 { writePathID(pathIDs[next], to: out, at: &o) }
                out[o] = p.length
                for k in 0..<octets {
                    let word = k < 8 ? p.address.high : p.address.low
                    out[o &+ 1 &+ k] = UInt8(truncatingIfNeeded: word &>> (56 &- 8 &* UInt64(k & 7)))
                }
                o &+= 1 &+ octets
                next &+= 1
            }
            return o
        }
        return next
    }

    /// The Path Identifier at `i` (RFC 7911 section 3), if a prefix length octet can follow it.
    @inline(__always)
    static func readPathID(_ raw: UnsafeRawBufferPointer, at i: inout Int) -> UInt32? {
        guard i &+ 4 < raw.count else { return nil }
        defer { i &+= 4 }
        return UInt32(raw[i]) &<< 24 | UInt32(raw[i &+ 1]) &<< 16 | UInt32(raw[i &+ 2]) &<< 8 | UInt32(raw[i &+ 3])
    }

    @inline(__always)
    static func writePathID(_ id: UInt32, to out: UnsafeMutableRawBufferPointer, at o: inout Int) {
        out[o] = UInt8(truncatingIfNeeded: id &>> 24)
        out[o &+ 1] = UInt8(truncatingIfNeeded: id &>> 16)
        out[o &+ 2] = UInt8(truncatingIfNeeded: id &>> 8)
        out[o &+ 3] = UInt8(truncatingIfNeeded: id)
        o &+= 4
    }

    /// Octets of `prefixes` on the wire, with 4 more per Path Identifier.
    static func encodedLength(_ prefixes: [IPv4Prefix], pathIDs: [UInt32] = []) -> Int {
        prefixes.reduce(4 * pathIDs.count) { $0 + wireLength($1.length) }
    }

    static func encodedLength(_ nlri: NLRI, pathIDs: [UInt32]) -> Int {
        switch nlri {
        case .ipv4(let p): encodedLength(p, pathIDs: pathIDs)
        case .ipv6(let p): p.reduce(4 * pathIDs.count) { $0 + wireLength($1.length) }
        case .opaque(let b): b.count
        }
    }

    static func write(_ nlri: NLRI, pathIDs: [UInt32], into buffer: inout ByteBuffer) {
        let room = encodedLength(nlri, pathIDs: pathIDs)
        switch nlri {
        case .ipv4(let p): _ = write(p, pathIDs: pathIDs, from: 0, room: room, into: &buffer)
        case .ipv6(let p): _ = write(p, pathIDs: pathIDs, from: 0, room: room, into: &buffer)
        case .opaque(let b): buffer.writeBytes(b)
        }
    }
}
