import AgentAPI
import Foundation
public import Hummingbird
import NIOCore

/// Every path of `ControlAPI` on a Hummingbird router, answered by the `Agent`. Bodies are
/// `ControlAPI.encoder` JSON; a failure is an `APIErrorBody` with the status its `kind` maps to.
public enum ControlRoutes {
    public static func router(agent: Agent) -> Router<BasicRequestContext> {
        let router = Router()
        typealias P = ControlAPI.Path
        router.get(RouterPath(P.status)) { _, _ in await answer { try await agent.status() } }
        router.get(RouterPath(P.routes)) { req, _ in
            await answer { try await agent.routes(prefix: req.uri.queryParameters["prefix"].map(String.init)) }
        }
        router.get(RouterPath(P.peers)) { _, _ in await answer { await agent.listPeers() } }
        router.post(RouterPath(P.peers)) { req, _ in
            await answer(status: .created) { try await agent.addPeer(try await body(AddPeerRequest.self, req).spec) }
        }
        router.delete(RouterPath(P.peers + "/:address")) { _, ctx in
            await answer {
                let a = ctx.parameters.get("address") ?? ""
                try await agent.deletePeer(a)
                return Done(message: "peer \(a) removed")
            }
        }
        router.get(RouterPath(P.networks)) { _, _ in await answer { try await agent.listNetworks() } }
        router.post(RouterPath(P.networks)) { req, _ in
            await answer(status: .created) { try await agent.createNetwork(try await body(CreateNetworkRequest.self, req).name) }
        }
        router.delete(RouterPath(P.networks + "/:name")) { _, ctx in
            await answer {
                let n = ctx.parameters.get("name") ?? ""
                try await agent.deleteNetwork(n)
                return Done(message: "network \(n) deleted")
            }
        }
        router.get(RouterPath(P.endpoints)) { _, _ in await answer { await agent.listEndpoints() } }
        router.post(RouterPath(P.endpoints)) { req, _ in
            await answer { try await agent.addEndpoint(try await body(AddEndpointRequest.self, req)) }
        }
        router.delete(RouterPath(P.endpoints + "/:name")) { _, ctx in
            await answer {
                let n = ctx.parameters.get("name") ?? ""
                try await agent.deleteEndpoint(n)
                return Done(message: "endpoint \(n) deleted")
            }
        }
        router.get(RouterPath(P.policies)) { _, _ in await answer { await agent.listPolicies() } }
        router.post(RouterPath(P.policies)) { req, _ in
            await answer(status: .created) { try await agent.addPolicy(try await body(AddPolicyRequest.self, req)) }
        }
        router.put(RouterPath(P.defaultPolicy)) { req, _ in
            await answer { try await agent.setDefaultPolicy(try await body(DefaultPolicyRequest.self, req).action) }
        }
        router.delete(RouterPath(P.policies + "/:id")) { _, ctx in
            await answer {
                let id = ctx.parameters.get("id") ?? ""
                try await agent.deletePolicy(id)
                return Done(message: "policy \(id) deleted")
            }
        }
        router.get(RouterPath(P.ipam)) { _, _ in await answer { try await agent.ipamReport() } }
        addHealthAndMetrics(to: router, agent: agent)
        return router
    }

    /// `/healthz` and `/metrics` (also served alone on `--metrics ADDR:PORT`).
    public static func addHealthAndMetrics(to router: Router<BasicRequestContext>, agent: Agent) {
        router.get(RouterPath(ControlAPI.Path.health)) { _, _ in
            let h = await agent.health()
            return json(h, status: h.healthy ? .ok : .serviceUnavailable)
        }
        router.get(RouterPath(ControlAPI.Path.metrics)) { _, _ in
            await agent.refreshMetrics()
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(string: agent.metrics.text())))
        }
    }

    static func body<T: Decodable>(_ type: T.Type, _ request: Request) async throws -> T {
        var r = request
        let buffer = try await r.collectBody(upTo: 1 << 20)
        do {
            return try ControlAPI.decoder.decode(T.self, from: Data(buffer.readableBytesView))
        } catch {
            throw AgentError.invalidArgument("the request body is not a valid \(T.self): \(error)")
        }
    }

    static func answer<T: Encodable>(status: HTTPResponse.Status = .ok, _ body: () async throws -> T) async -> Response {
        do {
            return json(try await body(), status: status)
        } catch {
            let e = APIErrorBody(error)
            return json(e, status: HTTPResponse.Status(code: e.httpStatus))
        }
    }

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status) -> Response {
        let data = (try? ControlAPI.encoder.encode(value)) ?? Data("{}".utf8)
        return Response(status: status, headers: [.contentType: "application/json"],
                        body: .init(byteBuffer: ByteBuffer(bytes: data + Data("\n".utf8))))
    }
}
