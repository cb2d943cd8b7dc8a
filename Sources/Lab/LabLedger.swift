import Foundation

/// The lab's state file: one line per thing the lab makes, appended (and flushed) BEFORE it is
/// made, so `routed lab down` can undo a lab that crashed or stopped half-way through `up`.
///
/// ```
/// netns rl-lab-h1                  # ip netns add rl-lab-h1 follows
/// spawn agent-h1                   # a process is about to start ...
/// pid agent-h1 4242 98765          # ... it did: pid and start time (/proc/PID/stat field 22)
/// file /tmp/routed-lab-lab/x.conf
/// dir /tmp/routed-lab-lab
/// ```
/// A process between `spawn` and `pid` lives in one of the lab's namespaces, so `down` finds it
/// there (`ip netns pids`); a pid is only signalled while its start time still matches.
public struct LabLedger: Sendable {
    public enum Entry: Hashable, Sendable {
        case namespace(String)
        case spawn(label: String)
        case process(label: String, pid: Int32, startTime: String)
        case file(String)
        case directory(String)

        var line: String {
            switch self {
            case .namespace(let n): "netns \(n)"
            case .spawn(let l): "spawn \(l)"
            case .process(let l, let pid, let start): "pid \(l) \(pid) \(start)"
            case .file(let p): "file \(p)"
            case .directory(let p): "dir \(p)"
            }
        }

        init?(line: Substring) {
            let f = line.split(separator: " ", maxSplits: 1).map(String.init)
            guard f.count == 2 else { return nil }
            switch f[0] {
            case "netns": self = .namespace(f[1])
            case "spawn": self = .spawn(label: f[1])
            case "file": self = .file(f[1])
            case "dir": self = .directory(f[1])
            case "pid":
                let p = f[1].split(separator: " ").map(String.init)
                guard p.count == 3, let pid = Int32(p[1]) else { return nil }
                self = .process(label: p[0], pid: pid, startTime: p[2])
            default: return nil
            }
        }
    }

    public let path: String

    public init(path: String) { self.path = path }

    /// Appends `entry` and syncs it to disk before returning.
    public func record(_ entry: Entry) throws(LabError) {
        let data = Data((entry.line + "\n").utf8)
        if !FileManager.default.fileExists(atPath: path) {
            guard FileManager.default.createFile(atPath: path, contents: nil, attributes: [.posixPermissions: 0o600]) else {
                throw .stateFile(path: path, problem: "cannot create it")
            }
        }
        guard let handle = FileHandle(forWritingAtPath: path) else { throw .stateFile(path: path, problem: "cannot open it for writing") }
        do {
            try handle.seekToEnd()
            try handle.write(contentsOf: data)
            try handle.synchronize()
            try handle.close()
        } catch {
            throw .stateFile(path: path, problem: "\(error)")
        }
    }

    /// Every entry, in the order recorded (unreadable lines are skipped: a torn last line after a crash).
    public func entries() throws(LabError) -> [Entry] {
        guard let text = try? String(contentsOfFile: path, encoding: .utf8) else {
            throw .stateFile(path: path, problem: "cannot read it")
        }
        return text.split(separator: "\n").compactMap(Entry.init(line:))
    }

    /// The latest pid recorded for `label` (a restarted agent has several lines).
    public func process(_ label: String) throws(LabError) -> (pid: Int32, startTime: String)? {
        for case .process(let l, let pid, let start) in try entries().reversed() where l == label { return (pid, start) }
        return nil
    }
}
