import Testing
import Foundation
@testable import BGPWireFuzz

/// Every input the fuzzer ever crashed on, and every fixture message under every control octet,
/// pass the fuzz harness's checks: no trap, split-independent framing, re-encoding is stable.
@Suite struct FuzzRegressionTests {
    static let crashes: [URL] = {
        let dir = FixturePaths.root.appendingPathComponent("bgp/fuzz-regressions")
        let names = (try? FileManager.default.contentsOfDirectory(atPath: dir.path)) ?? []
        return names.filter { !$0.hasSuffix(".md") }.sorted().map { dir.appendingPathComponent($0) }
    }()

    @Test(arguments: crashes)
    func crashInputNoLongerFails(_ url: URL) throws {
        let data = try Data(contentsOf: url)
        data.withUnsafeBytes { FuzzHarness.run($0) }
    }

    @Test func everyFixtureUnderEveryControlOctet() throws {
        var fixtures: [URL] = []
        for folder in ["bgp/bird", "bgp/gobgp", "bgp/frr", "bgp/malformed"] { fixtures += FixturePaths.files(in: folder) }
        #expect(fixtures.count >= 60)
        for url in fixtures {
            let bytes = try FixturePaths.bytes(url)
            for control in UInt8(0)..<32 {
                ([control] + bytes).withUnsafeBytes { FuzzHarness.run($0) }
            }
        }
    }
}
