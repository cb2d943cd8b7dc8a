// routed-rib-bench [PREFIXES] [RUNS] — the Loc-RIB's memory and ingest rate, in process, without sockets.
//
// For /24 and then /32 prefixes: PREFIXES consecutive IPv4 prefixes are packed into 4 KiB UPDATEs
// (UpdatePacker, as `routed bgp-load` sends them), then each run frames and decodes every UPDATE
// (BGPFramer, BGPMessage.decode) and announces its prefixes to a fresh LocRIB as one batch sharing
// one attribute set, as a session does. Reported per length: the median ingest time of RUNS runs
// (decode + RIB, and the RIB alone), and bytes per route from malloc's in-use bytes (mallinfo2)
// and from the resident set (VmRSS), each as the growth over the state before the RIB existed.
// Build it in release: swift build -c release --product routed-rib-bench
import BGPCore
import BGPWire
import CAllocationCounter
import Foundation
import IPAddressing
import NIOCore

/// The resident set size of this process (`VmRSS` of /proc/self/status), in bytes.
func residentBytes() -> Int {
    guard let text = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = text.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }) else { return 0 }
    return (Int(line.split(separator: " ").dropFirst().first ?? "0") ?? 0) * 1024
}

/// Bytes handed out by malloc and not yet freed (arenas and mmapped chunks).
func mallocInUse() -> Int { Int(routed_heap_in_use()) }

func seconds(_ d: Duration) -> Double { Double(d.components.seconds) + Double(d.components.attoseconds) / 1e18 }

struct Run {
    var total: Double
    var rib: Double
    var mallocBytes: Int
    var rssBytes: Int
    var changes: Int
    var allocations: UInt64
}

func run(_ wire: ByteBuffer, prefixes: Int, peer: RIBPeer) throws -> Run {
    let clock = ContinuousClock()
    routed_heap_trim()
    let rss0 = residentBytes(), heap0 = mallocInUse(), allocations0 = routed_allocation_count()
    var rib = LocRIB()
    let id = rib.addPeer(peer)
    var framer = BGPFramer(maxMessageLength: BGPHeader.maxLength)
    framer.append(wire)
    var ribTime = Duration.zero
    var changes = 0
    let start = clock.now
    while let raw = try framer.next() {
        guard case .update(let update) = try BGPMessage.decode(raw, context: CodecContext()) else { continue }
        let announced = update.announcedPrefixes
        guard !announced.isEmpty else { continue }
        let attributes = RouteAttributes(attributes: update.attributes, nextHop: update.attributes.nextHop.map(IPAddress.v4))
        let t = clock.now
        changes += rib.announce(announced, attributes: attributes, from: id).count
        ribTime += clock.now - t
    }
    let total = clock.now - start
    let allocations = routed_allocation_count() - allocations0
    let heap = mallocInUse() - heap0, rss = residentBytes() - rss0
    precondition(rib.prefixCount == prefixes && rib.pathCount == prefixes, "the RIB holds \(rib.prefixCount) of \(prefixes) prefixes")
    withExtendedLifetime(rib) {}
    return Run(total: seconds(total), rib: seconds(ribTime), mallocBytes: heap, rssBytes: rss, changes: changes, allocations: allocations)
}

let arguments = CommandLine.arguments.dropFirst().compactMap { Int($0) }
let count = arguments.first ?? 1_000_000
let runs = arguments.dropFirst().first ?? 3
let peer = RIBPeer(address: IPAddress("192.0.2.1")!, asn: 65001, routerID: IPv4Address("192.0.2.1")!, isExternal: true)
let attributes = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [65001]))),
                                 PathAttribute(.nextHop(IPv4Address("192.0.2.1")!))])

print("routed-rib-bench: \(count) IPv4 prefixes from one peer in 4 KiB UPDATEs, \(runs) runs, medians")
print("length  updates  decode+RIB  RIB only   prefixes/s  malloc B/route  RSS B/route (first run)  allocations/route")
for length in [UInt8(24), 32] {
    let step = UInt32(1) << (32 - UInt32(length))
    let list = (0..<count).map { IPv4Prefix(unchecked: 0x0A00_0000 &+ UInt32($0) &* step, length: length) }
    var wire = ByteBufferAllocator().buffer(capacity: count * 5 + 4096)
    let updates = try UpdatePacker(context: CodecContext()).announce(.init(attributes: attributes, ipv4: list), into: &wire)
    var results: [Run] = []
    for _ in 0..<runs { results.append(try run(wire, prefixes: count, peer: peer)) }
    precondition(results.allSatisfy { $0.changes == count }, "every new prefix is one change")
    let median = { (f: (Run) -> Double) in results.map(f).sorted()[results.count / 2] }
    let total = median(\.total), rib = median(\.rib)
    let heap = median { Double($0.mallocBytes) } / Double(count)
    let allocations = median { Double($0.allocations) } / Double(count)
    print(String(format: "/%-6d %7d  %8.3f s  %7.3f s  %10.0f  %14.1f  %23.1f  %17.3f", Int(length), updates, total, rib,
                 Double(count) / total, heap, Double(results[0].rssBytes) / Double(count), allocations))
}
