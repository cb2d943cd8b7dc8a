import Testing
import Foundation
@testable import BGPWire
import IPAddressing

/// `Fixtures/bgp/malformed/`: every malformed message gives the outcome its MANIFEST.tsv line names
/// (made by contrib/make-malformed-corpus.py; the format is in that folder's README).
@Suite struct MalformedCorpusTests {
    struct Case: CustomTestStringConvertible, Sendable {
        var name: String
        var expect: String
        var options: [String]
        var why: String
        var testDescription: String { name }

        var context: CodecContext {
            CodecContext(fourOctetAS: !options.contains("as2"), extendedMessage: options.contains("extmsg"),
                         externalPeer: options.contains("ebgp"))
        }
    }

    static let cases: [Case] = {
        let url = FixturePaths.root.appendingPathComponent("bgp/malformed/MANIFEST.tsv")
        guard let text = try? String(contentsOf: url, encoding: .utf8) else { return [] }
        return text.split(separator: "\n").dropFirst().map { line in
            let f = line.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            return Case(name: f[0], expect: f[1], options: f[2] == "-" ? [] : f[2].split(separator: ",").map(String.init),
                        why: f.count > 3 ? f[3] : "")
        }
    }()

    @Test func corpusIsLargeAndCoversEveryOutcome() {
        #expect(Self.cases.count >= 60)
        for kind in ["notification", "treat-as-withdraw", "attribute-discard", "ok"] {
            #expect(Self.cases.contains { $0.expect.hasPrefix(kind) }, "no \(kind) case")
        }
    }

    @Test(arguments: cases)
    func outcome(_ c: Case) throws {
        let bytes = try FixturePaths.bytes(FixturePaths.root.appendingPathComponent("bgp/malformed/\(c.name).bin"))
        let words = c.expect.split(separator: " ").map(String.init)
        let result = decodeResult(bytes, c.context)
        func codeSubcode(_ e: BGPError) -> String { "\(e.code.rawValue)/\(e.subcode)" }
        switch words[0] {
        case "notification":
            guard case .failure(let error) = result else {
                Issue.record("\(c.name): decoded, expected \(c.expect) — \(c.why)"); return
            }
            #expect(codeSubcode(error) == words[1], "\(c.name): \(error) — \(c.why)")
            #expect(error.action == .sessionReset)
        case "treat-as-withdraw":
            guard case .success(.update(let update)) = result else {
                Issue.record("\(c.name): \(result), expected \(c.expect) — \(c.why)"); return
            }
            #expect(update.isTreatAsWithdraw, "\(c.name): errors \(update.errors) — \(c.why)")
            let first = update.errors.first { $0.action == .treatAsWithdraw }
            #expect(first.map(codeSubcode) == words[1], "\(c.name): \(update.errors) — \(c.why)")
            let expected = words.count > 2 && words[2] != "-" ? words[2].split(separator: ",").map(String.init) : []
            #expect(update.withdrawnPrefixes.map(\.description) == expected, "\(c.name) — \(c.why)")
            #expect(update.announcedPrefixes.isEmpty)
        case "attribute-discard":
            guard case .success(.update(let update)) = result else {
                Issue.record("\(c.name): \(result), expected \(c.expect) — \(c.why)"); return
            }
            #expect(update.errorAction == .attributeDiscard, "\(c.name): \(update.errors) — \(c.why)")
            #expect(update.errors.first.map(codeSubcode) == words[1], "\(c.name): \(update.errors)")
            let types = words[2].split(separator: ",").compactMap { UInt8($0) }
            #expect(update.errors.compactMap(\.attributeType).map(\.rawValue) == types, "\(c.name): \(update.errors)")
            for t in types {
                // A repeated attribute keeps its first copy; any other discarded attribute is gone.
                let repeated = update.errors.contains { $0.subcode == 1 && $0.attributeType?.rawValue == t }
                #expect(repeated || update.attributes[AttributeType(t)] == nil, "\(c.name): attribute \(t) still present")
            }
        case "ok":
            guard case .success(let message) = result else {
                Issue.record("\(c.name): \(result), expected ok — \(c.why)"); return
            }
            if case .update(let update) = message { #expect(update.errors.isEmpty, "\(c.name): \(update.errors)") }
        default:
            Issue.record("unknown expectation \(c.expect)")
        }
    }
}
