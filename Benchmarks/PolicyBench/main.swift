// routed-policy-bench: the scale (10,000 endpoints, 1,000 networks, 1,000 policies)
// programmed into table `inet routed` through libnftnl, inside a namespace this program creates
// and deletes. Release build, as root:
//   swift build -c release --product routed-policy-bench && .build/release/routed-policy-bench
import Foundation
import IPAddressing
import Netlink
import Policy
import PolicyKernel

@discardableResult
func sh(_ args: [String]) -> Int32 {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
    p.arguments = args
    do { try p.run() } catch { return 127 }
    p.waitUntilExit()
    return p.terminationStatus
}

func nid(_ b: PolicyBook, _ n: String) -> NetworkID { try! b.id(of: NetworkName(rawValue: n)!) }

/// The scale: network k owns 10.0.0.0 + 16k /28 with ten endpoints; policy i relates n(i) and
/// n(i+1): a deny, a tcp allow, or a tcp port allow, in turn.
func scale(stray: Bool = false, extraPolicy: Bool = false) throws -> Ruleset {
    var book = PolicyBook()
    for k in 0..<1000 { _ = try book.createNetwork("n\(k)") }
    for i in 0..<1000 {
        let (a, b) = ("n\(i)", "n\((i + 1) % 1000)")
        switch i % 3 {
        case 0: _ = try book.add(book.rule(.deny, from: a, to: b))
        case 1: _ = try book.add(book.rule(.allow, from: a, to: b, proto: "tcp"))
        default: _ = try book.add(book.rule(.allow, from: a, to: b, proto: "tcp", port: "\(1000 + i)"))
        }
    }
    if extraPolicy { _ = try book.add(book.rule(.deny, from: "n5", to: "n500", proto: "udp", port: "53")) }
    var m = Memberships()
    var eps: [LocalEndpoint] = []
    for k in 0..<1000 {
        let id = nid(book, "n\(k)"), base = UInt32(0x0A00_0000) + UInt32(k) * 16
        try m.insert(.v4(IPv4Prefix(IPv4Address(base), length: 28)), into: id)
        for j in 1...10 {
            eps.append(LocalEndpoint(ifname: "rdb\(k * 10 + j)", addresses: [.v4(IPv4Address(base + UInt32(j)))], network: id))
        }
    }
    if stray { try m.insert(.v4(IPv4Prefix(IPv4Address(0x0B00_0001), length: 32)), into: nid(book, "n7")) }
    return PolicyCompiler.compile(book, memberships: m, endpoints: eps)
}

func median(_ xs: [Duration]) -> Duration { xs.sorted()[xs.count / 2] }
func ms(_ d: Duration) -> String { String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }

/// Everything runs in here (not in top-level code, which is main-actor isolated: the work
/// below runs on the namespace thread).
nonisolated func bench(runs: Int) throws {
    let base = try scale(), stray = try scale(stray: true), policy = try scale(extraPolicy: true)
    let name = "rd\(getpid())bench"
    guard sh(["ip", "netns", "add", name]) == 0 else { fatalError("ip netns add \(name) failed (root needed)") }
    defer { sh(["ip", "netns", "del", name]) }
    let thread = try NamespaceThread(namespace: NetworkNamespace(named: name))
    defer { thread.stop() }
    let clock = ContinuousClock()
    try thread.run {
        let socket = try NFTablesSocket()
        var build: [Duration] = [], full: [Duration] = []
        var bytes = 0, messages = 0
        for _ in 0..<runs {
            var b: NFTBatch!
            build.append(try clock.measure {
                b = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.replace(with: base, into: b)
            })
            bytes = b.byteCount; messages = b.commandCount
            full.append(try clock.measure {
                let b2 = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.replace(with: base, into: b2)
                try socket.apply(b2)
            })
        }
        print("elements \(base.elements.count), full batch \(messages) messages, \(bytes) bytes")
        print("full program (build + apply, table already present), median of \(runs): \(ms(median(full))) [min \(ms(full.min()!)), max \(ms(full.max()!))]")
        print("  of which building the batch: \(ms(median(build)))")
        for (label, target) in [("membership", stray), ("policy", policy)] {
            var times: [Duration] = [], diffs: [Duration] = [], kernel: [Duration] = []
            let back = RulesetDiff(from: target, to: base)
            var there = RulesetDiff()
            for _ in 0..<runs {
                let start = clock.now
                there = RulesetDiff(from: base, to: target)
                let diffed = clock.now
                let b1 = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.update(there, into: b1)
                try socket.apply(b1)
                let end = clock.now
                times.append(end - start); diffs.append(diffed - start); kernel.append(end - diffed)
                let b = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.update(back, into: b)
                try socket.apply(b)
            }
            print("one \(label) change (\(there.changeCount) changes, diff + build + apply), median of \(runs): \(ms(median(times))) [min \(ms(times.min()!)), max \(ms(times.max()!))]")
            print("  of which RulesetDiff: \(ms(median(diffs))); batch build + apply through libnftnl: \(ms(median(kernel)))")
        }
    }
}

try bench(runs: Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 7)
