public import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix
import Synchronization

/// A minimal real HTTP/1.1 server on a Unix socket the test creates: it records every request
/// (method, URI, content type, body) and answers what the test's `answer` function says.
/// With `silent`, it accepts connections and never answers (for timeouts).
public final class CannedHTTPServer: Sendable {
    public struct Request: Sendable, Equatable {
        public var method: String
        public var uri: String
        public var contentType: String?
        public var body: Data
    }

    public struct Answer: Sendable {
        public var status: Int
        public var body: String
        public var contentType: String

        public init(status: Int, body: String, contentType: String = "application/json") {
            self.status = status
            self.body = body
            self.contentType = contentType
        }
    }

    public let path: String
    public let directory: URL
    private let channel: any Channel
    private let log = Mutex<[Request]>([])

    public var requests: [Request] { log.withLock { $0 } }

    private init(path: String, directory: URL, channel: any Channel) {
        self.path = path
        self.directory = directory
        self.channel = channel
    }

    /// Binds a fresh socket in a fresh temporary directory.
    public static func start(silent: Bool = false, answer: @escaping @Sendable (Request) -> Answer) async throws -> CannedHTTPServer {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("routed-api-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let path = directory.appendingPathComponent("routed.sock").path
        let box = Mutex<CannedHTTPServer?>(nil)
        let channel = try await ServerBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .childChannelInitializer { child in
                child.eventLoop.makeCompletedFuture {
                    try child.pipeline.syncOperations.configureHTTPServerPipeline()
                    try child.pipeline.syncOperations.addHandler(
                        Handler(silent: silent, answer: answer, record: { r in box.withLock { $0?.log.withLock { $0.append(r) } } }))
                }
            }
            .bind(unixDomainSocketPath: path).get()
        let server = CannedHTTPServer(path: path, directory: directory, channel: channel)
        box.withLock { $0 = server }
        return server
    }

    /// Stops listening but leaves the socket file, as a killed agent does.
    public func closeKeepingFile() async throws {
        try await channel.close()
    }

    public func stop() async {
        try? await channel.close()
        try? FileManager.default.removeItem(at: directory)
    }

    private final class Handler: ChannelInboundHandler {
        typealias InboundIn = HTTPServerRequestPart
        typealias OutboundOut = HTTPServerResponsePart

        let silent: Bool
        let answer: @Sendable (Request) -> Answer
        let record: @Sendable (Request) -> Void
        var head: HTTPRequestHead?
        var body = Data()

        init(silent: Bool, answer: @escaping @Sendable (Request) -> Answer, record: @escaping @Sendable (Request) -> Void) {
            self.silent = silent
            self.answer = answer
            self.record = record
        }

        func channelRead(context: ChannelHandlerContext, data: NIOAny) {
            switch unwrapInboundIn(data) {
            case .head(let h): head = h; body = Data()
            case .body(let b): body.append(contentsOf: b.readableBytesView)
            case .end:
                guard let head else { return }
                let request = Request(method: head.method.rawValue, uri: head.uri,
                                      contentType: head.headers.first(name: "Content-Type"), body: body)
                record(request)
                if silent { return }
                let a = answer(request)
                var headers = HTTPHeaders()
                headers.add(name: "Content-Type", value: a.contentType)
                headers.add(name: "Content-Length", value: "\(a.body.utf8.count)")
                context.write(wrapOutboundOut(.head(HTTPResponseHead(version: .http1_1, status: .init(statusCode: a.status),
                                                                     headers: headers))), promise: nil)
                context.write(wrapOutboundOut(.body(.byteBuffer(ByteBuffer(string: a.body)))), promise: nil)
                context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: nil)
            }
        }
    }
}
