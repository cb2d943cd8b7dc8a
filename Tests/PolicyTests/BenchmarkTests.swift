import Testing
import Foundation
import Policy
import IPAddressing

/// The scale: 10,000 endpoints in 1,000 networks with 1,000 policies. Prints timings;
/// run with `ROUTED_BENCH=1 swift test --filter BenchmarkTests` (root for the nft part).
@Suite(.enabled(if: ProcessInfo.processInfo.environment["ROUTED_BENCH"] == "1", "set ROUTED_BENCH=1 to run the benchmark"))
struct BenchmarkTests {
    static func scale(strayOn: Int? = nil, extraPolicy: Bool = false) throws -> (PolicyBook, Ruleset) {
        var book = PolicyBook()
        for k in 0..<1000 { try book.createNetwork("n\(k)") }
        for i in 0..<1000 {
            let line = switch i % 3 {
            case 0: "deny n\(i) n\((i + 1) % 1000)"
            case 1: "allow n\(i) n\((i + 1) % 1000) --proto tcp"
            default: "allow n\(i) n\((i + 1) % 1000) --proto tcp --port \(1000 + i)"
            }
            try book.add(book.parse(line))
        }
        if extraPolicy { try book.add(book.parse("deny n5 n500 --proto udp --port 53")) }
        var m = Memberships()
        var eps: [LocalEndpoint] = []
        for k in 0..<1000 {
            let id = book.nid("n\(k)"), base = UInt32(0x0A00_0000) + UInt32(k) * 16
            try m.insert(.v4(IPv4Prefix(IPv4Address(base), length: 28)), into: id)
            for j in 1...10 {
                eps.append(LocalEndpoint(ifname: "rdb\(k * 10 + j)", addresses: [.v4(IPv4Address(base + UInt32(j)))], network: id))
            }
        }
        if let k = strayOn { try m.insert(.v4(IPv4Prefix(IPv4Address(0x0B00_0001), length: 32)), into: book.nid("n\(k)")) }
        let clock = ContinuousClock()
        var r = Ruleset()
        let t = clock.measure { r = PolicyCompiler.compile(book, memberships: m, endpoints: eps) }
        print("bench: compile 10k endpoints / 1k networks / 1k policies: \(t)")
        return (book, r)
    }

    @Test func programAtScale() throws {
        let clock = ContinuousClock()
        let (_, base) = try Self.scale()
        let (_, stray) = try Self.scale(strayOn: 7)
        let (_, policy) = try Self.scale(extraPolicy: true)
        var d1 = RulesetDiff(), d2 = RulesetDiff()
        print("bench: diff, one membership: \(clock.measure { d1 = RulesetDiff(from: base, to: stray) }) (\(d1.changeCount) changes)")
        print("bench: diff, one policy: \(clock.measure { d2 = RulesetDiff(from: base, to: policy) }) (\(d2.changeCount) changes)")
        // a stray /32 in the world range splits one interval in three; a two-way port policy adds
        // its chain and one element per direction.
        #expect(d1.changeCount == 4 && d2.changeCount == 3)
        print("bench: elements \(base.elements.count), text \(base.nftText().utf8.count) bytes")
        guard canUseNamespaces else { return }
        let ns = try TestNamespace("z")
        defer { ns.delete() }
        let full = base.nftReplaceText()
        var status: Int32 = 0
        for _ in 0..<3 {
            let t = clock.measure { status = ns.exec(["nft", "-f", "-"], input: full, timeout: 60).status }
            print("bench: nft -f full ruleset: \(t)")
            #expect(status == 0)
        }
        for (name, d) in [("membership", d1), ("policy", d2)] {
            let t = clock.measure { status = ns.exec(["nft", "-f", "-"], input: d.nftText()).status }
            #expect(status == 0)
            print("bench: nft -f one \(name) change: \(t)")
            let back = RulesetDiff(from: name == "membership" ? stray : policy, to: base)
            #expect(ns.exec(["nft", "-f", "-"], input: back.nftText()).status == 0)
        }
        let t = clock.measure { status = ns.exec(["true"]).status }
        print("bench: process start overhead (ip netns exec true): \(t)")
    }
}
