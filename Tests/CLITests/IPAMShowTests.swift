import Testing
import TestScheduling
import Foundation
import Datastore
import IPAM

/// `routed ipam show` against a real SQLite file made by the allocator.
@Suite(.blockingWork) struct IPAMShowTests {
    static var routed: String {
        URL(fileURLWithPath: CommandLine.arguments[0]).deletingLastPathComponent().appendingPathComponent("routed").path
    }

    func run(_ args: [String]) throws -> (status: Int32, out: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: Self.routed)
        p.arguments = args
        let pipe = Pipe()
        p.standardOutput = pipe
        p.standardError = pipe
        try p.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }

    @Test func showsPoolsBlocksAndUsage() async throws {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("routed-ipam-show-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("routed.sqlite").path
        let store = try SQLiteDatastore(path: path)
        try await store.createPool(Pool(name: "containers", cidr: "10.244.0.0/16", blockLength: 26, reserved: []))
        _ = try await store.createNetwork("lamp")
        let allocator = IPAllocator(store: store)
        for i in 0..<3 { _ = try await allocator.allocate(endpoint: "ep\(i)", network: "lamp", host: "host1") }

        let text = try run(["ipam", "show", "--datastore", "sqlite:\(path)"])
        #expect(text.status == 0, "\(text.out)")
        #expect(text.out.contains("containers") && text.out.contains("10.244.0.0/26") && text.out.contains("host1"))

        let json = try run(["ipam", "show", "--datastore", "sqlite:\(path)", "-o", "json"])
        #expect(json.status == 0)
        let object = try JSONSerialization.jsonObject(with: Data(json.out.utf8)) as? [String: Any]
        #expect(object != nil, "\(json.out)")
    }

    @Test func aMissingDatastoreIsAnErrorAndCreatesNothing() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("routed-none-\(UUID().uuidString).sqlite").path
        let result = try run(["ipam", "show", "--datastore", "sqlite:\(path)"])
        #expect(result.status != 0)
        #expect(result.out.contains("no datastore at \(path)"))
        #expect(!FileManager.default.fileExists(atPath: path))
        let bad = try run(["ipam", "show", "--datastore", "mysql://x"])
        #expect(bad.status != 0 && bad.out.contains("Error"))
    }
}
