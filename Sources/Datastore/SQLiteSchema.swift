import GRDB

/// The SQLite schema, as GRDB migrations: each runs once per file, in order, in one transaction,
/// and agents sharing the file agree on it (`sqlite3 FILE .schema` shows the result).
enum SQLiteSchema {
    static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE pools (
                    name TEXT PRIMARY KEY NOT NULL,
                    cidr TEXT NOT NULL UNIQUE,
                    block_length INTEGER NOT NULL,
                    reserved TEXT NOT NULL DEFAULT '',
                    position INTEGER NOT NULL);
                -- One row per claimed block; `state` is Block.encodedState() (bitmaps + holders).
                CREATE TABLE blocks (
                    cidr TEXT PRIMARY KEY NOT NULL,
                    pool TEXT NOT NULL REFERENCES pools(name),
                    host TEXT NOT NULL,
                    network TEXT NOT NULL,
                    revision INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    state BLOB NOT NULL);
                CREATE INDEX blocks_by_host_network ON blocks(host, network);
                CREATE TABLE networks (
                    name TEXT PRIMARY KEY NOT NULL,
                    id INTEGER NOT NULL UNIQUE);
                CREATE TABLE endpoints (
                    name TEXT PRIMARY KEY NOT NULL,
                    network TEXT NOT NULL REFERENCES networks(name),
                    host TEXT NOT NULL,
                    addresses TEXT NOT NULL,
                    netns TEXT NOT NULL,
                    ifname TEXT NOT NULL);
                CREATE TABLE policies (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    from_network TEXT NOT NULL,
                    to_network TEXT NOT NULL,
                    action TEXT NOT NULL,
                    proto TEXT,
                    port_low INTEGER,
                    port_high INTEGER,
                    one_way INTEGER NOT NULL);
                CREATE TABLE hosts (
                    name TEXT PRIMARY KEY NOT NULL,
                    last_seen INTEGER NOT NULL);
                -- Every write appends here in its own transaction; watchers (in any process) poll it.
                CREATE TABLE changes (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    kind TEXT NOT NULL,
                    key TEXT NOT NULL);
                """)
        }
        // Columns added in place (an existing file keeps its rows; old rows get the defaults):
        // the hosts' BGP address for `--mesh`, a policy's `--log`, an endpoint's container id.
        m.registerMigration("v2") { db in
            try db.execute(sql: """
                ALTER TABLE hosts ADD COLUMN bgp_address TEXT;
                ALTER TABLE hosts ADD COLUMN bgp_port INTEGER NOT NULL DEFAULT 179;
                ALTER TABLE policies ADD COLUMN log INTEGER NOT NULL DEFAULT 0;
                ALTER TABLE endpoints ADD COLUMN container_id TEXT;
                """)
        }
        return m
    }
}
