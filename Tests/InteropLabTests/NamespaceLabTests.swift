import Foundation
import InteropLab
import Testing
import TestScheduling

/// The lab itself: namespaces with per-run names, veth links, bounded commands, cleanup.
@Suite(.blockingWork, .lab()) struct NamespaceLabTests {
    @Test func twoLabsNeverShareANamespacePrefix() throws {
        let one = try NamespaceLab(name: "one")
        defer { one.cleanup() }
        let two = try NamespaceLab(name: "two")
        defer { two.cleanup() }
        #expect(one.prefix != two.prefix)
        #expect(one.directory != two.directory)
    }

    @Test func aFailingCommandReportsItsStatusAndOutput() throws {
        let lab = try NamespaceLab(name: "fail")
        defer { lab.cleanup() }
        let ns = try lab.addNamespace("a")
        #expect {
            try lab.run(ns, ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"])
        } throws: { error in
            guard case .commandFailed(let command, let status, let output) = error as? LabError else { return false }
            return command.suffix(3) == ["sh", "-c", "echo to-stdout; echo to-stderr >&2; exit 3"] && status == 3
                && output.contains("to-stdout") && output.contains("to-stderr")
        }
    }

    @Test func aHangingCommandIsKilledAtItsTimeout() throws {
        let lab = try NamespaceLab(name: "timeout")
        defer { lab.cleanup() }
        let ns = try lab.addNamespace("a")
        let start = ContinuousClock.now
        #expect {
            try lab.run(ns, ["sleep", "30"], timeout: .milliseconds(300))
        } throws: { error in
            if case .commandTimedOut = error as? LabError { return true }
            return false
        }
        #expect(ContinuousClock.now - start < .seconds(5))
    }

    @Test func aVethLinkCarriesIPv4AndIPv6AtOnceAndCanBeCut() throws {
        let lab = try NamespaceLab(name: "link")
        defer { lab.cleanup() }
        let a = try lab.addNamespace("a")
        let b = try lab.addNamespace("b")
        try lab.link(a, "to-b", b, "to-a", addresses: (["10.0.0.1/30", "fd00::1/64"], ["10.0.0.2/30", "fd00::2/64"]))
        // -w: keep trying for up to 6 s (the link-local addresses neighbour discovery uses still do DAD).
        try lab.run(a, ["ping", "-c", "1", "-w", "6", "10.0.0.2"])
        try lab.run(a, ["ping", "-c", "1", "-w", "6", "fd00::2"])
        try lab.cutLink(b, "to-a")
        #expect(try lab.execute(a, ["ping", "-c", "1", "-W", "1", "10.0.0.2"]).status != 0)
        try lab.restoreLink(b, "to-a")
        try lab.run(a, ["ping", "-c", "1", "-w", "6", "10.0.0.2"])
    }

    @Test(arguments: ["", "sixteen-chars-xx", "has/slash", "has space"])
    func anUnusableInterfaceNameIsRefusedBeforeAnythingChanges(name: String) throws {
        let lab = try NamespaceLab(name: "names")
        defer { lab.cleanup() }
        let a = try lab.addNamespace("a")
        let b = try lab.addNamespace("b")
        #expect {
            try lab.link(a, name, b, "ok")
        } throws: { error in
            if case .invalidName(name, _) = error as? LabError { return true }
            return false
        }
        #expect(!(try lab.run(a, ["ip", "-o", "link"])).contains("ok@"))
    }

    @Test func aNamespaceOutsideTheLabIsNeverTouched() throws {
        let lab = try NamespaceLab(name: "foreign")
        defer { lab.cleanup() }
        _ = try lab.addNamespace("a")
        for foreign in ["", "default", "init", "\(lab.prefix)-zz"] {
            #expect {
                try lab.run(foreign, ["true"])
            } throws: { error in
                if case .unknownNamespace(foreign, _) = error as? LabError { return true }
                return false
            }
        }
    }

    @Test func cleanupStopsProcessesDeletesNamespacesAndIsIdempotent() async throws {
        let lab = try NamespaceLab(name: "cleanup")
        let a = try lab.addNamespace("a")
        let b = try lab.addNamespace("b")
        let sleeper = try lab.spawn(a, ["sleep", "60"], logFile: lab.path("sleep.log"))
        let stubborn = try lab.spawn(b, ["sh", "-c", "trap '' TERM; sleep 60"], logFile: lab.path("stubborn.log"))
        #expect(sleeper.isRunning && stubborn.isRunning)
        try await Task.sleep(for: .milliseconds(200))
        let left = try lab.pids(in: b)  // the shell and its `sleep`, which never saw a signal
        #expect(left.count == 2)
        #expect(lab.cleanup() == [])
        for pid in left { #expect(!isAlive(pid), "pid \(pid) survived cleanup") }
        #expect(!sleeper.isRunning)
        #expect(!stubborn.isRunning)  // ignored SIGTERM, got SIGKILL
        let listed = try String(contentsOfFile: "/proc/self/mounts", encoding: .utf8)
        #expect(!listed.contains("/run/netns/\(a)"))
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(a)"))
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(b)"))
        #expect(!FileManager.default.fileExists(atPath: lab.directory))
        #expect(lab.cleanup() == [])
    }
}

/// True if `pid` exists and is not a zombie (a zombie is dead, merely not yet reaped).
func isAlive(_ pid: Int32) -> Bool {
    guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8) else { return false }
    return !stat.contains(") Z ")
}

/// A lab whose test process died (here: a lab directory whose manifest names an owner that is
/// not running) is removed by the next run, with its namespaces and their processes.
@Suite(.blockingWork, .lab()) struct StaleLabTests {
    @Test func aDeadOwnersLabIsRemovedAndALiveOnesIsKept() throws {
        // A live lab of this process, which must survive the sweep.
        let live = try NamespaceLab(name: "live")
        defer { live.cleanup() }
        let liveNS = try live.addNamespace("a")

        // A "dead" lab: owner pid 1 with a start time no process can have.
        let deadPrefix = "rl\(getpid() % 100_000)x999\(Int.random(in: 100...999))"
        let directory = NSTemporaryDirectory() + "interoplab-\(deadPrefix)-dead"
        let deadNS = "\(deadPrefix)-a"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try "owner 1 not-a-start-time\nnetns \(deadNS)\n".write(toFile: directory + "/manifest", atomically: true, encoding: .utf8)
        let add = Process()
        add.executableURL = URL(fileURLWithPath: "/usr/sbin/ip")
        add.arguments = ["netns", "add", deadNS]
        try add.run()
        add.waitUntilExit()
        #expect(FileManager.default.fileExists(atPath: "/run/netns/\(deadNS)"))

        let removed = NamespaceLab.removeStaleLabs()
        #expect(removed.contains("netns \(deadNS)"))
        #expect(!FileManager.default.fileExists(atPath: "/run/netns/\(deadNS)"))
        #expect(!FileManager.default.fileExists(atPath: directory))
        #expect(FileManager.default.fileExists(atPath: "/run/netns/\(liveNS)"))
        #expect(FileManager.default.fileExists(atPath: live.directory))
    }
}
