import AgentAPI
import AgentClient
import ArgumentParser
import Dispatch
import Foundation
import Lab

#if canImport(Glibc)
import Glibc
#endif

/// Issue 9's headline benchmarks, side by side in one run, on a lab made by the same library as
/// `routed lab up` (three hosts on one bridge, a BIRD 2 gateway, an outside client, one agent per
/// host sharing one SQLite file; everything in namespaces `rl-NAME-*`, removed on every exit):
///
/// - throughput: iperf3 workload → workload across hosts, host → host on the same link, and
///   workload → workload over a VXLAN overlay between the same hosts; `runs` runs each, interleaved;
/// - convergence: an endpoint added on host 1 (the control API call) until its first echo reply
///   at host 2 and at the outside client, for `endpoints` endpoints one after another;
/// - scale: `scale` endpoints added on three hosts at once until all answer, and the agents' RSS.
@main
struct LabBench: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "routed-lab-bench",
        abstract: "Convergence, throughput and scale of routed in a lab of namespaces (root).",
        discussion: "Example: sudo .build/release/routed-lab-bench --endpoints 100 --scale 1000 --runs 3")

    enum Section: String, ExpressibleByArgument, CaseIterable {
        case throughput, convergence, scale
    }

    @Option(help: "Endpoints added one by one on host 1 for convergence.")
    var endpoints = 100
    @Option(help: "Endpoints added across the three hosts for the scale run.")
    var scale = 1000
    @Option(help: "iperf3 runs per path (the median is reported).")
    var runs = 3
    @Option(help: "Seconds per iperf3 run (after one omitted second of TCP ramp-up).")
    var seconds = 5
    @Option(help: "The routed executable the agents run (default: the one next to this program).")
    var routed: String?
    @Option(help: "The lab's name (namespaces rl-NAME-*).")
    var name = "bench"
    @Option(parsing: .upToNextOption, help: "Sections to run: throughput, convergence, scale (default: all).")
    var only: [Section] = Section.allCases

    func validate() throws {
        guard (1...5000).contains(endpoints) else { throw ValidationError("--endpoints must be 1...5000") }
        guard (3...5000).contains(scale) else { throw ValidationError("--scale must be 3...5000 (three hosts)") }
        guard (1...15).contains(runs), (1...60).contains(seconds) else { throw ValidationError("--runs 1...15 and --seconds 1...60") }
    }

    var routedExecutable: String {
        if let routed { return routed }
        let me = (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe")) ?? CommandLine.arguments[0]
        return URL(fileURLWithPath: me).deletingLastPathComponent().appendingPathComponent("routed").path
    }

    func run() async throws {
        let spec = try LabSpec(name: name, hosts: 3, workloads: try LabSpec.parseWorkloads("t1:tput@1,t2:tput@2", hosts: 3))
        let stateFile = LabTopology(spec).stateFile
        let stopOnSignal = SignalCleanup(stateFile: stateFile)
        defer { stopOnSignal.cancel() }
        let started = ContinuousClock.now
        note("lab \(name): three hosts, BIRD gateway, client, agents (\(routedExecutable))")
        let lab = try Lab.up(spec, routed: routedExecutable) { note("  " + $0) }
        defer {
            note("lab down (removing every namespace)")
            let problems = lab.down()
            if !problems.isEmpty { note("down left: \(problems.joined(separator: "; "))") }
        }
        var report = Report(date: Date(), load: Self.loadAverage(), routed: routedExecutable)
        note("lab up in \(String(format: "%.1f", elapsedSeconds(since: started))) s")

        if only.contains(.throughput) { report.throughput = try await Throughput(lab: lab, runs: runs, seconds: seconds).measure() }
        if only.contains(.convergence) { report.convergence = try await Convergence(lab: lab, count: endpoints).measure() }
        if only.contains(.scale) { report.scale = try await Scale(lab: lab, count: scale).measure() }
        report.loadAfter = Self.loadAverage()
        print(report.markdown)
    }

    static func loadAverage() -> String {
        ((try? String(contentsOfFile: "/proc/loadavg", encoding: .utf8)) ?? "?").split(separator: " ").prefix(3).joined(separator: " ")
    }
}

/// Progress on stderr, so stdout is the report alone.
func note(_ line: String) {
    FileHandle.standardError.write(Data((line + "\n").utf8))
}

func elapsedSeconds(since start: ContinuousClock.Instant) -> Double { milliseconds(start.duration(to: .now)) / 1000 }

func milliseconds(_ d: Duration) -> Double {
    Double(d.components.seconds) * 1000 + Double(d.components.attoseconds) / 1e15
}

/// Runs blocking work (probes, commands) on a Dispatch thread, not on the cooperative pool.
func blocking<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        DispatchQueue.global().async { continuation.resume(with: Result { try body() }) }
    }
}

/// SIGINT or SIGTERM while the benchmark runs: `routed lab down` from the state file, then exit.
final class SignalCleanup {
    private let sources: [any DispatchSourceSignal]

    init(stateFile: String) {
        sources = [SIGINT, SIGTERM].map { sig in
            signal(sig, SIG_IGN)
            let source = DispatchSource.makeSignalSource(signal: sig, queue: .global())
            source.setEventHandler {
                note("signal \(sig): removing the lab")
                _ = Lab.down(stateFile: stateFile)
                exit(128 + sig)
            }
            source.resume()
            return source
        }
    }

    func cancel() { sources.forEach { $0.cancel() } }
}
