import AsyncHTTPClient
import Datastore
import Foundation
import IPAM
import IPAddressing
import NIOCore
import Testing

/// Values an earlier release wrote to etcd still read: a host's bare last-seen number (before
/// the JSON value with its BGP address) and a policy without the `log` key.
@Suite struct EtcdUpgradeTests {
    /// `etcdctl put KEY VALUE` through the v3 JSON gateway (base64 key and value).
    static func put(_ r: EtcdServer.Running, _ key: String, _ value: String) async throws {
        var req = HTTPClientRequest(url: "http://\(r.endpoint)/v3/kv/put")
        req.method = .POST
        let body = try JSONSerialization.data(withJSONObject: ["key": Data(key.utf8).base64EncodedString(),
                                                               "value": Data(value.utf8).base64EncodedString()])
        req.body = .bytes(ByteBuffer(bytes: body))
        let resp = try await r.client.execute(req, timeout: .seconds(10))
        #expect(resp.status == .ok)
    }

    @Test func oldHostAndPolicyValuesRead() async throws {
        let r = try await EtcdServer.running()
        let prefix = "/upgrade-\(UUID().uuidString)/"
        try await Self.put(r, prefix + "hosts/old", "42")
        try await Self.put(r, prefix + "policies/00000000000000000001",
                           #"{"id":1,"from":"lamp","to":"lnmp","action":"deny","proto":"tcp","portLow":80,"portHigh":80,"oneWay":true}"#)
        let store = EtcdDatastore(endpoints: [r.endpoint], prefix: prefix, client: r.client)
        #expect(try await store.hosts() == [HostRecord(name: "old", lastSeen: 42, bgpAddress: nil)])
        #expect(try await store.policies() == [PolicyRecord(id: 1, from: "lamp", to: "lnmp", action: .deny, proto: "tcp",
                                                           portLow: 80, portHigh: 80, oneWay: true, log: false)])
        // A plain renewal of the old record keeps it addressless; a registration adds the address.
        try await store.heartbeat(host: "old", at: 50)
        #expect(try await store.hosts() == [HostRecord(name: "old", lastSeen: 50)])
        try await store.heartbeat(host: "old", at: 60, bgpAddress: IPAddress("10.99.0.1"), bgpPort: 179)
        #expect(try await store.hosts() == [HostRecord(name: "old", lastSeen: 60, bgpAddress: IPAddress("10.99.0.1"))])
        try await store.deleteHost("old")
    }
}
