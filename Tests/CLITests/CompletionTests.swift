import RoutedTestKit
import Foundation
import Testing
import TestScheduling

/// `routed --generate-completion-script SHELL` offers the fixed values of `-o`, `--proto` and
/// `policy default`, and asks the agent (through routed itself) for network names.
@Suite(.blockingWork) struct CompletionTests {
    @Test(arguments: ["bash", "zsh", "fish"])
    func scriptsCarryTheFixedValues(_ shell: String) throws {
        let result = try RoutedBinary.run(["--generate-completion-script", shell])
        #expect(result.status == 0, "\(result.err)")
        for word in ["text", "json", "tcp", "udp", "icmp", "allow", "deny", "---completion"] {
            #expect(result.out.contains(word), "\(shell) script lacks \(word)")
        }
    }

    @Test func networkNamesComeFromTheAgent() async throws {
        let list = #"[{"name": "lamp", "id": 3, "endpoints": 0, "prefixes": []}, {"name": "lnmp", "id": 4, "endpoints": 0, "prefixes": []}]"#
        let server = try await CannedHTTPServer.start { _ in .init(status: 200, body: list) }
        defer { Task { await server.stop() } }
        // What the shell runs on TAB after `routed network del --socket S `.
        // ---completion SUBCOMMANDS -- ARGUMENT WORD-INDEX CURSOR-INDEX WORDS...
        let result = try RoutedBinary.run(["---completion", "network", "del", "--", "positional@0", "5", "0",
                                           "routed", "network", "del", "--socket", server.path, ""])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.split(separator: "\n").map(String.init) == ["lamp", "lnmp"], "\(result.out)")
    }

    @Test func noAgentMeansNoCandidatesAndNoHang() throws {
        let result = try RoutedBinary.run(["---completion", "network", "del", "--", "positional@0", "3", "0", "routed", "network", "del", ""],
                                          environment: ["ROUTED_SOCKET": "/tmp/routed-none.sock"])
        #expect(result.status == 0, "\(result.err)")
        #expect(result.out.trimmingCharacters(in: .whitespacesAndNewlines).isEmpty)
    }
}
