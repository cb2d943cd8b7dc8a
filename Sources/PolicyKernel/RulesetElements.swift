public import Netlink
public import Policy
import IPAddressing

/// The sets and maps of table `inet routed` as libnftnl declares them, and how each
/// `LayoutElement` is laid out in bytes — the same bytes `nft` writes for the text form
/// (`nft --debug=netlink`), so `nft list` prints them back.
public enum RoutedSets {
    /// The declaration of map or set `name` of kind `kind`; `id` is its batch-local id.
    public static func declaration(_ name: String, _ kind: LayoutMapKind, id: UInt32) -> NFTSet {
        switch kind {
        case .address4: NFTSet(name: name, id: id, key: [.ipv4Address], keyLength: 4, data: .verdict, interval: true)
        case .address6: NFTSet(name: name, id: id, key: [.ipv6Address], keyLength: 16, data: .verdict, interval: true)
        case .ports: NFTSet(name: name, id: id, key: [.inetProtocol, .inetService], keyLength: 8, concatFieldLengths: [1, 2], data: .verdict, interval: true)
        case .protos: NFTSet(name: name, id: id, key: [.inetProtocol], keyLength: 1, data: .verdict)
        case .workloads: NFTSet(name: name, id: id, key: [.ifname], keyLength: 16, keyHostOrder: true, size: kind.size)
        case .spoof4: NFTSet(name: name, id: id, key: [.ifname, .ipv4Address], keyLength: 20, concatFieldLengths: [16, 4], size: kind.size)
        case .spoof6: NFTSet(name: name, id: id, key: [.ifname, .ipv6Address], keyLength: 32, concatFieldLengths: [16, 16], size: kind.size)
        }
    }

    /// The kernel elements of one layout element: an address interval is a start element and,
    /// unless it reaches the top of the address space, an interval-end element at `last + 1`.
    public static func elements(_ e: LayoutElement) -> [NFTElement] {
        var out: [NFTElement] = []
        append(e, to: &out)
        return out
    }

    /// `elements(e)` appended to `out` (no intermediate array: the full load makes ~25k).
    public static func append(_ e: LayoutElement, to out: inout [NFTElement]) {
        switch e {
        case .address4(let first, let last, let to):
            out.append(NFTElement(key: bigEndian(first), value: .verdict(verdict(to))))
            if last != .max { out.append(NFTElement(key: bigEndian(last + 1), intervalEnd: true)) }
        case .address6(let first, let last, let to):
            out.append(NFTElement(key: bigEndian(first), value: .verdict(verdict(to))))
            if last != .max { out.append(NFTElement(key: bigEndian(last + 1), intervalEnd: true)) }
        case .port(let p, let r, let to):
            let head: [UInt8] = [p.rawValue, 0, 0, 0]
            out.append(NFTElement(key: head + bigEndian(r.low) + [0, 0], keyEnd: head + bigEndian(r.high) + [0, 0], value: .verdict(verdict(to))))
        case .proto(let p, let to):
            out.append(NFTElement(key: [p.rawValue], value: .verdict(verdict(to))))
        case .workload(let name):
            out.append(NFTElement(key: ifname(name)))
        case .spoof4(let name, let a):
            var key = ifname(name, reserving: 20)
            withUnsafeBytes(of: a.value.bigEndian) { key.append(contentsOf: $0) }
            out.append(NFTElement(key: key))
        case .spoof6(let name, let a):
            var key = ifname(name, reserving: 32)
            key.append(contentsOf: bigEndian(UInt128(a.high) << 64 | UInt128(a.low)))
            out.append(NFTElement(key: key))
        }
    }

    /// `elements(e)` written in place (the full load's path): the same bytes.
    public static func write(_ e: LayoutElement, _ w: inout NFTElementWriter) {
        switch e {
        case .address4(let first, let last, let to):
            w.add(ipv4: first, verdict: verdict(to))
            if last != .max { w.add(ipv4: last + 1, intervalEnd: true) }
        case .address6(let first, let last, let to):
            w.add(ipv6: first, verdict: verdict(to))
            if last != .max { w.add(ipv6: last + 1, intervalEnd: true) }
        case .workload(let name): w.add(ifname: name)
        case .spoof4(let name, let a): w.add(ifname: name, ipv4: a.value)
        case .spoof6(let name, let a): w.add(ifname: name, ipv6: UInt128(a.high) << 64 | UInt128(a.low))
        case .port, .proto:
            for x in elements(e) { w.add(x) }
        }
    }

    /// A map value: `accept` or `goto CHAIN`.
    public static func verdict(_ t: LayoutTarget) -> NFTVerdict {
        switch t { case .accept: .accept; case .chain(let c): .goto(c); case .jump(let c): .jump(c) }
    }

    static func bigEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }
    /// An interface name as the kernel compares it: IFNAMSIZ (16) bytes, zero padded; room for
    /// `capacity` bytes in all (one allocation for an `ifname . address` key).
    static func ifname(_ name: String, reserving capacity: Int = 16) -> [UInt8] {
        [UInt8](unsafeUninitializedCapacity: max(capacity, 16)) { buf, n in
            var i = 0
            for c in name.utf8.prefix(15) { buf[i] = c; i += 1 }
            while i < 16 { buf[i] = 0; i += 1 }
            n = 16
        }
    }
}
