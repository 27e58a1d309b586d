import FeatureRegistry
import Foundation
import Postgres

/// The record of materialization runs in `pantry.materialization_runs`.
///
/// A run holds a lease: the PostgreSQL backend (pid and start time) of the session running it.
/// A killed process loses its session, so a run still marked `running` whose backend is gone
/// died without finishing; each new run marks such runs of its project `failed` first.
extension Materializer {
    /// Marks the project's orphaned runs failed, then records a new run; returns its id.
    func startRun(view: FeatureView, mode: String, window: (Date?, Date)?, seqRange: (Int, Int)?,
                  on postgres: PostgresConnection) throws -> Int {
        try failOrphanedRuns(on: postgres)
        return try postgres.query("""
            INSERT INTO pantry.materialization_runs (project, view, mode, window_start, window_end, from_seq, to_seq, backend_pid, backend_start)
            SELECT $1, $2, $3, $4, $5, $6, $7, pid, backend_start FROM pg_stat_activity WHERE pid = pg_backend_pid()
            RETURNING id
            """, [repository.project, view.name, mode, window?.0, window?.1, seqRange?.0, seqRange?.1],
            name: "materialize: run")[0].decode(Int.self, at: 0)
    }

    /// Runs of this project left `running` by a process that is gone; returns how many.
    @discardableResult
    public func failOrphanedRuns(on postgres: PostgresConnection) throws -> Int {
        try postgres.query("""
            UPDATE pantry.materialization_runs SET status = 'failed', finished_at = now(),
              error = 'the process running it ended without finishing (killed?)'
            WHERE project = $1 AND status = 'running' AND NOT pantry.session_alive(backend_pid, backend_start)
            """, [repository.project], name: "materialize: orphaned runs").affectedRows
    }

    func finishRun(_ id: Int, rowsRead: Int, rowsWritten: Int, on postgres: PostgresConnection) throws {
        try postgres.query("""
            UPDATE pantry.materialization_runs SET status = 'succeeded', finished_at = now(), rows_read = $2, rows_written = $3 WHERE id = $1
            """, [id, rowsRead, rowsWritten], name: "materialize: finish")
    }

    /// Best effort: when the connection itself is gone, the lease tells the next run.
    func failRun(_ id: Int, rowsRead: Int, error: any Error, on postgres: PostgresConnection) {
        _ = try? postgres.query("UPDATE pantry.materialization_runs SET status = 'failed', finished_at = now(), rows_read = $2, error = $3 WHERE id = $1",
                                [id, rowsRead, "\(error)"], name: "materialize: failed")
    }
}
