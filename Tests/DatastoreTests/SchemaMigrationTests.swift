import Datastore
import GRDB
import IPAM
import IPAddressing
import Testing

/// `SQLiteDatastore` upgrades a file written by an earlier release in place: the rows stay, the
/// new columns (a host's BGP address, a policy's log flag, an endpoint's container id) read as
/// their defaults, and the new fields are then stored.
@Suite struct SchemaMigrationTests {
    /// The schema of the first release ("v1"), frozen here as it was shipped.
    static let v1 = """
        CREATE TABLE pools (name TEXT PRIMARY KEY NOT NULL, cidr TEXT NOT NULL UNIQUE, block_length INTEGER NOT NULL,
                            reserved TEXT NOT NULL DEFAULT '', position INTEGER NOT NULL);
        CREATE TABLE blocks (cidr TEXT PRIMARY KEY NOT NULL, pool TEXT NOT NULL REFERENCES pools(name), host TEXT NOT NULL,
                             network TEXT NOT NULL, revision INTEGER NOT NULL, updated_at INTEGER NOT NULL, state BLOB NOT NULL);
        CREATE INDEX blocks_by_host_network ON blocks(host, network);
        CREATE TABLE networks (name TEXT PRIMARY KEY NOT NULL, id INTEGER NOT NULL UNIQUE);
        CREATE TABLE endpoints (name TEXT PRIMARY KEY NOT NULL, network TEXT NOT NULL REFERENCES networks(name),
                                host TEXT NOT NULL, addresses TEXT NOT NULL, netns TEXT NOT NULL, ifname TEXT NOT NULL);
        CREATE TABLE policies (id INTEGER PRIMARY KEY AUTOINCREMENT, from_network TEXT NOT NULL, to_network TEXT NOT NULL,
                               action TEXT NOT NULL, proto TEXT, port_low INTEGER, port_high INTEGER, one_way INTEGER NOT NULL);
        CREATE TABLE hosts (name TEXT PRIMARY KEY NOT NULL, last_seen INTEGER NOT NULL);
        CREATE TABLE changes (id INTEGER PRIMARY KEY AUTOINCREMENT, kind TEXT NOT NULL, key TEXT NOT NULL);
        """

    /// A file as the first release left it: the v1 schema (recorded as GRDB's migration "v1") and a row in each table.
    static func oldFile(_ path: String) throws {
        let db = try DatabaseQueue(path: path)
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in try db.execute(sql: v1) }
        try m.migrate(db)
        try db.write { db in
            try db.execute(sql: """
                INSERT INTO networks(name, id) VALUES ('lamp', 7);
                INSERT INTO endpoints(name, network, host, addresses, netns, ifname) VALUES ('c1', 'lamp', 'h1', '10.0.0.5', '/run/netns/c1', 'eth0');
                INSERT INTO policies(from_network, to_network, action, proto, port_low, port_high, one_way) VALUES ('lamp', 'lnmp', 'deny', 'tcp', 80, 80, 1);
                INSERT INTO hosts(name, last_seen) VALUES ('h1', 42);
                """)
        }
    }

    @Test func anOldFileIsUpgradedInPlaceAndKeepsItsRows() async throws {
        let dir = try TempDir()
        try Self.oldFile(dir.database)
        let store = try SQLiteDatastore(path: dir.database)
        #expect(try await store.networks() == [NetworkRecord(name: "lamp", id: 7)])
        #expect(try await store.endpoints() == [EndpointRecord(name: "c1", network: "lamp", host: "h1", addresses: [ip("10.0.0.5")],
                                                              netns: "/run/netns/c1", ifname: "eth0", containerID: nil)])
        #expect(try await store.policies() == [PolicyRecord(id: 1, from: "lamp", to: "lnmp", action: .deny, proto: "tcp",
                                                           portLow: 80, portHigh: 80, oneWay: true, log: false)])
        #expect(try await store.hosts() == [HostRecord(name: "h1", lastSeen: 42, bgpAddress: nil, bgpPort: 179)])

        // The new fields are stored from now on.
        try await store.heartbeat(host: "h1", at: 50, bgpAddress: ip("10.99.0.1"), bgpPort: 1179)
        let p = try await store.addPolicy(PolicyRecord(from: "lamp", to: "lamp", action: .deny, log: true))
        try await store.putEndpoint(EndpointRecord(name: "c2", network: "lamp", host: "h1", addresses: [ip("10.0.0.6")],
                                                   netns: "/run/netns/c2", containerID: "0123abcd"))
        let reopened = try SQLiteDatastore(path: dir.database)
        #expect(try await reopened.hosts() == [HostRecord(name: "h1", lastSeen: 50, bgpAddress: ip("10.99.0.1"), bgpPort: 1179)])
        #expect(try await reopened.policies().last == p && p.log)
        #expect(try await reopened.endpoints().last?.containerID == "0123abcd")
    }
}
