import RoutedTestKit
import AgentAPI
import AgentClient
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Testing

/// What the client says when the agent refuses, answers nonsense, is not there, or does not answer.
@Suite struct AgentClientErrorTests {
    @Test func anAPIErrorBodySurfacesAsItsMessageAndHint() async throws {
        let refusal = APIErrorBody(kind: "unknownNetwork", message: "unknown network 'lnmp'",
                                   hint: "create it with `routed network create lnmp`")
        let server = try await CannedHTTPServer.start { _ in .init(status: 404, body: Samples.json(refusal)) }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: AgentClientError.self) {
            try await AgentClient(socketPath: server.path).deleteNetwork(name: "lnmp")
        }
        #expect(error == .agent(refusal, status: 404))
        #expect(error?.description == "unknown network 'lnmp' (create it with `routed network create lnmp`)")
    }

    struct Nonsense: Sendable, CustomTestStringConvertible {
        var status: Int
        var body: String
        var description: String
        var testDescription: String { "\(status) \(body)" }
    }

    @Test(arguments: [
        Nonsense(status: 500, body: "oops", description: "unexpected answer to GET /v1/networks (HTTP 500): 'oops'; is the agent the same version as this CLI?"),
        Nonsense(status: 502, body: "", description: "unexpected answer to GET /v1/networks (HTTP 502): an empty body; is the agent the same version as this CLI?"),
        Nonsense(status: 200, body: #"{"name": "lamp"}"#,
                 description: "unexpected answer to GET /v1/networks (HTTP 200): the body is not a Array<NetworkInfo>: the top level is not a Array<Any>; is the agent the same version as this CLI?"),
        Nonsense(status: 200, body: #"[{"name": "lamp", "id": 3, "endpoints": 0}]"#,
                 description: "unexpected answer to GET /v1/networks (HTTP 200): the body is not a Array<NetworkInfo>: missing 'prefixes' at [0]; is the agent the same version as this CLI?"),
    ])
    func anAnswerThatIsNotTheContractSaysSo(_ c: Nonsense) async throws {
        let server = try await CannedHTTPServer.start { _ in .init(status: c.status, body: c.body) }
        defer { Task { await server.stop() } }
        let error = await #expect(throws: AgentClientError.self) { try await AgentClient(socketPath: server.path).networks() }
        #expect(error?.description == c.description)
    }

    @Test func noSocketFileMeansNoAgent() async throws {
        let path = "/tmp/routed-none-\(UUID().uuidString.prefix(8))/routed.sock"
        let error = await #expect(throws: AgentClientError.self) { try await AgentClient(socketPath: path).status() }
        #expect(error == .noAgent(socket: path))
        #expect(error?.description ==
            "no routed agent at \(path): start one with `routed start --as ASN`, or point --socket / ROUTED_SOCKET at it")
    }

    @Test func aStaleSocketFileNobodyListensOnMeansNoAgent() async throws {
        // A socket file whose socket is gone, as a killed agent leaves it (bind, close, no unlink).
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("routed-stale-\(UUID().uuidString.prefix(8)).sock").path
        let fd = socket(AF_UNIX, Int32(SOCK_STREAM.rawValue), 0)
        var address = sockaddr_un()
        address.sun_family = sa_family_t(AF_UNIX)
        withUnsafeMutableBytes(of: &address.sun_path) { $0.copyBytes(from: path.utf8) }
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, socklen_t(MemoryLayout<sockaddr_un>.size)) }
        }
        close(fd)
        defer { unlink(path) }
        #expect(bound == 0 && FileManager.default.fileExists(atPath: path))
        let error = await #expect(throws: AgentClientError.self) { try await AgentClient(socketPath: path).networks() }
        #expect(error == .noAgent(socket: path))
    }

    @Test func aFileThatIsNotASocketIsNamed() async throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("routed-notsock-\(UUID().uuidString.prefix(8))").path
        #expect(FileManager.default.createFile(atPath: path, contents: Data("x".utf8)))
        defer { try? FileManager.default.removeItem(atPath: path) }
        let error = await #expect(throws: AgentClientError.self) { try await AgentClient(socketPath: path).networks() }
        #expect(error == .notASocket(socket: path))
    }

    /// The 1 s timeout ends the request: the error says it timed out after 1 s (not some other
    /// failure), and the call returns instead of waiting for an agent that never answers (the
    /// time limit fails the test if it never returns). The elapsed bound is loose on purpose: in
    /// the full parallel suite the awaiting task itself can wait tens of seconds for a thread.
    @Test(.timeLimit(.minutes(3))) func anAgentThatNeverAnswersTimesOutWithinTheBound() async throws {
        let server = try await CannedHTTPServer.start(silent: true) { _ in .init(status: 200, body: "[]") }
        defer { Task { await server.stop() } }
        let clock = ContinuousClock()
        let start = clock.now
        let error = await #expect(throws: AgentClientError.self) {
            try await AgentClient(socketPath: server.path, timeout: .seconds(1)).networks()
        }
        #expect(error == .timedOut(socket: server.path, seconds: 1))
        #expect(clock.now - start < .seconds(120), "a 1 s timeout must not wait for the agent indefinitely")
        #expect(server.requests.count == 1)
    }

    struct Resolution: Sendable {
        var option: String?
        var environment: [String: String]
        var expected: String
    }

    @Test(arguments: [
        Resolution(option: "/tmp/a.sock", environment: ["ROUTED_SOCKET": "/tmp/b.sock"], expected: "/tmp/a.sock"),
        Resolution(option: nil, environment: ["ROUTED_SOCKET": "/tmp/b.sock"], expected: "/tmp/b.sock"),
        Resolution(option: nil, environment: ["ROUTED_SOCKET": ""], expected: "/run/routed/routed.sock"),
        Resolution(option: nil, environment: [:], expected: "/run/routed/routed.sock"),
    ])
    func theSocketIsTheOptionElseTheEnvironmentElseTheDefault(_ r: Resolution) {
        #expect(AgentClient.socketPath(option: r.option, environment: r.environment) == r.expected)
    }
}
