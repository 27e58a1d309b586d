import Core
import FeatureRegistry
import Foundation
import Postgres

/// Loads feature rows into a view's offline table, all or nothing.
///
/// Rows first go through `COPY` into a typed staging table, so PostgreSQL itself checks every
/// value (and names the line and column of the first bad one); then, in the same transaction,
/// the yearly partitions they need are created (unless `createsPartitions` is false) and the
/// rows are moved into the view's table in input order (later rows win ties on event and
/// created time).
public struct Ingestor: Sendable {
    public let table: OfflineTable
    /// Replace the view's whole history with the input (a backfill), in the same transaction.
    public let replace: Bool
    /// Create the yearly partitions the rows need (bulk ingests). Pushes from `pantry serve`
    /// pass false: a request never runs DDL, which would lock the view's table exclusively;
    /// rows of a year without a partition go to the default partition.
    public let createsPartitions: Bool

    public init(table: OfflineTable, replace: Bool = false, createsPartitions: Bool = true) {
        self.table = table
        self.replace = replace
        self.createsPartitions = createsPartitions
    }

    /// The input columns a view accepts: join keys, event time, created time, features.
    var inputColumns: [(name: String, type: ValueType, required: Bool)] {
        var columns = table.joinKeys.map { ($0.name, $0.type, true) }
        columns.append((table.view.eventTimestampColumn, .timestamp, true))
        if let created = table.view.createdTimestampColumn { columns.append((created, .timestamp, false)) }
        columns += table.view.features.map { ($0.name, $0.type, false) }
        return columns
    }

    /// Checks a header against the view: unknown columns and missing keys or event time are errors.
    func checkHeader(_ header: [String], source: String) throws -> [(name: String, type: ValueType, required: Bool)] {
        let known = inputColumns
        var seen = Set<String>()
        var columns: [(name: String, type: ValueType, required: Bool)] = []
        for name in header {
            guard let column = known.first(where: { $0.name == name }) else {
                throw IngestError(source: source, line: 1, column: name,
                                  message: "unknown column for view \(table.view.name) (expected some of: \(known.map(\.name).joined(separator: ", ")))")
            }
            guard seen.insert(name).inserted else {
                throw IngestError(source: source, line: 1, column: name, message: "column appears twice")
            }
            columns.append(column)
        }
        for column in known where column.required && !seen.contains(column.name) {
            throw IngestError(source: source, line: 1, column: column.name, message: "required column is missing")
        }
        return columns
    }

    /// Runs one ingestion: `load` fills the staging table (whose columns are `columns`, plus a
    /// `_row` ordinal); then the rows are checked and moved. Returns the number of rows.
    func ingest(columns: [(name: String, type: ValueType, required: Bool)], source: String, firstLine: Int = 1,
                on connection: PostgresConnection, load: (PostgresConnection, String) throws -> Void) throws -> Int {
        try connection.transaction { tx in
            let staging = "pantry_ingest_staging"
            // Embeddings arrive in pgvector's text form; without pgvector they are staged as
            // text and converted below, with their length checked.
            let definitions = try columns.map { column -> String in
                let type: String = if case .vector = column.type, !table.pgvector { "text" }
                    else { column.type.postgresType(pgvector: table.pgvector) }
                return "\(try SQLIdentifier(column.name).quoted) \(type)\(column.required ? " NOT NULL" : "")"
            }
            try tx.query("CREATE TEMP TABLE \(staging) (_row bigserial, \(definitions.joined(separator: ", "))) ON COMMIT DROP",
                         name: "ingest: staging")
            do {
                try load(tx, staging)
            } catch let error as PostgresError where error.kind == .server {
                throw Self.explain(error, source: source, firstLine: firstLine)
            }
            let count = try tx.query("SELECT count(*) FROM \(staging)", name: "ingest: count")[0].decode(Int.self, at: 0)
            if replace { try tx.query("TRUNCATE \(try table.qualifiedName)", name: "ingest: replace") }
            if count == 0 { return 0 }
            if !table.pgvector {
                for column in columns {
                    guard case .vector(let dimensions) = column.type else { continue }
                    let name = try SQLIdentifier(column.name).quoted
                    let bad = try tx.query("""
                        SELECT _row FROM \(staging) WHERE \(name) IS NOT NULL AND (\(name) !~ '^\\s*\\[[^\\]]*\\]\\s*$'
                          OR coalesce(array_length(('{' || btrim(btrim(\(name)), '[]') || '}')::real[], 1), 0) <> $1
                          OR ('{' || btrim(btrim(\(name)), '[]') || '}')::real[] && ARRAY['NaN', 'Infinity', '-Infinity']::real[])
                        ORDER BY _row LIMIT 1
                        """, [dimensions], name: "ingest: check vectors")
                    if bad.count > 0 {
                        throw IngestError(source: source, line: nil, column: column.name,
                                          message: "row \(try bad[0].decode(Int.self, at: 0)): expected an embedding of \(dimensions) finite numbers like [0.1,0.2,...]")
                    }
                }
            }
            try Self.rejectOutOfRange(columns: columns, staging: staging, source: source, firstLine: firstLine, on: tx)
            if createsPartitions {
                let eventColumn = try SQLIdentifier(table.view.eventTimestampColumn).quoted
                let years = try tx.query("SELECT DISTINCT extract(year FROM \(eventColumn))::int FROM \(staging)",
                                         name: "ingest: years").rows.map { try $0.decode(Int.self, at: 0) }
                try table.ensurePartitions(years: years, on: tx)
            }

            var targets: [String] = [], values: [String] = []
            for column in columns {
                let name = try SQLIdentifier(column.name).quoted
                if column.name == table.view.eventTimestampColumn {
                    targets.append("event_ts"); values.append(name)
                } else if column.name == table.view.createdTimestampColumn {
                    targets.append("created_ts"); values.append(name)
                } else if case .vector = column.type, !table.pgvector {
                    targets.append(name); values.append("('{' || btrim(btrim(\(name)), '[]') || '}')::real[]")
                } else {
                    targets.append(name); values.append(name)
                }
            }
            try tx.query("INSERT INTO \(try table.qualifiedName) (\(targets.joined(separator: ", "))) SELECT \(values.joined(separator: ", ")) FROM \(staging) ORDER BY _row",
                         name: "ingest: insert")
            return count
        }
    }

    /// NaN and ±Infinity, and times outside `Timestamp`'s range, are refused on every
    /// path (see `ValueCheck`); PostgreSQL's COPY accepts them (`NaN`, `infinity`, year 20000),
    /// so CSV input is checked here, in the staging table.
    /// The line reported is the input line of the first bad row (`firstLine` is that of row 1),
    /// exact unless a quoted field spans lines.
    static func rejectOutOfRange(columns: [(name: String, type: ValueType, required: Bool)], staging: String, source: String,
                                 firstLine: Int, on tx: PostgresConnection) throws {
        for column in columns {
            let name = try SQLIdentifier(column.name).quoted
            let condition: String
            switch column.type {
            case .float, .double: condition = "\(name) IN ('NaN', 'Infinity', '-Infinity')"
            case .list(.float), .list(.double): condition = "\(name) && ARRAY['NaN', 'Infinity', '-Infinity']::\(column.type.postgresType(pgvector: false))"
            case .timestamp:
                condition = "\(name) NOT BETWEEN '\(Timestamp.format(micros: Timestamp.minimumMicros))' AND '\(Timestamp.format(micros: Timestamp.maximumMicros))'"
            default: continue
            }
            let bad = try tx.query("SELECT _row FROM \(staging) WHERE \(condition) ORDER BY _row LIMIT 1", name: "ingest: check range")
            if bad.count > 0 {
                throw IngestError(source: source, line: try bad[0].decode(Int.self, at: 0) + firstLine - 1, column: column.name,
                                  message: column.type == .timestamp
                                    ? "time outside the accepted range \(Timestamp.rangeText) (infinity included)"
                                    : "NaN and infinities are not accepted: send a finite number, or leave the value empty (null)")
            }
        }
    }

    /// Turns a COPY error's context (`COPY pantry_ingest_staging, line 3, column rating: "x"`)
    /// into the input's line and column.
    /// `firstLine` is the input line COPY's line 1 stands for.
    static func explain(_ error: PostgresError, source: String, firstLine: Int = 1) -> IngestError {
        var line: Int?, column: String?
        if let context = error.context {
            if let range = context.range(of: "line "), let copyLine = Int(context[range.upperBound...].prefix { $0.isNumber }) {
                line = copyLine + firstLine - 1
            }
            if let range = context.range(of: "column ") {
                column = String(context[range.upperBound...].prefix { $0 != ":" && $0 != "\n" })
            }
        }
        if column == nil, let match = error.message.range(of: "column \"") {
            column = String(error.message[match.upperBound...].prefix { $0 != "\"" })
        }
        return IngestError(source: source, line: line, column: column, message: error.message)
    }
}
