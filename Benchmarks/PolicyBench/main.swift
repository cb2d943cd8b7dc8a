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
func scale() throws -> (PolicyBook, Memberships, [LocalEndpoint]) {
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
    var m = Memberships()
    var eps: [LocalEndpoint] = []
    for k in 0..<1000 {
        let id = nid(book, "n\(k)"), base = UInt32(0x0A00_0000) + UInt32(k) * 16
        try m.insert(.v4(IPv4Prefix(IPv4Address(base), length: 28)), into: id)
        for j in 1...10 {
            eps.append(LocalEndpoint(ifname: "rdb\(k * 10 + j)", addresses: [.v4(IPv4Address(base + UInt32(j)))], network: id))
        }
    }
    return (book, m, eps)
}

func median(_ xs: [Duration]) -> Duration { xs.sorted()[xs.count / 2] }
func ms(_ d: Duration) -> String { String(format: "%.2f ms", Double(d.components.attoseconds) / 1e15 + Double(d.components.seconds) * 1000) }
func line(_ label: String, _ xs: [Duration]) {
    print("\(label), median of \(xs.count): \(ms(median(xs))) [min \(ms(xs.min()!)), max \(ms(xs.max()!))]")
}

/// Everything runs in here (not in top-level code, which is main-actor isolated: the work
/// below runs on the namespace thread).
nonisolated func bench(runs: Int) throws {
    let (book, m, eps) = try scale()
    let clock = ContinuousClock()
    var base = Ruleset()
    let compile = clock.measure { base = PolicyCompiler.compile(book, memberships: m, endpoints: eps) }
    var layout = TableLayout()
    let lay = clock.measure { layout = base.layout }
    print("compile \(ms(compile)), layout \(ms(lay)): \(layout.maps.values.reduce(0) { $0 + $1.elements.count }) elements in \(layout.maps.count) maps/sets, \(layout.chains.count) chains")
    let name = "rd\(getpid())bench"
    guard sh(["ip", "netns", "add", name]) == 0 else { fatalError("ip netns add \(name) failed (root needed)") }
    defer { sh(["ip", "netns", "del", name]) }
    let thread = try NamespaceThread(namespace: NetworkNamespace(named: name))
    defer { thread.stop() }
    try thread.run {
        let socket = try NFTablesSocket()
        var build: [Duration] = [], full: [Duration] = []
        var bytes = 0, messages = 0
        for _ in 0..<runs {
            var b: NFTBatch!
            build.append(try clock.measure {
                b = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.replace(with: layout, into: b)
            })
            bytes = b.byteCount; messages = b.commandCount
            full.append(try clock.measure {
                let b2 = NFTBatch(family: .inet, table: Ruleset.table)
                try RulesetProgram.replace(with: layout, into: b2)
                try socket.apply(b2)
            })
        }
        print("full batch \(messages) messages, \(bytes) bytes")
        line("full program (build + apply, table already present)", full)
        line("  of which building the batch", build)

        // One change at a time through the engine, as the agent makes them (each timed from
        // the call to the kernel's ACK), then undone.
        let engine = PolicyEngine(socket: socket)
        let start = try clock.measure { try engine.start(book: book, memberships: m, endpoints: eps) }
        print("engine start (compile + layout + full program): \(ms(start))")
        let stray = IPPrefix("11.0.0.1/32")!, n7 = nid(book, "n7")
        let extra = try book.rule(.deny, from: "n5", to: "n500", proto: "udp", port: "53")
        let ep = LocalEndpoint(ifname: "rdnew", addresses: [IPAddress("10.0.0.20")!], network: nid(book, "n1"))
        var results: [(String, [Duration], Int)] = []
        for (label, doIt, undo) in [
            ("membership: a stray /32 joins n7", { try engine.addMembership(stray, network: n7) }, { try engine.removeMembership(stray, network: n7) }),
            ("endpoint added in its block", { try engine.addEndpoint(ep) }, { try engine.removeEndpoint(ifname: ep.ifname) }),
            ("policy added: deny n5 n500 udp 53", { _ = try engine.addPolicy(extra) }, { try engine.removePolicy(engine.book.sortedPolicies.last!.id) }),
            ("default action changed", { try engine.setDefault(.deny) }, { try engine.setDefault(.allow) }),
        ] as [(String, () throws -> Void, () throws -> Void)] {
            var times: [Duration] = [], undos: [Duration] = [], batch: [Duration] = []
            var changes = 0
            for _ in 0..<runs {
                times.append(try clock.measure { try doIt() })
                changes = engine.lastDiff.changeCount
                batch.append(engine.lastBatchTime)
                undos.append(try clock.measure { try undo() })
            }
            results.append((label, times, changes))
            results.append(("  of which the batch (build, send, ACK)", batch, changes))
            results.append(("  undone", undos, engine.lastDiff.changeCount))
        }
        for (label, times, changes) in results { line("\(label) (\(changes) changes)", times) }
    }
}

try bench(runs: Int(ProcessInfo.processInfo.environment["RUNS"] ?? "") ?? 7)
