import AgentAPI
import AsyncHTTPClient
import Foundation
import NIOCore
import NIOHTTP1

/// The control API over the agent's Unix socket, as the tests drive it (the CLI's `AgentClient`
/// replaces it when merged): `http+unix://`, JSON bodies, `APIErrorBody` on failure.
struct ControlClient {
    let socket: String

    struct Failure: Error, CustomStringConvertible {
        var status: Int
        var body: APIErrorBody
        var description: String { "HTTP \(status): \(body.kind): \(body)" }
    }

    func raw(_ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil) async throws -> (Int, Data) {
        guard let url = URL(httpURLWithSocketPath: socket, uri: path) else { throw Failure(status: 0, body: .init(kind: "url", message: path)) }
        var request = HTTPClientRequest(url: url.absoluteString)
        request.method = method
        if let body {
            request.body = .bytes(ByteBuffer(bytes: try ControlAPI.encoder.encode(body)))
            request.headers.add(name: "Content-Type", value: "application/json")
        }
        let response = try await HTTPClient.shared.execute(request, timeout: .seconds(30))
        let bytes = try await response.body.collect(upTo: 8 << 20)
        return (Int(response.status.code), Data(bytes.readableBytesView))
    }

    func call<T: Decodable>(_ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil, as: T.Type = T.self) async throws -> T {
        let (status, data) = try await raw(method, path, body: body)
        guard (200..<300).contains(status) else {
            throw Failure(status: status, body: (try? ControlAPI.decoder.decode(APIErrorBody.self, from: data))
                ?? APIErrorBody(kind: "unparsable", message: String(decoding: data, as: UTF8.self)))
        }
        return try ControlAPI.decoder.decode(T.self, from: data)
    }

    /// The error a request answers with (nil when it succeeds).
    func failure(_ method: HTTPMethod, _ path: String, body: (any Encodable)? = nil) async throws -> Failure? {
        let (status, data) = try await raw(method, path, body: body)
        guard !(200..<300).contains(status) else { return nil }
        return Failure(status: status, body: try ControlAPI.decoder.decode(APIErrorBody.self, from: data))
    }
}
