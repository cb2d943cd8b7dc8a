public import Netlink
public import Policy
import IPAddressing

/// The sets and maps of table `inet routed` as libnftnl builds them, and how each
/// `RulesetElement` is laid out in bytes. Network ids travel in kernel registers between lookups
/// (no `meta mark`/`ct mark`, unlike the text form): `addr4`/`addr6` write the id in host byte
/// order (nft's `mark`), `vany`/`vproto` take it as is, and `vports` (an interval concatenation,
/// compared byte by byte) takes it in network byte order, as nft itself lays it out.
public enum RoutedSets {
    public static let addr4 = NFTSet(name: "addr4", id: 1, key: [.ipv4Address], keyLength: 4, data: .mark, dataLength: 4, interval: true, dataHostOrder: true)
    public static let addr6 = NFTSet(name: "addr6", id: 2, key: [.ipv6Address], keyLength: 16, data: .mark, dataLength: 4, interval: true, dataHostOrder: true)
    public static let vports = NFTSet(name: "vports", id: 3, key: [.mark, .mark, .inetProtocol, .inetService], keyLength: 16,
                                      concatFieldLengths: [4, 4, 1, 2], data: .verdict, interval: true)
    public static let vproto = NFTSet(name: "vproto", id: 4, key: [.mark, .mark, .inetProtocol], keyLength: 12, concatFieldLengths: [4, 4, 1], data: .verdict)
    public static let vany = NFTSet(name: "vany", id: 5, key: [.mark, .mark], keyLength: 8, concatFieldLengths: [4, 4], data: .verdict)
    public static let workloads = NFTSet(name: "workloads", id: 6, key: [.ifname], keyLength: 16, keyHostOrder: true)
    public static let spoof4 = NFTSet(name: "spoof4", id: 7, key: [.ifname, .ipv4Address], keyLength: 20, concatFieldLengths: [16, 4])
    public static let spoof6 = NFTSet(name: "spoof6", id: 8, key: [.ifname, .ipv6Address], keyLength: 32, concatFieldLengths: [16, 16])
    public static let all = [addr4, addr6, vports, vproto, vany, workloads, spoof4, spoof6]

    /// The kernel elements of one ruleset element: an address interval is a start element and,
    /// unless it reaches the top of the address space, an interval-end element at `last + 1`.
    public static func elements(_ e: RulesetElement) -> [NFTElement] {
        switch e {
        case .address4(let i):
            var out = [NFTElement(key: bigEndian(i.first), value: .data(hostOrder(i.network)))]
            if i.last != .max { out.append(NFTElement(key: bigEndian(i.last + 1), intervalEnd: true)) }
            return out
        case .address6(let i):
            var out = [NFTElement(key: bigEndian(i.first), value: .data(hostOrder(i.network)))]
            if i.last != .max { out.append(NFTElement(key: bigEndian(i.last + 1), intervalEnd: true)) }
            return out
        case .pair(let k, let v):
            return [NFTElement(key: hostOrder(k.src) + hostOrder(k.dst), value: .verdict(verdict(v)))]
        case .proto(let k, let v):
            return [NFTElement(key: hostOrder(k.pair.src) + hostOrder(k.pair.dst) + [k.proto.rawValue, 0, 0, 0], value: .verdict(verdict(v)))]
        case .port(let k, let v):
            let head = bigEndian(k.pair.src.rawValue) + bigEndian(k.pair.dst.rawValue) + [k.proto.rawValue, 0, 0, 0]
            return [NFTElement(key: head + bigEndian(k.ports.low) + [0, 0], keyEnd: head + bigEndian(k.ports.high) + [0, 0],
                               value: .verdict(verdict(v)))]
        case .workload(let name):
            return [NFTElement(key: ifname(name))]
        case .spoof4(let name, let a):
            return [NFTElement(key: ifname(name) + bigEndian(a.value))]
        case .spoof6(let name, let a):
            return [NFTElement(key: ifname(name) + bigEndian(UInt128(a.high) << 64 | UInt128(a.low)))]
        }
    }

    /// The set an element lives in.
    public static func set(of e: RulesetElement) -> NFTSet {
        switch e {
        case .address4: addr4; case .address6: addr6; case .pair: vany; case .proto: vproto; case .port: vports
        case .workload: workloads; case .spoof4: spoof4; case .spoof6: spoof6
        }
    }

    /// A map value: `goto pass` or `goto pN`.
    public static func verdict(_ v: Verdict) -> NFTVerdict {
        switch v { case .accept: .goto("pass"); case .policy(let id): .goto(id.chainName) }
    }

    static func bigEndian<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.bigEndian) { Array($0) }
    }
    static func hostOrder(_ id: NetworkID) -> [UInt8] { withUnsafeBytes(of: id.rawValue) { Array($0) } }
    /// An interface name as the kernel compares it: IFNAMSIZ (16) bytes, zero padded.
    static func ifname(_ name: String) -> [UInt8] {
        var b = [UInt8](repeating: 0, count: 16)
        var i = 0
        for c in name.utf8 where i < 15 { b[i] = c; i += 1 }
        return b
    }
}
