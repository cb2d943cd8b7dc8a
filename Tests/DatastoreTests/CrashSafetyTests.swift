import Datastore
import Foundation
import IPAM
import IPAddressing
import Testing
import TestScheduling

/// A helper process allocating against a SQLite file is killed with SIGKILL at arbitrary points;
/// the next start repairs the store: nothing lost (every endpoint the helper reported keeps its
/// address), nothing doubled, nothing leaked.
@Suite(.blockingWork, .serialized) struct CrashSafetyTests {
    static var helper: URL {
        URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().deletingLastPathComponent()
            .appendingPathComponent("routed-ipam-crash-helper")
    }

    @Test(arguments: [(7, 40), (11, 97), (13, 160)])
    func killDashNineMidAllocationIsRepairedAtNextStart(seed: Int, steps: Int) async throws {
        let dir = try TempDir()
        let store = try SQLiteDatastore(path: dir.database)
        try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/22", blockLength: 29))
        _ = try await store.createNetwork("n")
        var reported: [String: IPAddress] = [:]
        var deleting: Set<String> = []
        var next = 0
        for round in 0..<2 {
            let lines = try runAndKill(db: dir.database, start: next, afterLines: steps + round * seed)
            for l in lines {
                let f = l.split(separator: " ")
                if f.count == 3, f[0] == "add" { reported[String(f[1])] = IPAddress(f[2]) }
                if f.count == 2, f[0] == "deleting" { deleting.insert(String(f[1])) }
                if f.count == 2, f[0] == "del" { reported[String(f[1])] = nil; deleting.remove(String(f[1])) }
            }
            next += 100_000
            // The next start of the agent on this host.
            let reopened = try SQLiteDatastore(path: dir.database)
            let alloc = IPAllocator(store: reopened)
            try await alloc.repairAtStart(host: "h")
            let report = try await alloc.report(hostGrace: .max)
            #expect(report.leaked.isEmpty, "round \(round): \(report.leaked)")
            #expect(report.unbacked.isEmpty, "round \(round): \(report.unbacked)")
            let blocks = try await reopened.blocks()
            let held = blocks.flatMap { $0.allocations.map { ($0.allocation.endpoint, $0.address) } }
            #expect(Set(held.map(\.1)).count == held.count, "an address held twice")
            let endpoints = try await reopened.endpoints()
            let recorded = Dictionary(uniqueKeysWithValues: endpoints.map { ($0.name, $0.addresses[0]) })
            // Nothing lost: every add the helper completed (and did not start deleting) survives
            // with its address; a delete cut by the kill may have gone either way.
            for (name, addr) in reported where !deleting.contains(name) {
                #expect(recorded[name] == addr, "round \(round): \(name) lost")
            }
            for name in deleting { reported[name] = recorded[name] }
            deleting = []
            // At most the one step in flight at the kill may have completed unreported.
            #expect(recorded.count - reported.count <= 1)
            #expect(Dictionary(uniqueKeysWithValues: held) == recorded, "allocations and endpoint records agree")
            let integrity = try await reopenedIntegrity(dir.database)
            #expect(integrity == "ok")
        }
    }

    /// The kill lands exactly between allocating and recording: the leak is visible, the next
    /// start frees it, and the address is handed out again.
    @Test func aKillBetweenAllocateAndRecordLeaksOnlyUntilTheNextStart() async throws {
        let dir = try TempDir()
        let store = try SQLiteDatastore(path: dir.database)
        try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 28))
        _ = try await store.createNetwork("n")
        let lines = try runAndKill(db: dir.database, start: 0, afterLines: 6, pause: 6)
        #expect(lines.last == "allocated h-e5 10.0.0.5")
        let alloc = IPAllocator(store: store)
        #expect(try await alloc.report(hostGrace: .max).leaked.map(\.endpoint) == ["h-e5"])
        let repaired = try await alloc.repairAtStart(host: "h")
        #expect(repaired.count == 1)
        let after = try await alloc.report(hostGrace: .max)
        #expect(after.leaked.isEmpty && after.unbacked.isEmpty)
        #expect(try await alloc.allocate(endpoint: "new", network: "n", host: "h") == ip("10.0.0.5"))
        #expect(try await store.endpoints().count == 5)
    }

    /// Three agent processes (hosts h0, h1, h2) churn endpoints on one SQLite file at once, each
    /// claiming small blocks from the same pool; all three are killed with SIGKILL, each host's
    /// next start repairs it, and the audit finds every address once, every reported endpoint
    /// intact, and blocks disjoint, each holding only its own host's endpoints.
    @Test func threeProcessesShareOneFileAndSurviveKill() async throws {
        let dir = try TempDir()
        let store = try SQLiteDatastore(path: dir.database)
        try await store.createPool(Pool(name: "p", cidr: "10.0.0.0/24", blockLength: 30))
        _ = try await store.createNetwork("n")
        var procs: [(Process, String)] = []
        defer { for (p, _) in procs where p.isRunning { kill(p.processIdentifier, SIGKILL); p.waitUntilExit() } }
        for h in 0..<3 {
            let out = dir.path + "/h\(h).out"
            _ = FileManager.default.createFile(atPath: out, contents: nil)
            let p = Process()
            p.executableURL = Self.helper
            p.arguments = [dir.database, "h\(h)", "n", "0"]
            p.standardOutput = FileHandle(forWritingAtPath: out)
            try p.run()
            procs.append((p, out))
        }
        func lineCount(_ path: String) -> Int {
            (try? String(contentsOfFile: path, encoding: .utf8))?.split(separator: "\n").count ?? 0
        }
        let deadline = Date().addingTimeInterval(20)
        while procs.contains(where: { lineCount($0.1) < 150 }), Date() < deadline, procs.allSatisfy({ $0.0.isRunning }) {
            try await Task.sleep(for: .milliseconds(20))
        }
        for (p, _) in procs { kill(p.processIdentifier, SIGKILL) }
        for (p, _) in procs { p.waitUntilExit(); #expect(p.terminationReason == .uncaughtSignal) }
        #expect(procs.allSatisfy { lineCount($0.1) >= 150 }, "every helper made progress")

        var reported: [String: IPAddress] = [:]
        var deleting: Set<String> = []
        for (_, out) in procs {
            let text = try String(contentsOfFile: out, encoding: .utf8)
            for l in text.split(separator: "\n") {
                let f = l.split(separator: " ")
                if f.count == 3, f[0] == "add" { reported[String(f[1])] = IPAddress(f[2]) }
                if f.count == 2, f[0] == "deleting" { deleting.insert(String(f[1])) }
                if f.count == 2, f[0] == "del" { reported[String(f[1])] = nil; deleting.remove(String(f[1])) }
            }
        }
        let alloc = IPAllocator(store: try SQLiteDatastore(path: dir.database))
        for h in 0..<3 { try await alloc.repairAtStart(host: "h\(h)") }
        let report = try await alloc.report(hostGrace: .max)
        #expect(report.leaked.isEmpty && report.unbacked.isEmpty)
        let blocks = try await store.blocks()
        let held = blocks.flatMap { $0.allocations.map { ($0.allocation.endpoint, $0.address) } }
        #expect(Set(held.map(\.1)).count == held.count, "an address held twice")
        for b in blocks { #expect(b.allocations.allSatisfy { $0.allocation.endpoint.hasPrefix(b.host + "-") }) }
        let cidrs = blocks.map(\.cidr).sorted()
        for (a, b) in zip(cidrs, cidrs.dropFirst()) { #expect(!a.overlaps(b)) }
        let recorded = Dictionary(uniqueKeysWithValues: try await store.endpoints().map { ($0.name, $0.addresses[0]) })
        for (name, addr) in reported where !deleting.contains(name) { #expect(recorded[name] == addr, "\(name) lost") }
        #expect(try SQLiteIntegrity.check(path: dir.database) == "ok")
    }

    /// Starts the helper, lets it complete `afterLines` steps, then kills it with SIGKILL;
    /// returns the lines it wrote. Bounded: gives up after 20 s.
    func runAndKill(db: String, start: Int, afterLines: Int, pause: Int? = nil) throws -> [String] {
        let p = Process()
        p.executableURL = Self.helper
        p.arguments = [db, "h", "n", String(start)] + (pause.map { [String($0)] } ?? [])
        let out = Pipe()
        p.standardOutput = out
        try p.run()
        var text = ""
        let deadline = Date().addingTimeInterval(20)
        while text.split(separator: "\n").count < afterLines, Date() < deadline, p.isRunning {
            let chunk = out.fileHandleForReading.availableData
            if chunk.isEmpty { break }
            text += String(decoding: chunk, as: UTF8.self)
        }
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        #expect(p.terminationReason == .uncaughtSignal, "the helper died by SIGKILL, not by itself")
        text += String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        // Only complete lines count: a line cut by the kill was not reported.
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        if text.last != "\n" { lines.removeLast() }
        return lines.filter { !$0.isEmpty }
    }
}

func reopenedIntegrity(_ path: String) async throws -> String {
    try SQLiteIntegrity.check(path: path)
}
