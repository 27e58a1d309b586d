import FeatureRegistry
import Foundation
import Postgres

/// Exports a point-in-time-correct training set to a file.
///
/// The join runs inside PostgreSQL. The entity rows are split across `workers` connections
/// (one per core is right: each probes indexes independently), each writing its share into an
/// unlogged scratch table; the shares stream out in entity-row order through `COPY TO` into a
/// temporary file next to the destination, renamed into place only when everything succeeded:
/// an interrupted export never leaves a file that looks complete. All shares read one
/// snapshot. Scratch tables are dropped at the end, whatever happens; those of a killed export
/// (see `ScratchTables`) and its partial file (see `AtomicFileWriter`) by the next export.
public struct TrainingSetExporter: Sendable {
    public enum Format: String, Sendable, CaseIterable {
        case csv, jsonl
    }

    public struct Request: Sendable {
        public var references: [FeatureReference]
        public var entities: EntitySet
        /// The output file's path, normalised (`a/./b/../c.csv` is `a/c.csv`).
        public var output: String
        public var format: Format
        public var gzip: Bool
        public var fullFeatureNames: Bool
        public var asOfCreated: Bool
        public var timestampColumn: String

        /// The format comes from the file name (`.csv`, `.jsonl` or `.ndjson`, then optionally
        /// `.gz`); a name with another extension is refused rather than written as CSV, and a
        /// `format` given as well must agree with it.
        public init(references: [FeatureReference], entities: EntitySet, output: String, format: Format? = nil,
                    fullFeatureNames: Bool = false, asOfCreated: Bool = false,
                    timestampColumn: String = EntitySet.defaultTimestampColumn) throws(ExportError) {
            self.references = references
            self.entities = entities
            self.output = URL(fileURLWithPath: output).standardizedFileURL.path
            let (named, gzip) = try Self.format(of: self.output)
            if let format, format != named {
                throw ExportError("the output \(self.output) names a \(named.rawValue) file but the format asked for is \(format.rawValue)")
            }
            self.format = named
            self.gzip = gzip
            self.fullFeatureNames = fullFeatureNames
            self.asOfCreated = asOfCreated
            self.timestampColumn = timestampColumn
        }

        static let supported = ".csv, .jsonl or .ndjson (JSON lines), each optionally followed by .gz"

        static func format(of output: String) throws(ExportError) -> (Format, gzip: Bool) {
            let gzip = output.hasSuffix(".gz")
            let plain = gzip ? String(output.dropLast(3)) : output
            let name = URL(fileURLWithPath: plain).lastPathComponent
            let dot = name.lastIndex(of: ".")
            let extensionName = dot.map { String(name[name.index(after: $0)...]).lowercased() } ?? ""
            switch extensionName {
            case "csv": return (.csv, gzip)
            case "jsonl", "ndjson": return (.jsonl, gzip)
            default:
                let found = extensionName.isEmpty ? "a name without an extension" : "the extension .\(extensionName)"
                throw ExportError("cannot write \(output): \(found) is not a supported output; supported: \(supported)")
            }
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
    /// Test seam: runs after the shared snapshot was taken, before the shares are computed.
    var afterSnapshot: (@Sendable () -> Void)?

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
        try ScratchTables.dropOrphans(on: connection)
        let token = "\(getpid())_\(UInt32.random(in: 0...UInt32.max))"
        let entityTable = "pantry_work.entities_\(token)"
        let shares = (0..<workers).map { "pantry_work.result_\(token)_\($0)" }
        try ScratchTables.register([entityTable] + shares, on: connection)
        defer { ScratchTables.drop([entityTable] + shares, on: connection) }
        let writer = try AtomicFileWriter(destination: request.output, gzip: request.gzip)
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
            let columns = try Self.outputColumns(of: shares[0], names: passThrough + join.featureColumns.map(\.name),
                                                 format: request.format, on: connection)
            var written = 0
            let step = max(1, total / 200)
            switch request.format {
            case .csv:
                try connection.copyOut("COPY (SELECT \(columns) FROM \(union) ORDER BY _row) TO STDOUT WITH (FORMAT csv, HEADER true)",
                                       name: "export: copy out") { chunk in
                    try writer.write(chunk)
                    written += 1
                    if written % step == 0 { progress(min(written, total), total) }
                }
            case .jsonl:
                try connection.copyOutRows("COPY (SELECT row_to_json(j)::text FROM (SELECT \(columns) FROM \(union) ORDER BY _row) j) TO STDOUT",
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

    /// The output columns of `table` in order, each written the way exports write values:
    /// times as RFC 3339 (`pantry.rfc3339`), and in CSV booleans as `true`/`false` and arrays
    /// as JSON (in JSON lines these are JSON already).
    static func outputColumns(of table: String, names: [String], format: Format, on connection: PostgresConnection) throws -> String {
        let types = try connection.query("""
            SELECT attname, format_type(atttypid, atttypmod) FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped
            """, [table], name: "export: column types").rows
        var typeOf: [String: String] = [:]
        for row in types { typeOf[try row.decode(String.self, at: 0)] = try row.decode(String.self, at: 1) }
        return try names.map { name -> String in
            let column = try SQLIdentifier(name).quoted
            let type = typeOf[name] ?? "text"
            let value: String
            switch (type, format) {
            case ("timestamp with time zone", _): value = "pantry.rfc3339(\(column))"
            case ("timestamp without time zone", _): value = "pantry.rfc3339(\(column) AT TIME ZONE 'UTC')"
            case ("boolean", .csv): value = "CASE WHEN \(column) THEN 'true' WHEN NOT \(column) THEN 'false' END"
            case (_, .csv) where type.hasSuffix("[]"): value = "to_json(\(column))::text"
            default: return column
            }
            return "\(value) AS \(column)"
        }.joined(separator: ", ")
    }

    /// Builds each share table on its own connection, concurrently; the first uses `connection`.
    ///
    /// All shares read one snapshot: `connection` exports its snapshot and every worker
    /// imports it, so a training set exported while an ingest commits is entirely before or
    /// entirely after it, never a mix. The exporting transaction stays open until every worker
    /// finished (a snapshot can only be imported while it is).
    private func runShares(_ shares: [String], on connection: PostgresConnection, select: (Int) throws -> String) throws {
        let statements = try shares.indices.map { "CREATE UNLOGGED TABLE \(shares[$0]) AS \(try select($0))" }
        let connections = [connection] + (1..<shares.count).map { _ in PostgresConnection(configuration: connection.configuration) }
        defer { connections.dropFirst().forEach { $0.close() } }
        try connection.transaction { leader in
            try leader.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", name: "export: snapshot")
            let snapshot = try leader.query("SELECT pg_export_snapshot()", name: "export: snapshot")[0].decode(String.self, at: 0)
            afterSnapshot?()
            let errors = ErrorBox()
            DispatchQueue.concurrentPerform(iterations: shares.count) { index in
                do {
                    let worker = connections[index]
                    let run = { (tx: PostgresConnection) throws in
                        if index > 0 {
                            try tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ", name: "export: snapshot")
                            try tx.query("SET TRANSACTION SNAPSHOT '\(snapshot)'", name: "export: snapshot")
                        }
                        // One index probe per entity row and view: caching probe results (memoize)
                        // never hits on distinct (key, time) pairs, and JIT compilation costs more
                        // than it saves on this plan shape.
                        try tx.query("SET LOCAL enable_memoize = off", name: "export: settings")
                        try tx.query("SET LOCAL jit = off", name: "export: settings")
                        try tx.query(statements[index], name: "export: point-in-time join")
                    }
                    if index == 0 { try run(worker) } else { try worker.transaction(run) }
                } catch {
                    errors.record(error)
                }
            }
            if let error = errors.first { throw error }
        }
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
