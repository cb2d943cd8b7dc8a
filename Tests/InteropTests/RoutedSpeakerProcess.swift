import Foundation
import Glibc
import InteropLab

/// `routed bgp-speaker` running inside a lab namespace: its events (JSON lines in its log) and a
/// FIFO on its standard input for `announce` / `withdraw` commands.
final class RoutedSpeakerProcess {
    let process: ChildProcess
    let logFile: String
    private let fifo: String
    private var control: FileHandle?

    /// The `routed` executable built next to the test bundle (`swift build --build-tests` builds it).
    static var executable: String {
        let dir = URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent()
        for candidate in [dir, dir.deletingLastPathComponent()] {
            let path = candidate.appendingPathComponent("routed").path
            if FileManager.default.isExecutableFile(atPath: path) { return path }
        }
        return dir.appendingPathComponent("routed").path
    }

    init(lab: NamespaceLab, namespace: String, arguments: [String], name: String = "routed") throws {
        logFile = lab.path("\(name).log")
        fifo = lab.path("\(name).ctl")
        guard mkfifo(fifo, 0o600) == 0 else { throw LabError.launchFailed(command: ["mkfifo", fifo], reason: String(cString: strerror(errno))) }
        let command = ([Self.executable, "bgp-speaker"] + arguments + ["--read-commands", "--log-level", "info"])
            .map { "'\($0)'" }.joined(separator: " ")
        process = try lab.spawn(namespace, ["sh", "-c", "exec \(command) < '\(fifo)'"], logFile: logFile)
        // Opening the FIFO for writing waits for the reader: routed's shell opens it first.
        control = FileHandle(forWritingAtPath: fifo)
    }

    func command(_ line: String) {
        control?.write(Data((line + "\n").utf8))
    }

    /// Every event so far (JSON objects; log lines on standard error are skipped).
    func events() -> [[String: Any]] {
        guard let text = try? String(contentsOfFile: logFile, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").compactMap { line in
            guard line.hasPrefix("{") else { return nil }
            return (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any]
        }
    }

    /// The prefixes currently received from `peer`, with their attributes, replaying the events.
    func received(from peer: String) -> [String: [String: Any]] {
        var table: [String: [String: Any]] = [:]
        for e in events() where e["peer"] as? String == peer {
            switch e["event"] as? String {
            case "routes":
                for w in e["withdrawn"] as? [String] ?? [] { table[w] = nil }
                for r in e["announced"] as? [[String: Any]] ?? [] { table[r["prefix"] as? String ?? ""] = r }
            case "down" where e["keeps-routes"] as? Bool != true:
                table = [:]
            default: break
            }
        }
        return table
    }

    /// The Loc-RIB's best route per prefix, replaying the `rib` events (nil: no route).
    func bestRoutes() -> [String: [String: Any]] {
        var table: [String: [String: Any]] = [:]
        for e in events() where e["event"] as? String == "rib" {
            for c in e["changes"] as? [[String: Any]] ?? [] {
                guard let prefix = c["prefix"] as? String else { continue }
                table[prefix] = c["best"] as? [String: Any]
            }
        }
        return table
    }

    func waitForBest(_ prefix: String, timeout: Duration = .seconds(30)) async throws -> [String: Any] {
        try await waitForValue("routed: best route of \(prefix)", timeout: timeout, { self.bestRoutes()[prefix] }, until: { $0 != nil })!
    }

    /// The session state with `peer` after the last state change.
    func state(of peer: String) -> String {
        events().last { $0["event"] as? String == "state" && $0["peer"] as? String == peer }?["to"] as? String ?? "Idle"
    }

    func waitForState(_ peer: String, _ state: String = "Established", timeout: Duration = .seconds(30)) async throws {
        try await waitUntil("routed: \(peer) \(state)", timeout: timeout) { self.state(of: peer) == state }
    }

    func waitForRoute(_ prefix: String, from peer: String, present: Bool = true, timeout: Duration = .seconds(30)) async throws -> [String: Any]? {
        try await waitForValue("routed: \(prefix) from \(peer) \(present ? "present" : "gone")", timeout: timeout,
                               { self.received(from: peer)[prefix] }, until: { ($0 != nil) == present })
    }

    /// Down events for `peer` whose reason contains `text`.
    func downs(_ peer: String, containing text: String) -> Int {
        events().filter { $0["event"] as? String == "down" && $0["peer"] as? String == peer
            && ($0["reason"] as? String ?? "").contains(text) }.count
    }

    /// State changes of `peer` whose reason contains `text`.
    func transitions(_ peer: String, containing text: String) -> Int {
        events().filter { $0["event"] as? String == "state" && $0["peer"] as? String == peer
            && ($0["reason"] as? String ?? "").contains(text) }.count
    }

    func stop() {
        try? control?.close()
        control = nil
        process.stop()
    }

    deinit { try? control?.close() }
}
