import AgentAPI
import AsyncHTTPClient
public import Foundation
import NIOCore
import NIOHTTP1

/// A typed client of the agent's control API (`ControlAPI`): HTTP/1.1 and JSON over the agent's
/// Unix socket, through async-http-client's `http+unix://` URLs.
///
/// Every request is bounded by `timeout`; a failed request throws an `AgentClientError` whose
/// description is the sentence to show (the agent's own message and hint when it refused).
///
/// By hand: `curl --unix-socket /run/routed/routed.sock http://routed/v1/status`.
public struct AgentClient: Sendable {
    /// The agent's control socket.
    public var socketPath: String
    /// The bound on each request, connection included.
    public var timeout: Duration

    public init(socketPath: String, timeout: Duration = .seconds(30)) {
        self.socketPath = socketPath
        self.timeout = timeout
    }

    /// The socket to use: `--socket` when given, else `$ROUTED_SOCKET` when set and not empty,
    /// else `ControlAPI.defaultSocketPath` (`/run/routed/routed.sock`).
    public static func socketPath(option: String?, environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let option, !option.isEmpty { return option }
        if let value = environment[ControlAPI.socketEnvironmentVariable], !value.isEmpty { return value }
        return ControlAPI.defaultSocketPath
    }

    /// One exchange: the status and the whole body, or the reason there is none.
    /// `body` is sent as JSON with `ControlAPI.encoder`.
    func exchange(_ method: HTTPMethod, _ path: String, body: (some Encodable & Sendable)? = Never?.none)
        async throws(AgentClientError) -> (status: Int, body: Data)
    {
        if let problem = SocketProbe.check(socketPath) { throw problem }
        guard let url = URL(httpURLWithSocketPath: socketPath, uri: path) else {
            throw .transport(socket: socketPath, detail: "cannot make an http+unix URL of this path")
        }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        request.headers.add(name: "Accept", value: "application/json")
        if let body {
            let data: Data
            do { data = try ControlAPI.encoder.encode(body) } catch {
                throw .transport(socket: socketPath, detail: "cannot encode the request: \(error)")
            }
            request.headers.add(name: "Content-Type", value: "application/json")
            request.body = .bytes(ByteBuffer(bytes: data))
        }
        let seconds = Int(timeout.components.seconds)
        let amount = TimeAmount.nanoseconds(Int64(seconds) * 1_000_000_000 + timeout.components.attoseconds / 1_000_000_000)
        var configuration = HTTPClient.Configuration()
        configuration.timeout = .init(connect: .seconds(2), read: amount)
        configuration.redirectConfiguration = .disallow
        do {
            return try await HTTPClient.withHTTPClient(configuration: configuration) { client in
                let response = try await client.execute(request, deadline: .now() + amount)
                let buffer = try await response.body.collect(upTo: Self.maximumBodyBytes)
                return (Int(response.status.code), Data(buffer.readableBytesView))
            }
        } catch let error as HTTPClientError {
            switch error {
            case .deadlineExceeded, .readTimeout, .connectTimeout, .writeTimeout:
                throw .timedOut(socket: socketPath, seconds: max(seconds, 1))
            default:
                throw .transport(socket: socketPath, detail: String(describing: error))
            }
        } catch let error as IOError {
            switch error.errnoCode {
            case ENOENT, ECONNREFUSED: throw .noAgent(socket: socketPath)
            case EACCES, EPERM: throw .permissionDenied(socket: socketPath)
            default: throw .transport(socket: socketPath, detail: error.description)
            }
        } catch {
            throw .transport(socket: socketPath, detail: String(describing: error))
        }
    }

    /// A request whose success is the JSON body `Answer`; any other status is the agent's
    /// `APIErrorBody`, or `unexpectedResponse` when it is not one.
    func call<Answer: Decodable>(_ method: HTTPMethod, _ path: String, body: (some Encodable & Sendable)? = Never?.none,
                                        accepting statuses: Set<Int> = [200, 201], as: Answer.Type = Answer.self)
        async throws(AgentClientError) -> Answer
    {
        let (status, data) = try await exchange(method, path, body: body)
        guard statuses.contains(status) else { throw Self.failure(method, path, status: status, body: data) }
        do { return try ControlAPI.decoder.decode(Answer.self, from: data) } catch {
            throw .unexpectedResponse(method: method.rawValue, path: path, status: status, detail: "the body is not a \(Answer.self): \(Self.brief(error))")
        }
    }

    /// The error for a refused request: the agent's `APIErrorBody` when the body is one.
    static func failure(_ method: HTTPMethod, _ path: String, status: Int, body: Data) -> AgentClientError {
        if let error = try? ControlAPI.decoder.decode(APIErrorBody.self, from: body) { return .agent(error, status: status) }
        let text = String(decoding: body.prefix(200), as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines)
        return .unexpectedResponse(method: method.rawValue, path: path, status: status, detail: text.isEmpty ? "an empty body" : "'\(text)'")
    }

    /// The decoding error in a few words (which key or value was wrong).
    static func brief(_ error: any Error) -> String {
        guard let error = error as? DecodingError else { return "\(error)" }
        switch error {
        case .keyNotFound(let key, let context): return "missing '\(key.stringValue)' at \(pathText(context.codingPath))"
        case .typeMismatch(let type, let context): return "\(pathText(context.codingPath)) is not a \(type)"
        case .valueNotFound(let type, let context): return "\(pathText(context.codingPath)) has no \(type)"
        case .dataCorrupted(let context): return "\(context.debugDescription) at \(pathText(context.codingPath))"
        @unknown default: return "\(error)"
        }
    }

    private static func pathText(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? $0.stringValue }.joined(separator: ".")
    }

    /// The largest answer read (a full table of a million routes fits).
    static let maximumBodyBytes = 512 << 20
}
