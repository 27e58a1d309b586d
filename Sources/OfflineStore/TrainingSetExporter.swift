import FeatureRegistry
import Foundation
import Postgres

/// Exports a point-in-time-correct training set to a file.
///
/// The join runs inside PostgreSQL. The entity rows are split across `workers` connections
/// (one per core is right: each probes indexes independently), each writing its share into an
/// unlogged scratch table; the shares stream out in entity-row order through `COPY TO` into a
/// temporary file next to the destination, renamed into place only when everything succeeded:
/// an interrupted export never leaves a file that looks complete. Scratch tables are dropped
/// at the end, whatever happens.
public struct TrainingSetExporter: Sendable {
    public enum Format: String, Sendable {
        case csv, jsonl
    }

    public struct Request: Sendable {
        public var references: [FeatureReference]
        public var entities: EntitySet
        public var output: String
        public var format: Format
        public var gzip: Bool
        public var fullFeatureNames: Bool
        public var asOfCreated: Bool
        public var timestampColumn: String

        public init(references: [FeatureReference], entities: EntitySet, output: String, format: Format? = nil,
                    gzip: Bool? = nil, fullFeatureNames: Bool = false, asOfCreated: Bool = false,
                    timestampColumn: String = EntitySet.defaultTimestampColumn) {
            self.references = references
            self.entities = entities
            self.output = output
            let plain = output.hasSuffix(".gz") ? String(output.dropLast(3)) : output
            self.format = format ?? (plain.hasSuffix(".jsonl") || plain.hasSuffix(".json") ? .jsonl : .csv)
            self.gzip = gzip ?? output.hasSuffix(".gz")
            self.fullFeatureNames = fullFeatureNames
            self.asOfCreated = asOfCreated
            self.timestampColumn = timestampColumn
        }
    }

    public struct Summary: Sendable {
        public let rows: Int
        public let seconds: Double
        /// Output feature column → fraction of rows where it is NULL.
        public let nullRates: [(column: String, rate: Double)]
    }

    public let repository: FeatureRepository
    /// Connections the join is split across.
    public let workers: Int

    public init(repository: FeatureRepository, workers: Int = ProcessInfo.processInfo.activeProcessorCount) {
        self.repository = repository
        self.workers = max(1, min(workers, 8))
    }

    /// Runs the export; `progress(rowsWritten, totalRows)` is called as rows stream out.
    public func export(_ request: Request, on connection: PostgresConnection,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let started = Date()
        let pgvector = try OfflineTable.hasPgvector(connection)
        let join = try PointInTimeJoin(references: request.references, repository: repository, pgvector: pgvector,
                                       fullFeatureNames: request.fullFeatureNames, asOfCreated: request.asOfCreated)
        let token = "\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let entityTable = "pantry_work.entities_\(token)"
        let shares = (0..<workers).map { "pantry_work.result_\(token)_\($0)" }
        let writer = try AtomicFileWriter(destination: request.output, gzip: request.gzip)
        defer {
            for table in [entityTable] + shares { _ = try? connection.query("DROP TABLE IF EXISTS \(table)", name: "export: cleanup") }
        }
        do {
            let passThrough = try request.entities.load(into: entityTable, keys: join.requiredKeys,
                                                        timestampColumn: request.timestampColumn, pgvector: pgvector, on: connection)
            let output: PointInTimeJoin.Output = request.format == .csv ? .csv : .jsonLines
            try runShares(shares, on: connection) { index in
                try join.select(entityTable: entityTable, passThrough: passThrough, timestampColumn: request.timestampColumn,
                                output: output, filter: workers > 1 ? "e._row % \(workers) = \(index)" : nil)
            }
            let union = "(" + shares.map { "SELECT * FROM \($0)" }.joined(separator: " UNION ALL ") + ") r"
            let total = try connection.query("SELECT count(*) FROM \(union)", name: "export: count")[0].decode(Int.self, at: 0)
            let names = try (passThrough + join.featureColumns.map(\.name)).map { try SQLIdentifier($0).quoted }.joined(separator: ", ")
            var written = 0
            let step = max(1, total / 200)
            switch request.format {
            case .csv:
                try connection.copyOut("COPY (SELECT \(names) FROM \(union) ORDER BY _row) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                       name: "export: copy out") { chunk in
                    try writer.write(chunk)
                    written += 1
                    if written % step == 0 { progress(min(written, total), total) }
                }
            case .jsonl:
                try connection.copyOutRows("COPY (SELECT row_to_json(j)::text FROM (SELECT \(names) FROM \(union) ORDER BY _row) j) TO STDOUT",
                                           name: "export: copy out") { columns in
                    try writer.write(Array(((columns.first ?? nil) ?? "null").utf8) + [10])
                    written += 1
                    if written % step == 0 { progress(written, total) }
                }
            }
            progress(total, total)
            let rates = try nullRates(join.featureColumns.map(\.name), in: union, total: total, on: connection)
            try writer.commit()
            return Summary(rows: total, seconds: Date().timeIntervalSince(started), nullRates: rates)
        } catch {
            writer.abandon()
            throw error
        }
    }

    /// Builds each share table on its own connection, concurrently; the first uses `connection`.
    private func runShares(_ shares: [String], on connection: PostgresConnection, select: (Int) throws -> String) throws {
        let statements = try shares.indices.map { "CREATE UNLOGGED TABLE \(shares[$0]) AS \(try select($0))" }
        let connections = [connection] + (1..<shares.count).map { _ in PostgresConnection(configuration: connection.configuration) }
        defer { connections.dropFirst().forEach { $0.close() } }
        let errors = ErrorBox()
        DispatchQueue.concurrentPerform(iterations: shares.count) { index in
            do {
                let worker = connections[index]
                // One index probe per entity row and view: caching probe results (memoize)
                // never hits on distinct (key, time) pairs, and JIT compilation costs more than
                // it saves on this plan shape.
                try worker.query("SET enable_memoize = off", name: "export: settings")
                try worker.query("SET jit = off", name: "export: settings")
                try worker.query(statements[index], name: "export: point-in-time join")
                try worker.query("RESET enable_memoize", name: "export: settings")
                try worker.query("RESET jit", name: "export: settings")
            } catch {
                errors.record(error)
            }
        }
        if let error = errors.first { throw error }
    }

    private func nullRates(_ features: [String], in union: String, total: Int, on connection: PostgresConnection) throws -> [(String, Double)] {
        guard total > 0, !features.isEmpty else { return [] }
        let counts = try connection.query(
            "SELECT \(try features.map { "count(*) FILTER (WHERE \(try SQLIdentifier($0).quoted) IS NULL)" }.joined(separator: ", ")) FROM \(union)",
            name: "export: null rates")[0]
        return try features.enumerated().map { ($1, Double(try counts.decode(Int.self, at: $0)) / Double(total)) }
    }
}

/// The first error of concurrent work.
private final class ErrorBox: @unchecked Sendable {
    private let lock = NSLock()
    private var error: (any Error)?
    func record(_ error: any Error) { lock.withLock { if self.error == nil { self.error = error } } }
    var first: (any Error)? { lock.withLock { error } }
}
