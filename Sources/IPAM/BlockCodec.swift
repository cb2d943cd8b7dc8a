public import IPAddressing

/// The stored form of a block's allocation state (bitmaps and holders), shared by every datastore.
///
///     u8  version (1)
///     u32 word count W, then W u64 words of `allocated`, then W u64 words of `reserved`
///     u32 holder count N, then N × { u32 offset, i64 allocated-at, u16 length L, L bytes UTF-8 endpoint }
///
/// All integers little-endian. The addressing columns (cidr, pool, host, network, revision) live
/// beside it in the store so that they can be indexed.
extension Block {
    public func encodedState() -> [UInt8] {
        var out: [UInt8] = []
        out.reserveCapacity(9 + allocated.words.count * 16 + owners.count * 24)
        out.append(1)
        put(UInt32(allocated.words.count), &out)
        for w in allocated.words { put(w, &out) }
        for w in reserved.words { put(w, &out) }
        put(UInt32(owners.count), &out)
        for (offset, a) in owners.sorted(by: { $0.key < $1.key }) {
            put(offset, &out)
            put(UInt64(bitPattern: a.at), &out)
            let bytes = Array(a.endpoint.utf8.prefix(Int(UInt16.max)))
            put(UInt16(bytes.count), &out)
            out += bytes
        }
        return out
    }

    /// Rebuilds a block from its columns and `encodedState()`; throws `.corruptBlock` on any mismatch.
    public init(cidr: IPPrefix, pool: String, host: String, network: String, revision: UInt64, updatedAt: Int64,
                encodedState bytes: some Collection<UInt8>) throws(IPAMError) {
        var r = Reader(bytes: Array(bytes))
        guard cidr.hostBits <= 16 else { throw .corruptBlock(cidr, reason: "block longer than 2^16 addresses") }
        let size = 1 << Int(cidr.hostBits)
        guard let version: UInt8 = r.read(), version == 1 else {
            throw .corruptBlock(cidr, reason: "unknown state version")
        }
        guard let w32: UInt32 = r.read(), Int(w32) == (size + 63) / 64 else {
            throw .corruptBlock(cidr, reason: "bitmap size does not match the block length")
        }
        var aw: [UInt64] = [], rw: [UInt64] = []
        for _ in 0..<w32 { guard let w: UInt64 = r.read() else { throw .corruptBlock(cidr, reason: "truncated") }; aw.append(w) }
        for _ in 0..<w32 { guard let w: UInt64 = r.read() else { throw .corruptBlock(cidr, reason: "truncated") }; rw.append(w) }
        guard let n: UInt32 = r.read() else { throw .corruptBlock(cidr, reason: "truncated") }
        var owners: [UInt32: Allocation] = [:]
        for _ in 0..<n {
            guard let off: UInt32 = r.read(), let at: UInt64 = r.read(), let len: UInt16 = r.read(),
                  let name = r.string(Int(len)) else { throw .corruptBlock(cidr, reason: "truncated holder") }
            owners[off] = Allocation(endpoint: name, at: Int64(bitPattern: at))
        }
        guard r.atEnd else { throw .corruptBlock(cidr, reason: "trailing bytes") }
        guard let a = Bitmap(count: size, words: aw), let res = Bitmap(count: size, words: rw) else {
            throw .corruptBlock(cidr, reason: "bits set past the end of the block")
        }
        try self.init(cidr: cidr, pool: pool, host: host, network: network, revision: revision,
                      updatedAt: updatedAt, allocated: a, reserved: res, owners: owners)
    }
}

private func put<T: FixedWidthInteger>(_ v: T, _ out: inout [UInt8]) {
    var x = v.littleEndian
    withUnsafeBytes(of: &x) { out.append(contentsOf: $0) }
}

private struct Reader {
    let bytes: [UInt8]
    var at = 0
    var atEnd: Bool { at == bytes.count }

    mutating func read<T: FixedWidthInteger>() -> T? {
        let n = MemoryLayout<T>.size
        guard bytes.count - at >= n else { return nil }
        var v: T = 0
        for i in 0..<n { v |= T(bytes[at + i]) << (8 * i) }
        at += n
        return v
    }

    mutating func string(_ n: Int) -> String? {
        guard bytes.count - at >= n else { return nil }
        defer { at += n }
        return String(decoding: bytes[at..<(at + n)], as: UTF8.self)
    }
}
