import FeatureRegistry
import Foundation
import Postgres

/// Exports a point-in-time-correct training set to a file.
///
/// The join runs inside PostgreSQL, into a temp table; the result streams out through
/// `COPY TO` into a temporary file next to the destination, which is renamed into place only
/// when everything succeeded: an interrupted export never leaves a file that looks complete.
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

    public init(repository: FeatureRepository) { self.repository = repository }

    /// Runs the export; `progress(rowsWritten, totalRows)` is called as rows stream out.
    public func export(_ request: Request, on connection: PostgresConnection,
                       progress: (Int, Int) -> Void = { _, _ in }) throws -> Summary {
        let started = Date()
        let pgvector = try OfflineTable.hasPgvector(connection)
        let join = try PointInTimeJoin(references: request.references, repository: repository, pgvector: pgvector,
                                       fullFeatureNames: request.fullFeatureNames, asOfCreated: request.asOfCreated)
        let writer = try AtomicFileWriter(destination: request.output, gzip: request.gzip)
        do {
            let summary = try connection.transaction { tx -> Summary in
                let passThrough = try request.entities.load(into: "pantry_entity_rows", keys: join.requiredKeys,
                                                            timestampColumn: request.timestampColumn, pgvector: pgvector, on: tx)
                let output: PointInTimeJoin.Output = request.format == .csv ? .csv : .jsonLines
                let select = try join.select(entityTable: "pantry_entity_rows", passThrough: passThrough,
                                             timestampColumn: request.timestampColumn, output: output)
                try tx.query("CREATE TEMP TABLE pantry_training_set ON COMMIT DROP AS \(select)", name: "export: point-in-time join")
                let total = try tx.query("SELECT count(*) FROM pantry_training_set", name: "export: count")[0].decode(Int.self, at: 0)
                let names = try (passThrough + join.featureColumns.map(\.name)).map { try SQLIdentifier($0).quoted }.joined(separator: ", ")
                var written = 0
                let step = max(1, total / 200)
                switch request.format {
                case .csv:
                    try tx.copyOut("COPY (SELECT \(names) FROM pantry_training_set ORDER BY _row) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                   name: "export: copy out") { chunk in
                        try writer.write(chunk)
                        written += 1
                        if written % step == 0 { progress(min(written, total), total) }
                    }
                case .jsonl:
                    try tx.copyOutRows("COPY (SELECT row_to_json(r)::text FROM (SELECT \(names) FROM pantry_training_set ORDER BY _row) r) TO STDOUT",
                                       name: "export: copy out") { columns in
                        try writer.write(Array(((columns.first ?? nil) ?? "null").utf8) + [10])
                        written += 1
                        if written % step == 0 { progress(written, total) }
                    }
                }
                progress(total, total)
                let features = join.featureColumns.map(\.name)
                var rates: [(String, Double)] = []
                if total > 0, !features.isEmpty {
                    let counts = try tx.query("SELECT \(try features.map { "count(*) FILTER (WHERE \(try SQLIdentifier($0).quoted) IS NULL)" }.joined(separator: ", ")) FROM pantry_training_set",
                                              name: "export: null rates")[0]
                    for (index, name) in features.enumerated() {
                        rates.append((name, Double(try counts.decode(Int.self, at: index)) / Double(total)))
                    }
                }
                return Summary(rows: total, seconds: 0, nullRates: rates)
            }
            try writer.commit()
            return Summary(rows: summary.rows, seconds: Date().timeIntervalSince(started), nullRates: summary.nullRates)
        } catch {
            writer.abandon()
            throw error
        }
    }
}
