import Testing
import Foundation
@testable import BGPWire

/// `Fixtures/bgp/{bird,gobgp,frr}`: messages captured from BIRD 2, GoBGP and FRR in a namespace lab
/// (contrib/capture-fixtures.sh). Every one decodes cleanly, and re-encodes to the same bytes.
@Suite struct DaemonFixtureTests {
    static let fixtures: [URL] = ["bird", "gobgp", "frr"].flatMap { FixturePaths.files(in: "bgp/\($0)") }

    /// The session a capture came from, from the tags in its name (see Fixtures/bgp/README.md).
    static func context(for url: URL) -> CodecContext {
        let name = url.lastPathComponent
        return CodecContext(fourOctetAS: !name.contains("as2"), extendedMessage: name.contains("extmsg"),
                            addPath: name.contains("addpath") ? [.ipv4Unicast, .ipv6Unicast] : [])
    }

    @Test func everyImplementationIsRepresented() {
        for daemon in ["bird", "gobgp", "frr"] {
            let files = FixturePaths.files(in: "bgp/\(daemon)").map(\.lastPathComponent)
            #expect(files.contains { $0.contains("open") }, "\(daemon) has no OPEN fixture")
            #expect(files.contains { $0.contains("update") }, "\(daemon) has no UPDATE fixture")
        }
    }

    @Test(arguments: fixtures)
    func decodesCleanlyAndReencodesToTheSameBytes(_ url: URL) throws {
        let bytes = try FixturePaths.bytes(url)
        let context = Self.context(for: url)
        let message = try BGPMessage.decode(bytes: bytes, context: context)
        // The file name says what the capture saw: NNN-open.bin, NNN-route-refresh.bin, ...
        #expect(url.lastPathComponent.contains("-\(message.type.description.lowercased())"))
        if case .update(let update) = message {
            #expect(update.errors.isEmpty, "\(update.errors)")
        }
        #expect(message.encoded(context: context) == bytes)
    }
}
