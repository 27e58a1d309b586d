import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Redis

/// Incremental materialization: every row ingested since the last successful incremental run.
///
/// The watermark is an ingestion sequence number (`ingest_seq`), not an event time, so late
/// rows are picked up. Two things make it safe:
/// - **No row is skipped.** Sequence numbers are taken when a writer inserts, but become
///   visible when it commits, so an ingest still running can hold numbers below the highest
///   visible one. The upper bound is therefore read under a brief `SHARE` lock on the view's
///   table, which waits for the writers in flight (their `ROW EXCLUSIVE` lock) to finish: every
///   number up to the bound is then committed or never will be. The lock is tried for short
///   moments (`lock_timeout`) so that waiting for a long ingest never queues new writers
///   (pushes) behind it.
/// - **A Redis that lost its data is noticed.** Each successful run writes a fresh generation
///   to Redis and to `pantry.materialization_state`; a run that finds a different one in Redis
///   (none, after a restart without persistence, or an older one, after a restore) copies the
///   whole history instead, and says why in `Summary.fullReason`.
extension Materializer {
    /// How long an incremental run waits for ingests into the view that are still running.
    public static let writerWaitSeconds = 600.0

    public func materializeIncremental(view: FeatureView, postgres: PostgresConnection, redis: RedisConnection,
                                       writerWaitSeconds: Double = Self.writerWaitSeconds,
                                       progress: (Int) -> Void = { _ in }) throws -> Summary {
        let version = try RegistryStore().versions(project: repository.project, on: postgres)["feature_view:\(view.name)"] ?? 0
        let state = try postgres.query("SELECT view_version, watermark_seq, generation FROM pantry.materialization_state WHERE project = $1 AND view = $2",
                                       [repository.project, view.name], name: "materialize: state")
        var from = 0
        var fullReason: String?
        if state.count > 0, try state[0].decode(Int.self, at: 0) == version {
            let online = try redis.send(RedisCommand("GET", OnlineKey.generationKey(project: repository.project, view: view.name)))
                .checked(command: "GET generation").string
            if let recorded = try state[0].decodeIfPresent(String.self, at: 2), online == recorded {
                from = try state[0].decode(Int.self, at: 1)
            } else {
                fullReason = online == nil
                    ? "Redis has no record of the earlier materializations of \(view.name) (restarted without its data?): copying the whole history"
                    : "Redis holds an older materialization of \(view.name) than PostgreSQL recorded (restored from a backup?): copying the whole history"
            }
        }
        let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(postgres))
        let to = try committedSequenceBound(table: table, waitSeconds: writerWaitSeconds, on: postgres)
        var summary = try run(view: view, mode: "incremental", conditions: ["ingest_seq > \(from)", "ingest_seq <= \(to)"],
                              window: nil, seqRange: (from, to), postgres: postgres, redis: redis, progress: progress)
        summary.fullReason = fullReason
        let generation = UUID().uuidString
        try redis.send(RedisCommand("SET", OnlineKey.generationKey(project: repository.project, view: view.name), generation))
            .checked(command: "SET generation")
        try postgres.query("""
            INSERT INTO pantry.materialization_state (project, view, view_version, watermark_seq, generation) VALUES ($1, $2, $3, $4, $5)
            ON CONFLICT (project, view) DO UPDATE SET view_version = $3, watermark_seq = $4, generation = $5, updated_at = now()
            """, [repository.project, view.name, version, to, generation], name: "materialize: advance watermark")
        return summary
    }

    /// The highest `ingest_seq` of the table such that every lower number is committed or
    /// never will be (see the type's comment).
    func committedSequenceBound(table: OfflineTable, waitSeconds: Double, on postgres: PostgresConnection) throws -> Int {
        let deadline = Date().addingTimeInterval(waitSeconds)
        let name = try table.qualifiedName
        while true {
            do {
                return try postgres.transaction { tx in
                    try tx.query("SET LOCAL lock_timeout = '100ms'", name: "materialize: lock timeout")
                    try tx.query("LOCK TABLE \(name) IN SHARE MODE", name: "materialize: wait for writers")
                    return try tx.query("SELECT coalesce(max(ingest_seq), 0) FROM \(name)", name: "materialize: max seq")[0].decode(Int.self, at: 0)
                }
            } catch let error as PostgresError where error.sqlState == "55P03" {
                guard Date() < deadline else {
                    throw PostgresError(.timeout, """
                        an ingest into view \(table.view.name) has been running for over \(Int(waitSeconds)) s; incremental \
                        materialization waits for running ingests so that it never skips their rows: run it again when the ingest finished
                        """, sqlState: error.sqlState, statement: "materialize: wait for writers")
                }
                Thread.sleep(forTimeInterval: 0.2)
            }
        }
    }

    /// Forgets the views' incremental watermarks, so the next incremental run copies their
    /// whole offline history again (after their online values were cleared).
    public func resetWatermarks(views: [FeatureView], postgres: PostgresConnection) throws {
        for view in views {
            try postgres.query("DELETE FROM pantry.materialization_state WHERE project = $1 AND view = $2",
                               [repository.project, view.name], name: "materialize: reset watermark")
        }
    }
}
