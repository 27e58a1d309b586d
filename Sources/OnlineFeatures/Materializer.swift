import Core
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
/// replaces a newer one. Runs are recorded in `pantry.materialization_runs` (see
/// `Materializer+Runs.swift`); incremental runs are in `Materializer+Incremental.swift`.
public struct Materializer: Sendable {
    public struct Summary: Sendable {
        public let view: String
        public let rowsRead: Int
        public let written: OnlineWriteSummary
        public let seconds: Double
        /// Why an incremental run copied the whole history instead of what is new (nil when it
        /// did not).
        public var fullReason: String? = nil
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
        var conditions = ["event_ts < '\(Timestamp.format(end))'::timestamptz"]
        if let start { conditions.append("event_ts >= '\(Timestamp.format(start))'::timestamptz") }
        return try run(view: view, mode: "window", conditions: conditions, window: (start, end), seqRange: nil,
                       postgres: postgres, redis: redis, progress: progress)
    }

    func run(view: FeatureView, mode: String, conditions: [String], window: (Date?, Date)?, seqRange: (Int, Int)?,
             postgres: PostgresConnection, redis: RedisConnection, progress: (Int) -> Void) throws -> Summary {
        let started = Date()
        let runID = try startRun(view: view, mode: mode, window: window, seqRange: seqRange, on: postgres)
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
            try finishRun(runID, rowsRead: rowsRead, rowsWritten: written.total, on: postgres)
        } catch {
            failRun(runID, rowsRead: rowsRead, error: error, on: postgres)
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
