import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Labs left behind by a test process that died without cleaning up (SIGKILL, a CI timeout).
///
/// Every lab directory holds a manifest: `owner PID STARTTIME` (start time from /proc/PID/stat, so
/// a reused pid is not mistaken for the owner) and one `netns NAME` line per namespace, written
/// before the namespace is created. A lab whose owner is gone is removed: the processes inside
/// its namespaces (`ip netns pids`) get SIGKILL, the namespaces and the directory are deleted.
/// A lab whose owner still runs (another test process, another engineer) is never touched.
extension NamespaceLab {
    static let manifestName = "manifest"

    /// Removes the labs of dead test processes; returns what it removed. Runs once per process
    /// automatically (first `NamespaceLab.init`).
    @discardableResult
    public static func removeStaleLabs() -> [String] {
        let tmp = NSTemporaryDirectory()
        guard let entries = try? FileManager.default.contentsOfDirectory(atPath: tmp) else { return [] }
        var removed: [String] = []
        for entry in entries where entry.hasPrefix("interoplab-rl") {
            let directory = tmp + entry
            guard let manifest = try? String(contentsOfFile: directory + "/" + manifestName, encoding: .utf8) else { continue }
            let lines = manifest.split(separator: "\n").map { $0.split(separator: " ").map(String.init) }
            guard let owner = lines.first(where: { $0.first == "owner" }), owner.count == 3,
                  let pid = Int32(owner[1]) else { continue }
            if processStartTime(pid) == owner[2] { continue }  // the owner still runs
            for line in lines where line.first == "netns" && line.count == 2 {
                let ns = line[1]
                guard FileManager.default.fileExists(atPath: "/run/netns/\(ns)") else { continue }
                if let pids = try? Command.run(["ip", "netns", "pids", ns], timeout: .seconds(5)) {
                    for pid in pids.split(whereSeparator: \.isWhitespace).compactMap({ Int32($0) }) where pid > 1 {
                        _ = kill(pid, SIGKILL)
                    }
                }
                if (try? Command.run(["ip", "netns", "delete", ns], timeout: .seconds(5))) != nil {
                    removed.append("netns \(ns)")
                }
            }
            try? FileManager.default.removeItem(atPath: directory)
            removed.append(directory)
        }
        return removed
    }

    /// Field 22 of /proc/PID/stat (start time in clock ticks since boot), or nil if no such process.
    static func processStartTime(_ pid: Int32) -> String? {
        guard let stat = try? String(contentsOfFile: "/proc/\(pid)/stat", encoding: .utf8),
              let close = stat.lastIndex(of: ")") else { return nil }
        let fields = stat[stat.index(after: close)...].split(separator: " ")
        // fields[0] is field 3 (state); field 22 is fields[19].
        return fields.count > 19 ? String(fields[19]) : nil
    }

    func appendToManifest(_ line: String) {
        let path = directory + "/" + Self.manifestName
        if let handle = FileHandle(forWritingAtPath: path) {
            handle.seekToEndOfFile()
            handle.write(Data((line + "\n").utf8))
            try? handle.close()
        } else {
            _ = FileManager.default.createFile(atPath: path, contents: Data((line + "\n").utf8))
        }
    }
}
