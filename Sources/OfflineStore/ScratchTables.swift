import Foundation
import Postgres

/// Scratch tables of jobs in schema `pantry_work`, leased to the session that created them.
///
/// A job registers each table in `pantry.scratch_tables` with its session's backend (pid and
/// start time) before creating it, and drops it when done. A job killed before that leaves the
/// table behind, but its session dies with it: `dropOrphans` (run by every new job) drops the
/// tables whose session is gone, and tables in `pantry_work` that were never registered (left
/// by versions before leases).
enum ScratchTables {
    /// Records `names` (schema-qualified, quoted) as owned by this connection's session.
    static func register(_ names: [String], on connection: PostgresConnection) throws {
        try connection.query("""
            INSERT INTO pantry.scratch_tables (name, backend_pid, backend_start)
            SELECT n, pid, backend_start FROM unnest($1::text[]) n, pg_stat_activity WHERE pid = pg_backend_pid()
            """, [PostgresArray(names)], name: "scratch: register")
    }

    /// Drops the tables and forgets them.
    static func drop(_ names: [String], on connection: PostgresConnection) {
        for name in names { _ = try? connection.query("DROP TABLE IF EXISTS \(name)", name: "scratch: drop") }
        _ = try? connection.query("DELETE FROM pantry.scratch_tables WHERE name = ANY($1::text[])", [PostgresArray(names)], name: "scratch: forget")
    }

    /// Drops scratch tables whose owning session is gone; returns how many.
    @discardableResult
    static func dropOrphans(on connection: PostgresConnection) throws -> Int {
        let orphans = try connection.query("""
            SELECT name FROM pantry.scratch_tables WHERE NOT pantry.session_alive(backend_pid, backend_start)
            UNION
            SELECT format('pantry_work.%I', c.relname) FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
            WHERE n.nspname = 'pantry_work' AND c.relkind IN ('r', 'p')
              AND format('pantry_work.%I', c.relname) NOT IN (SELECT name FROM pantry.scratch_tables)
            """, name: "scratch: orphans").rows.map { try $0.decode(String.self, at: 0) }
        drop(orphans, on: connection)
        return orphans.count
    }
}
