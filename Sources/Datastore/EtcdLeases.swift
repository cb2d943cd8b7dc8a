import IPAM
public import IPAddressing
import Foundation

/// Host liveness in etcd: one lease per host (`/v3/lease/grant`, `/v3/lease/keepalive`,
/// `/v3/lease/revoke` on the JSON gateway), with the host record `hosts/NAME` attached to it.
/// A host that stops renewing loses its record `hostTTL` seconds later (etcd deletes it with the
/// lease); `IPAMState.garbage` then counts the host as departed. The record's value stays the
/// last renewal time on the caller's clock, as with SQLite.
extension EtcdDatastore {
    /// Renews `host`'s lease (granting one on the first call, or again if it expired meanwhile)
    /// and writes its record, attached to the lease, with `at` as its last-seen time.
    /// The BGP address already recorded stays.
    public func heartbeat(host: String, at: Int64) async throws {
        let old = try await get("hosts/" + host).map { Self.hostRecord(name: host, value: $0.value) }
        try await putHost(HostRecord(name: host, lastSeen: at, bgpAddress: old?.bgpAddress, bgpPort: old?.bgpPort ?? HostRecord.defaultBGPPort))
    }

    /// Renews the lease and writes the record with `bgpAddress` (the JSON value `hostValue`).
    public func heartbeat(host: String, at: Int64, bgpAddress: IPAddress?, bgpPort: UInt16) async throws {
        try await putHost(HostRecord(name: host, lastSeen: at, bgpAddress: bgpAddress, bgpPort: bgpPort))
    }

    func putHost(_ record: HostRecord) async throws {
        let host = record.name
        for attempt in 0..<2 {
            let lease = try await renewedLease(for: host)
            do {
                _ = try await txn([], [.putLeased("hosts/" + host, Self.hostValue(record), lease: lease)])
                return
            } catch DatastoreError.backend(let message) where attempt == 0 && message.contains("lease not found") {
                // Expired between the renewal and the put: grant a new one.
                _ = leases.withLock { $0.removeValue(forKey: host) }
            }
        }
    }

    /// Removes `host`'s record and revokes its lease (`etcdctl lease revoke`).
    public func deleteHost(_ name: String) async throws {
        if let lease = leases.withLock({ $0.removeValue(forKey: name) }) {
            _ = try? await call("/v3/lease/revoke", ["ID": String(lease)])
        }
        _ = try await txn([], [.delete("hosts/" + name)])
    }

    /// The lease this process holds for `host`, renewed now; a fresh one when there is none yet
    /// or it already expired (a keepalive on an expired lease answers TTL 0).
    func renewedLease(for host: String) async throws -> Int64 {
        if let lease = leases.withLock({ $0[host] }) {
            let reply = try? await call("/v3/lease/keepalive", ["ID": String(lease)])
            if let reply, Self.int((reply["result"] as? JSON)?["TTL"]) > 0 { return lease }
        }
        let granted = try await call("/v3/lease/grant", ["TTL": String(hostTTL)])
        let lease = Self.int(granted["ID"])
        guard lease != 0 else {
            throw DatastoreError.backend("etcd granted no lease for host '\(host)': \(granted["error"] ?? granted)")
        }
        leases.withLock { $0[host] = lease }
        return lease
    }
}
