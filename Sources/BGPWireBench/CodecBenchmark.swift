import NIOCore
import BGPWire
import IPAddressing
import CAllocationCounter

/// `swift run -c release BGPWireBench [prefixes] [runs]`: decodes and encodes 1,000,000 NLRI packed
/// into 4 KiB UPDATEs, for IPv4 /24, IPv4 /32 and IPv6 /64 (MP_REACH_NLRI), and prints medians.
@main
enum CodecBenchmark {
    struct Workload {
        var name: String
        var announcement: UpdatePacker.Announcement
        var count: Int
    }

    static func main() {
        let args = CommandLine.arguments
        let count = args.count > 1 ? Int(args[1]) ?? 1_000_000 : 1_000_000
        let runs = args.count > 2 ? Int(args[2]) ?? 7 : 7
        var attributes = PathAttributes([PathAttribute(.origin(.igp)), PathAttribute(.asPath(ASPath(sequence: [64512, 65000]))),
                                         PathAttribute(.nextHop(IPv4Address(192, 0, 2, 1))), PathAttribute(.localPref(100)),
                                         PathAttribute(.largeCommunities([LargeCommunity(64512, 1, 42)]))])
        let v4 = attributes
        attributes.remove(.nextHop)
        let workloads = [
            Workload(name: "IPv4 /24", announcement: .init(attributes: v4, ipv4: (0..<count).map {
                IPv4Prefix(IPv4Address(UInt32(truncatingIfNeeded: $0) << 8), length: 24) }), count: count),
            Workload(name: "IPv4 /32", announcement: .init(attributes: v4, ipv4: (0..<count).map {
                IPv4Prefix(IPv4Address(0x0A00_0000 &+ UInt32(truncatingIfNeeded: $0)), length: 32) }), count: count),
            Workload(name: "IPv6 /64", announcement: .init(attributes: attributes, nextHop: .ipv6(IPv6Address(high: 0x2001_0DB8 << 32, low: 1), linkLocal: nil),
                                                          ipv6: (0..<count).map { IPv6Prefix(IPv6Address(high: 0x2001_0DB8_0000_0000 | UInt64($0), low: 0), length: 64) }),
                     count: count),
        ]
        print("BGPWire codec, \(count) prefixes per workload, median of \(runs) runs, one core")
        print("workload  | messages | decode Mprefix/s | encode Mprefix/s | allocations per prefix (decode)")
        for w in workloads { run(w, runs: runs) }
    }

    static func run(_ w: Workload, runs: Int) {
        let packer = UpdatePacker(context: CodecContext())
        var stream = ByteBufferAllocator().buffer(capacity: w.count * 10)
        var messages = 0
        do { messages = try packer.announce(w.announcement, into: &stream) } catch { fatalError("\(error)") }

        var decodeTimes: [Duration] = [], encodeTimes: [Duration] = []
        var allocationsPerPrefix = 0.0
        let clock = ContinuousClock()
        for _ in 0..<runs {
            let before = routed_allocation_count()
            var decoded = 0
            let t = clock.measure { decoded = decodeAll(stream) }
            let allocations = routed_allocation_count() - before
            precondition(decoded == w.count, "decoded \(decoded) of \(w.count) prefixes")
            decodeTimes.append(t)
            allocationsPerPrefix = Double(allocations) / Double(decoded)

            var out = ByteBufferAllocator().buffer(capacity: stream.readableBytes)
            encodeTimes.append(clock.measure { _ = try? packer.announce(w.announcement, into: &out) })
            precondition(out.readableBytes == stream.readableBytes, "encoding changed size")
        }
        func rate(_ times: [Duration]) -> String {
            let median = times.sorted()[times.count / 2]
            let seconds = Double(median.components.seconds) + Double(median.components.attoseconds) / 1e18
            return String(Int((Double(w.count) / seconds / 1e5).rounded()) / 10) + "." + String(Int((Double(w.count) / seconds / 1e5).rounded()) % 10)
        }
        let alloc = Int((allocationsPerPrefix * 10_000).rounded())
        print("\(w.name)  | \(messages) | \(rate(decodeTimes)) | \(rate(encodeTimes)) | \(alloc / 10_000).\(String(alloc % 10_000).leftPadded(4))")
    }

    /// Frames and decodes every message of the stream, counting the prefixes announced.
    static func decodeAll(_ stream: ByteBuffer) -> Int {
        var framer = BGPFramer()
        framer.append(stream)
        var prefixes = 0
        do {
            while let raw = try framer.next() {
                guard case .update(let u) = try BGPMessage.decode(raw, context: CodecContext()) else { continue }
                prefixes += u.nlri.count
                if let reach = u.attributes.mpReachNLRI, case .ipv6(let p) = reach.nlri { prefixes += p.count }
                if let reach = u.attributes.mpReachNLRI, case .ipv4(let p) = reach.nlri { prefixes += p.count }
            }
        } catch {
            fatalError("\(error)")
        }
        return prefixes
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { String(repeating: "0", count: max(0, width - count)) + self }
}
