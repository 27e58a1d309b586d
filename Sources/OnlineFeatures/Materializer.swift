import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Redis

/// Copies the latest offline row of each entity into the online store.
///
/// Rows stream out of PostgreSQL (`COPY TO`, `DISTINCT ON` the view's keys, newest first by
/// the offline tie-break) and are written to Redis in pipelined batches through the
/// point-in-time script, so re-running a materialization is harmless: an older value never
/// replaces a newer one. Runs are recorded in `pantry.materialization_runs`; the incremental
/// watermark (an ingestion sequence number) only moves after a run succeeded, so a run that
/// crashed is simply run again.
public struct Materializer: Sendable {
    public struct Summary: Sendable {
        public let view: String
        public let rowsRead: Int
        public let written: OnlineWriteSummary
        public let seconds: Double
    }

    public let repository: FeatureRepository
    public let store: RedisOnlineStore
    /// Rows per Redis pipeline.
    public let batchSize = 5_000

    public init(repository: FeatureRepository, store: RedisOnlineStore) {
        self.repository = repository
        self.store = store
    }

    /// Materializes rows with `start <= event_ts < end` (no lower bound when `start` is nil).
    public func materialize(view: FeatureView, start: Date?, end: Date, postgres: PostgresConnection, redis: RedisConnection,
                            progress: (Int) -> Void = { _ in }) throws -> Summary {
        var conditions = ["event_ts < '\(PostgresTimestamp.format(end))'::timestamptz"]
        if let start { conditions.append("event_ts >= '\(PostgresTimestamp.format(start))'::timestamptz") }
        return try run(view: view, mode: "window", conditions: conditions, window: (start, end), seqRange: nil,
                       postgres: postgres, redis: redis, progress: progress)
    }

    /// Materializes every row ingested since the last successful incremental run of the view
    /// (or since the view's current version was applied), whatever its event time.
    public func materializeIncremental(view: FeatureView, postgres: PostgresConnection, redis: RedisConnection,
                                       progress: (Int) -> Void = { _ in }) throws -> Summary {
        let version = try RegistryStore().versions(project: repository.project, on: postgres)["feature_view:\(view.name)"] ?? 0
        let state = try postgres.query("SELECT view_version, watermark_seq FROM pantry.materialization_state WHERE project = $1 AND view = $2",
                                       [repository.project, view.name], name: "materialize: state")
        var from = 0
        if state.count > 0, try state[0].decode(Int.self, at: 0) == version { from = try state[0].decode(Int.self, at: 1) }
        let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(postgres))
        let to = try postgres.query("SELECT coalesce(max(ingest_seq), 0) FROM \(try table.qualifiedName)", name: "materialize: max seq")[0].decode(Int.self, at: 0)
        let summary = try run(view: view, mode: "incremental", conditions: ["ingest_seq > \(from)", "ingest_seq <= \(to)"],
                              window: nil, seqRange: (from, to), postgres: postgres, redis: redis, progress: progress)
        try postgres.query("""
            INSERT INTO pantry.materialization_state (project, view, view_version, watermark_seq) VALUES ($1, $2, $3, $4)
            ON CONFLICT (project, view) DO UPDATE SET view_version = $3, watermark_seq = $4, updated_at = now()
            """, [repository.project, view.name, version, to], name: "materialize: advance watermark")
        return summary
    }

    /// Forgets the views' incremental watermarks, so the next incremental run copies their
    /// whole offline history again (after their online values were cleared).
    public func resetWatermarks(views: [FeatureView], postgres: PostgresConnection) throws {
        for view in views {
            try postgres.query("DELETE FROM pantry.materialization_state WHERE project = $1 AND view = $2",
                               [repository.project, view.name], name: "materialize: reset watermark")
        }
    }

    private func run(view: FeatureView, mode: String, conditions: [String], window: (Date?, Date)?, seqRange: (Int, Int)?,
                     postgres: PostgresConnection, redis: RedisConnection, progress: (Int) -> Void) throws -> Summary {
        let started = Date()
        let runID = try postgres.query("""
            INSERT INTO pantry.materialization_runs (project, view, mode, window_start, window_end, from_seq, to_seq)
            VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id
            """, [repository.project, view.name, mode, window?.0, window?.1, seqRange?.0, seqRange?.1],
            name: "materialize: run")[0].decode(Int.self, at: 0)
        var rowsRead = 0
        var written = OnlineWriteSummary()
        do {
            let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(postgres))
            let keys = try table.joinKeys.map { try SQLIdentifier($0.name).quoted }
            let features = try view.features.map { feature -> String in
                let column = try SQLIdentifier(feature.name).quoted
                switch feature.type {
                case .timestamp: return "(extract(epoch FROM \(column)) * 1000000)::bigint"
                case .list: return "to_json(\(column))::text"
                case .vector: return table.pgvector ? "\(column)::text" : "to_json(\(column))::text"
                default: return column
                }
            }
            // The latest row per key first, then the conversions: computing them in the same
            // SELECT as DISTINCT ON would evaluate them for every row, not only the kept ones
            // (twice the time for a view with many rows per key).
            let ranking = OfflineTable.newestFirst()
            let latest = keys.isEmpty
                ? "SELECT * FROM \(try table.qualifiedName) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(ranking) LIMIT 1"
                : "SELECT DISTINCT ON (\(keys.joined(separator: ", "))) * FROM \(try table.qualifiedName) WHERE \(conditions.joined(separator: " AND ")) ORDER BY \(keys.joined(separator: ", ")), \(ranking)"
            let columns = keys + ["(extract(epoch FROM event_ts) * 1000000)::bigint", "(extract(epoch FROM created_ts) * 1000000)::bigint"] + features
            let sql = "COPY (SELECT \(columns.joined(separator: ", ")) FROM (\(latest)) latest) TO STDOUT"
            var batch: [OnlineRow] = []
            batch.reserveCapacity(batchSize)
            let decoder = JSONDecoder()
            // Reading PostgreSQL and writing Redis overlap: this thread parses rows while a
            // writer thread sends the previous batch.
            let writer = BatchWriter(store: store, redis: redis)
            do {
                try postgres.copyOutRows(sql, name: "materialize: read \(view.name)") { fields in
                    batch.append(try Self.row(fields, view: view, keyCount: keys.count, decoder: decoder))
                    rowsRead += 1
                    if batch.count == batchSize {
                        try writer.submit(batch)
                        batch.removeAll(keepingCapacity: true)
                        progress(rowsRead)
                    }
                }
                if !batch.isEmpty { try writer.submit(batch) }
                written = try writer.finish()
            } catch {
                _ = try? writer.finish()
                throw error
            }
            progress(rowsRead)
            try postgres.query("""
                UPDATE pantry.materialization_runs SET status = 'succeeded', finished_at = now(), rows_read = $2, rows_written = $3 WHERE id = $1
                """, [runID, rowsRead, written.total], name: "materialize: finish")
        } catch {
            _ = try? postgres.query("UPDATE pantry.materialization_runs SET status = 'failed', finished_at = now(), rows_read = $2, error = $3 WHERE id = $1",
                                    [runID, rowsRead, "\(error)"], name: "materialize: failed")
            throw error
        }
        return Summary(view: view.name, rowsRead: rowsRead, written: written, seconds: Date().timeIntervalSince(started))
    }

    /// One COPY row (keys, event µs, created µs, features) as an online row.
    static func row(_ fields: [String?], view: FeatureView, keyCount: Int, decoder: JSONDecoder) throws -> OnlineRow {
        let keys = fields[0..<keyCount].map { $0 ?? "" }
        guard let event = fields[keyCount].flatMap({ Int64($0) }) else {
            throw MessagePack.DecodingError(description: "row without event time in view \(view.name)")
        }
        let created = fields[keyCount + 1].flatMap { Int64($0) }
        let values = view.features.enumerated().map { index, feature -> FeatureValue in
            guard let text = fields[keyCount + 2 + index] else { return .null }
            return FeatureValue(offlineText: text, type: feature.type, decoder: decoder)
        }
        return OnlineRow(view: view, keys: keys, eventMicros: event, createdMicros: created, values: values)
    }
}

/// Writes batches on `lanes` threads, each with its own Redis connection, with at most two
/// batches per lane in flight: reading PostgreSQL, encoding a batch and Redis executing the
/// previous one all overlap, without holding more than a few batches in memory.
///
/// Order between batches does not matter: every write goes through the point-in-time script,
/// and a run reads one row per key, so batches never touch the same key twice.
final class BatchWriter: @unchecked Sendable {
    private let store: RedisOnlineStore
    private let connections: [RedisConnection]
    private let queues: [DispatchQueue]
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var next = 0
    private var summary = OnlineWriteSummary()
    private var failure: (any Error)?

    /// - Parameter redis: the first lane's connection; further lanes open their own.
    init(store: RedisOnlineStore, redis: RedisConnection, lanes: Int = 2) {
        self.store = store
        connections = [redis] + (1..<max(1, lanes)).map { RedisConnection(configuration: redis.configuration, label: "pantry.materialize.\($0)") }
        queues = connections.indices.map { DispatchQueue(label: "pantry.materialize.writer.\($0)") }
        slots = DispatchSemaphore(value: 2 * connections.count)
    }

    /// Queues a batch; throws the first write error seen so far, so a dead Redis stops the read.
    func submit(_ rows: [OnlineRow]) throws {
        if let failure = lock.withLock({ failure }) { throw failure }
        slots.wait()
        let lane = next % connections.count
        next += 1
        queues[lane].async { [self] in
            defer { slots.signal() }
            guard lock.withLock({ failure == nil }) else { return }
            do {
                let written = try store.write(rows, on: connections[lane])
                lock.withLock { summary = summary + written }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Waits for every queued batch, closes the extra connections, and returns the total or
    /// throws the first error.
    func finish() throws -> OnlineWriteSummary {
        for queue in queues { queue.sync {} }
        for connection in connections.dropFirst() { connection.close() }
        return try lock.withLock {
            if let failure { throw failure }
            return summary
        }
    }
}

extension FeatureValue {
    /// From the text the materialization query selects (timestamps as epoch µs, lists and
    /// embeddings as JSON arrays).
    init(offlineText text: String, type: ValueType, decoder: JSONDecoder) {
        switch type {
        case .int32, .int64: self = Int64(text).map(FeatureValue.int) ?? .null
        case .float, .double: self = Double(postgresText: text).map(FeatureValue.double) ?? .null
        case .string: self = .string(text)
        case .bool: self = .bool(text == "t")
        case .timestamp: self = Int64(text).map(FeatureValue.timestamp) ?? .null
        case .bytes: self = Data(postgresText: text).map { .bytes(Array($0)) } ?? .null
        case .list, .vector:
            let json = try? decoder.decode(JSONValue.self, from: Data(text.utf8))
            self = json.flatMap { try? FeatureValue(json: $0, type: type) } ?? .null
        }
    }
}
