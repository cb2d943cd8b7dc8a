import GRDB

/// `PRAGMA integrity_check` on a datastore file (`sqlite3 FILE 'PRAGMA integrity_check'`):
/// "ok" or SQLite's list of problems.
public enum SQLiteIntegrity {
    public static func check(path: String) throws -> String {
        let q = try DatabaseQueue(path: path)
        return try q.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check").joined(separator: "\n") }
    }
}
