import Testing
import TestScheduling
import Foundation
import Policy

/// The nft text of representative models, kept in `Fixtures/nft/`. A change to the rendering
/// shows up as a diff of these files; regenerate with `ROUTED_UPDATE_GOLDEN=1 swift test --filter GoldenTests`.
@Suite(.blockingWork) struct GoldenTests {
    static let fixtures = URL(fileURLWithPath: #filePath)
        .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        .appendingPathComponent("Fixtures/nft")

    @Test(arguments: ["representative", "empty"])
    func renderingMatchesTheFixture(name: String) throws {
        let ruleset = name == "empty" ? PolicyCompiler.compile(PolicyBook()) : try NFTKernelTests.model()
        let file = Self.fixtures.appendingPathComponent("\(name).nft")
        let text = ruleset.nftText()
        if ProcessInfo.processInfo.environment["ROUTED_UPDATE_GOLDEN"] == "1" {
            try text.write(to: file, atomically: true, encoding: .utf8)
        }
        let expected = try String(contentsOf: file, encoding: .utf8)
        #expect(text == expected, "rendering differs from \(file.path)")
    }
}

/// Policies round-trip through Codable unchanged: what the datastore stores.
@Suite(.blockingWork) struct CodableTests {
    @Test func bookRoundTripsThroughJSON() throws {
        var book = try PolicyBook.make(["deny lamp lnmp", "allow lamp lnmp --proto tcp --port 8000-8080 --one-way --log",
                                        "deny world lamp --proto icmp"], default: .deny)
        try book.remove(PolicyID(rawValue: 1))
        let data = try JSONEncoder().encode(book)
        let back = try JSONDecoder().decode(PolicyBook.self, from: data)
        #expect(back == book)
        #expect(back.nextPolicyID == 4)
        let policy = try JSONDecoder().decode(Policy.self, from: JSONEncoder().encode(book.sortedPolicies[0]))
        #expect(policy == book.sortedPolicies[0])
    }

    @Test func anInvalidStoredNameIsADecodingError() {
        let json = #"{"action":"deny","from":"Bad Name","to":"lamp","oneWay":false,"log":false}"#
        #expect(throws: DecodingError.self) { try JSONDecoder().decode(PolicyRule.self, from: Data(json.utf8)) }
    }
}
