import Foundation

/// Runs the built `routed` executable as a user would, with a bounded wait.
enum RoutedBinary {
    static var path: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("routed").path
    }

    struct Result {
        var status: Int32
        var out: String
        var err: String
    }

    /// `routed ARGS` with `environment` added to this process's (and ROUTED_SOCKET removed unless given);
    /// with a `launcher` (`setpriv ... BINARY`), that command line followed by ARGS.
    static func run(_ args: [String], environment: [String: String] = [:], launcher: [String] = []) throws -> Result {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: launcher.first ?? path)
        p.arguments = Array(launcher.dropFirst()) + args
        var env = ProcessInfo.processInfo.environment
        env["ROUTED_SOCKET"] = nil
        env.merge(environment) { $1 }
        p.environment = env
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        try p.run()
        // Read both pipes concurrently so neither fills; bounded by a 60 s kill.
        let killer = DispatchWorkItem { if p.isRunning { p.terminate() } }
        DispatchQueue.global().asyncAfter(deadline: .now() + 60, execute: killer)
        let errData = DataBox()
        let reader = Thread { errData.set(err.fileHandleForReading.readDataToEndOfFile()) }
        reader.start()
        let outData = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        killer.cancel()
        let errText = errData.wait()
        return Result(status: p.terminationStatus, out: String(decoding: outData, as: UTF8.self), err: String(decoding: errText, as: UTF8.self))
    }
}

/// The bytes a reader thread collects, waited for with a bound.
final class DataBox: @unchecked Sendable {
    private let condition = NSCondition()
    private var value: Data?
    func set(_ v: Data) { condition.lock(); value = v; condition.signal(); condition.unlock() }
    func wait() -> Data {
        condition.lock()
        defer { condition.unlock() }
        let deadline = Date().addingTimeInterval(60)
        while value == nil, condition.wait(until: deadline) {}
        return value ?? Data()
    }
}
