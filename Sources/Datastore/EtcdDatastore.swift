public import IPAM
public import IPAddressing
public import AsyncHTTPClient
import Foundation
import NIOCore
import Synchronization

/// The cluster datastore (`--datastore etcd://HOST:PORT,...`): etcd v3 through its JSON gateway
/// (`/v3/kv/range`, `/v3/kv/txn`, `/v3/watch`; keys and values base64). Every key lives under
/// `/routed/`. A block's revision is its etcd `mod_revision`, so a claim or update is one txn
/// comparing it (`version == 0` for a claim): the same compare-and-swap as SQLite.
///
/// Each host's record (`hosts/NAME`) is attached to an etcd lease of `hostTTL` seconds that
/// `heartbeat` keeps alive (see EtcdLeases.swift): when a host dies, etcd deletes its record
/// `hostTTL` seconds later and garbage collection treats it as departed.
public final class EtcdDatastore: Datastore {
    public let endpoints: [DatastoreSpec.Endpoint]
    let client: HTTPClient
    /// Every key lives under this prefix (`/routed/`; tests use one per test).
    let prefix: String
    /// The TTL (seconds) of the lease each host's record is attached to.
    public let hostTTL: Int64
    /// The lease this process holds per host name (granted on the first heartbeat).
    let leases = Mutex<[String: Int64]>([:])

    /// `client` defaults to the process-wide `HTTPClient.shared`; pass one whose event loop runs
    /// in another network namespace to reach an etcd there (the tests do).
    public init(endpoints: [DatastoreSpec.Endpoint], prefix: String = "/routed/", hostTTL: Int64 = 30,
                client: HTTPClient = .shared) {
        precondition(!endpoints.isEmpty, "at least one etcd endpoint")
        precondition(prefix.hasSuffix("/"), "the key prefix ends in /")
        precondition(hostTTL >= 1, "the host lease TTL is at least 1 s")
        self.endpoints = endpoints
        self.prefix = prefix
        self.hostTTL = hostTTL
        self.client = client
    }

    // MARK: the JSON gateway

    typealias JSON = [String: Any]

    /// POSTs `body` to `path` on the first endpoint that answers; returns the decoded object.
    func call(_ path: String, _ body: JSON) async throws -> JSON {
        let data = try JSONSerialization.data(withJSONObject: body)
        var lastError = ""
        for ep in endpoints {
            var req = HTTPClientRequest(url: "http://\(ep)\(path)")
            req.method = .POST
            req.headers.add(name: "Content-Type", value: "application/json")
            req.body = .bytes(ByteBuffer(bytes: data))
            do {
                let resp = try await client.execute(req, timeout: .seconds(10))
                let bytes = try await resp.body.collect(upTo: 64 << 20)
                let obj = try JSONSerialization.jsonObject(with: Data(bytes.readableBytesView)) as? JSON ?? [:]
                guard resp.status == .ok else {
                    throw DatastoreError.backend("etcd \(ep)\(path): HTTP \(resp.status.code) \(obj["message"] ?? obj["error"] ?? "")")
                }
                return obj
            } catch let e as DatastoreError {
                throw e
            } catch {
                lastError = "etcd \(ep): \(error)"
            }
        }
        throw DatastoreError.backend(lastError)
    }

    static func b64(_ s: String) -> String { Data(s.utf8).base64EncodedString() }
    static func unb64(_ s: Any?) -> Data { (s as? String).flatMap { Data(base64Encoded: $0) } ?? Data() }
    static func int(_ v: Any?) -> Int64 { (v as? String).flatMap { Int64($0) } ?? (v as? NSNumber)?.int64Value ?? 0 }

    struct KV { var key: String; var value: Data; var modRevision: Int64; var version: Int64 }

    /// Every key under `dir` (a prefix range), at `revision` if given; with the store revision.
    func range(_ dir: String, revision: Int64? = nil) async throws -> ([KV], Int64) {
        var end = Array((prefix + dir).utf8)
        end[end.count - 1] += 1
        var body: JSON = ["key": Self.b64(prefix + dir), "range_end": Data(end).base64EncodedString()]
        if let revision { body["revision"] = String(revision) }
        let r = try await call("/v3/kv/range", body)
        let kvs = (r["kvs"] as? [JSON] ?? []).map {
            KV(key: String(decoding: Self.unb64($0["key"]), as: UTF8.self), value: Self.unb64($0["value"]),
               modRevision: Self.int($0["mod_revision"]), version: Self.int($0["version"]))
        }
        return (kvs, Self.int((r["header"] as? JSON)?["revision"]))
    }

    func get(_ key: String) async throws -> KV? {
        let r = try await call("/v3/kv/range", ["key": Self.b64(prefix + key)])
        return (r["kvs"] as? [JSON] ?? []).first.map {
            KV(key: key, value: Self.unb64($0["value"]), modRevision: Self.int($0["mod_revision"]), version: Self.int($0["version"]))
        }
    }

    enum Compare {
        case absent(String)
        case present(String)
        case modRevision(String, Int64)
    }
    enum Op {
        case put(String, Data)
        /// A put attached to a lease: etcd deletes the key when the lease expires or is revoked.
        case putLeased(String, Data, lease: Int64)
        case delete(String)
    }

    /// One etcd transaction: if every comparison holds, apply `ops`. Returns whether it did.
    func txn(_ compares: [Compare], _ ops: [Op]) async throws -> Bool {
        let cmp: [JSON] = compares.map {
            switch $0 {
            case .absent(let k): ["key": Self.b64(prefix + k), "target": "VERSION", "result": "EQUAL", "version": "0"]
            case .present(let k): ["key": Self.b64(prefix + k), "target": "VERSION", "result": "GREATER", "version": "0"]
            case .modRevision(let k, let r): ["key": Self.b64(prefix + k), "target": "MOD", "result": "EQUAL", "mod_revision": String(r)]
            }
        }
        let success: [JSON] = ops.map {
            switch $0 {
            case .put(let k, let v): ["request_put": ["key": Self.b64(prefix + k), "value": v.base64EncodedString()]]
            case .putLeased(let k, let v, let lease):
                ["request_put": ["key": Self.b64(prefix + k), "value": v.base64EncodedString(), "lease": String(lease)]]
            case .delete(let k): ["request_delete_range": ["key": Self.b64(prefix + k)]]
            }
        }
        let r = try await call("/v3/kv/txn", ["compare": cmp, "success": success])
        return r["succeeded"] as? Bool ?? false
    }

    static func json(_ o: JSON) -> Data { (try? JSONSerialization.data(withJSONObject: o, options: [.sortedKeys])) ?? Data() }
    static func object(_ d: Data) -> JSON { (try? JSONSerialization.jsonObject(with: d)) as? JSON ?? [:] }

    // MARK: pools

    public func pools() async throws -> [Pool] {
        try Self.decodePools(try await range("pools/").0)
    }

    static func decodePools(_ kvs: [KV]) throws -> [Pool] {
        try kvs.map { kv -> (Int64, Pool) in
            let o = object(kv.value)
            let name = String(kv.key.split(separator: "/").last ?? "")
            return (int(o["position"]), try Pool(name: name, cidr: o["cidr"] as? String ?? "", blockLength: UInt8(int(o["blockLength"])),
                                                 reserved: o["reserved"] as? [String] ?? []))
        }.sorted { $0.0 < $1.0 }.map(\.1)
    }

    public func createPool(_ p: Pool) async throws {
        for _ in 0..<100 {
            // The pool list's own key versions the whole list, so the overlap check and the insert are one CAS.
            let (kvs, _) = try await range("pools/")
            try p.checkJoins(try Self.decodePools(kvs))
            let meta = try await get("meta/pools")
            let value = Self.json(["cidr": p.cidr.description, "blockLength": Int(p.blockLength),
                                   "reserved": p.reserved.map(\.description), "position": String((meta?.version ?? 0) + 1)])
            let guardKey: Compare = meta.map { .modRevision("meta/pools", $0.modRevision) } ?? .absent("meta/pools")
            if try await txn([guardKey, .absent("pools/" + p.name)], [.put("pools/" + p.name, value), .put("meta/pools", Data())]) { return }
        }
        throw IPAMError.tooManyConflicts(attempts: 100)
    }

    public func deletePool(named name: String) async throws {
        guard try await get("pools/" + name) != nil else { throw DatastoreError.unknownPool(name) }
        let n = try await blocks(host: nil, network: nil).filter { $0.pool == name }.count
        guard n == 0 else { throw DatastoreError.poolInUse(name, blocks: n) }
        _ = try await txn([], [.delete("pools/" + name), .put("meta/pools", Data())])
    }

    // MARK: blocks

    public func blocks(host: String?, network: String?) async throws -> [Block] {
        try Self.decodeBlocks(try await range("blocks/").0, prefixLength: prefix.count, host: host, network: network)
    }

    static func decodeBlocks(_ kvs: [KV], prefixLength: Int, host: String?, network: String?) throws -> [Block] {
        try kvs.compactMap { kv -> Block? in
            let o = object(kv.value)
            let h = o["host"] as? String ?? "", n = o["network"] as? String ?? ""
            guard host == nil || h == host, network == nil || n == network else { return nil }
            let text = String(kv.key.dropFirst(prefixLength + "blocks/".count))
            guard let cidr = IPPrefix(text) else { throw IPAMError.unparsableCIDR(text) }
            return try Block(cidr: cidr, pool: o["pool"] as? String ?? "", host: h, network: n, revision: UInt64(kv.modRevision),
                             updatedAt: int(o["updatedAt"]), encodedState: unb64(o["state"]))
        }.sorted { $0.cidr < $1.cidr }
    }

    public func snapshot(host: String?, network: String?) async throws -> IPAMState {
        let (p, rev) = try await range("pools/")
        let (b, _) = try await range("blocks/", revision: rev)
        return IPAMState(pools: try Self.decodePools(p), blocks: try Self.decodeBlocks(b, prefixLength: prefix.count, host: host, network: network))
    }

    public func compareAndSwap(_ b: Block) async throws -> Bool {
        let key = "blocks/" + b.cidr.description
        let value = Self.json(["pool": b.pool, "host": b.host, "network": b.network, "updatedAt": String(b.updatedAt),
                               "state": Data(b.encodedState()).base64EncodedString()])
        if b.revision == 0 {
            guard let pool = try await pools().first(where: { $0.name == b.pool }), pool.cidr.contains(b.cidr),
                  pool.blockLength == b.cidr.length else { throw DatastoreError.unknownPool(b.pool) }
            return try await txn([.absent(key), .present("pools/" + b.pool)], [.put(key, value)])
        }
        return try await txn([.modRevision(key, Int64(b.revision))], [.put(key, value)])
    }

    public func deleteBlock(_ cidr: IPPrefix, revision: UInt64) async throws -> Bool {
        let key = "blocks/" + cidr.description
        return try await txn([.modRevision(key, Int64(revision))], [.delete(key)])
    }

    // MARK: networks

    public func networks() async throws -> [NetworkRecord] {
        try await range("networks/").0.map {
            NetworkRecord(name: String($0.key.dropFirst(prefix.count + "networks/".count)), id: UInt32(String(decoding: $0.value, as: UTF8.self)) ?? 0)
        }.sorted { $0.id < $1.id }
    }

    public func createNetwork(_ name: String) async throws -> NetworkRecord {
        for _ in 0..<100 {
            let all = try await networks()
            if let n = all.first(where: { $0.name == name }) { return n }
            guard let id = lowestFreeNetworkID(Set(all.map(\.id))) else { throw DatastoreError.networkIdsExhausted }
            if try await txn([.absent("networks/" + name), .absent("network-ids/\(id)")],
                             [.put("networks/" + name, Data(String(id).utf8)), .put("network-ids/\(id)", Data(name.utf8))]) {
                return NetworkRecord(name: name, id: id)
            }
        }
        throw IPAMError.tooManyConflicts(attempts: 100)
    }

    public func deleteNetwork(_ name: String) async throws {
        guard let n = try await networks().first(where: { $0.name == name }) else { return }
        let e = try await endpoints().filter { $0.network == name }.count
        let b = try await blocks(host: nil, network: name).count
        guard e == 0, b == 0 else { throw DatastoreError.networkInUse(name, endpoints: e, blocks: b) }
        _ = try await txn([], [.delete("networks/" + name), .delete("network-ids/\(n.id)")])
    }

    // MARK: endpoints

    public func endpoints() async throws -> [EndpointRecord] {
        try await range("endpoints/").0.map { kv in
            let o = Self.object(kv.value)
            return EndpointRecord(name: String(kv.key.dropFirst(prefix.count + "endpoints/".count)), network: o["network"] as? String ?? "",
                                  host: o["host"] as? String ?? "", addresses: (o["addresses"] as? [String] ?? []).compactMap { IPAddress($0) },
                                  netns: o["netns"] as? String ?? "", ifname: o["ifname"] as? String ?? "",
                                  containerID: o["containerID"] as? String)
        }.sorted { $0.name < $1.name }
    }

    public func putEndpoint(_ e: EndpointRecord) async throws {
        var fields: JSON = ["network": e.network, "host": e.host, "addresses": e.addresses.map(\.description),
                            "netns": e.netns, "ifname": e.ifname]
        if let id = e.containerID { fields["containerID"] = id }
        let value = Self.json(fields)
        guard try await txn([.present("networks/" + e.network)], [.put("endpoints/" + e.name, value)]) else {
            throw IPAMError.unknownNetwork(e.network)
        }
    }

    public func deleteEndpoint(named name: String) async throws {
        _ = try await txn([], [.delete("endpoints/" + name)])
    }

    // MARK: policies

    public func policies() async throws -> [PolicyRecord] {
        try await range("policies/").0.compactMap { try? JSONDecoder().decode(PolicyRecord.self, from: $0.value) }.sorted { $0.id < $1.id }
    }

    public func addPolicy(_ p: PolicyRecord) async throws -> PolicyRecord {
        for _ in 0..<100 {
            let counter = try await get("meta/policy-id")
            let id = (Int64(String(decoding: counter?.value ?? Data(), as: UTF8.self)) ?? 0) + 1
            var out = p
            out.id = id
            let guardKey: Compare = counter.map { .modRevision("meta/policy-id", $0.modRevision) } ?? .absent("meta/policy-id")
            if try await txn([guardKey], [.put("meta/policy-id", Data(String(id).utf8)),
                                          .put(String(format: "policies/%020lld", id), try JSONEncoder().encode(out))]) {
                return out
            }
        }
        throw IPAMError.tooManyConflicts(attempts: 100)
    }

    public func deletePolicy(id: Int64) async throws {
        _ = try await txn([], [.delete(String(format: "policies/%020lld", id))])
    }

    // MARK: hosts

    public func hosts() async throws -> [HostRecord] {
        try await range("hosts/").0.map {
            Self.hostRecord(name: String($0.key.dropFirst(prefix.count + "hosts/".count)), value: $0.value)
        }.sorted { $0.name < $1.name }
    }

    /// A host's value: `{"lastSeen":"N","bgpAddress":"A","bgpPort":179}`, or — as written before
    /// the BGP address was kept — the bare last-seen number.
    static func hostRecord(name: String, value: Data) -> HostRecord {
        if let seen = Int64(String(decoding: value, as: UTF8.self)) { return HostRecord(name: name, lastSeen: seen) }
        let o = object(value)
        return HostRecord(name: name, lastSeen: int(o["lastSeen"]), bgpAddress: (o["bgpAddress"] as? String).flatMap { IPAddress($0) },
                          bgpPort: UInt16(exactly: int(o["bgpPort"])) ?? HostRecord.defaultBGPPort)
    }

    static func hostValue(_ r: HostRecord) -> Data {
        var o: JSON = ["lastSeen": String(r.lastSeen), "bgpPort": Int(r.bgpPort)]
        if let a = r.bgpAddress { o["bgpAddress"] = a.description }
        return json(o)
    }

    // MARK: watching

    /// A `/v3/watch` stream over `/routed/`, from the revision current at the call.
    public func changes() -> AsyncStream<DatastoreChange> {
        let (stream, continuation) = AsyncStream<DatastoreChange>.makeStream(bufferingPolicy: .bufferingNewest(4096))
        let ready = AsyncStream<Void>.makeStream()
        let task = Task { [self] in
            defer { continuation.finish() }
            guard let ep = endpoints.first else { return }
            var end = Array(prefix.utf8)
            end[end.count - 1] += 1
            var req = HTTPClientRequest(url: "http://\(ep)/v3/watch")
            req.method = .POST
            let body = Self.json(["create_request": ["key": Self.b64(prefix), "range_end": Data(end).base64EncodedString()]])
            req.body = .bytes(ByteBuffer(bytes: body))
            guard let resp = try? await client.execute(req, timeout: .hours(24 * 365)) else { ready.continuation.finish(); return }
            var pending = [UInt8]()
            do {
                for try await chunk in resp.body {
                    pending += chunk.readableBytesView
                    while let nl = pending.firstIndex(of: UInt8(ascii: "\n")) {
                        let line = Data(pending[..<nl])
                        pending.removeSubrange(...nl)
                        let result = Self.object(line)["result"] as? JSON ?? [:]
                        if result["created"] as? Bool == true { ready.continuation.finish() }
                        for ev in result["events"] as? [JSON] ?? [] {
                            let key = String(decoding: Self.unb64((ev["kv"] as? JSON)?["key"]), as: UTF8.self)
                            if let c = Self.change(key: String(key.dropFirst(prefix.count))) { continuation.yield(c) }
                        }
                    }
                }
            } catch {}
            ready.continuation.finish()
        }
        continuation.onTermination = { _ in task.cancel() }
        // Return once etcd confirmed the watch, so no change after this call is missed (bounded: 5 s).
        let semaphore = DispatchSemaphore(value: 0)
        Task { for await _ in ready.stream {}; semaphore.signal() }
        _ = semaphore.wait(timeout: .now() + 5)
        return stream
    }

    /// The change a key (relative to the prefix) stands for.
    static func change(key: String) -> DatastoreChange? {
        let parts = key.split(separator: "/", maxSplits: 1)
        guard parts.count == 2 else { return nil }
        let rest = String(parts[1])
        switch parts[0] {
        case "pools": return .pool(rest)
        case "blocks": return IPPrefix(rest).map { .block($0) }
        case "networks": return .network(rest)
        case "endpoints": return .endpoint(rest)
        case "policies": return Int64(rest).map { .policy($0) }
        case "hosts": return .host(rest)
        default: return nil
        }
    }
}
