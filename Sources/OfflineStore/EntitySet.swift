import Core
import FeatureRegistry
import Foundation
import Postgres

/// The rows a training set is built for: join keys, the time each row is "as of", and any
/// other columns (labels), which pass through unchanged.
public enum EntitySet: Sendable {
    /// A CSV file with a header row.
    case csvFile(String)
    /// A SQL query run on the store's database; its row order is kept.
    case query(String)

    public static let defaultTimestampColumn = "event_timestamp"

    /// Loads the rows into the new unlogged table `table` (other connections of the export
    /// read it) with a `_row` ordinal, checks the columns the join needs, and returns the
    /// entity set's columns in order.
    func load(into table: String, keys: [(name: String, type: ValueType)], timestampColumn: String,
              pgvector: Bool, on connection: PostgresConnection) throws -> [String] {
        let columns: [String]
        switch self {
        case .csvFile(let path):
            let input = try CSVInput(path: path)
            let header = input.header
            for required in keys.map(\.name) + [timestampColumn] where !header.contains(required) {
                throw IngestError(source: path, line: 1, column: required,
                                  message: "the entity set lacks a column the requested features need (columns: \(header.joined(separator: ", ")))")
            }
            var seen = Set<String>()
            let definitions = try header.map { name -> String in
                guard seen.insert(name).inserted else { throw IngestError(source: path, line: 1, column: name, message: "column appears twice") }
                let identifier = try SQLIdentifier(name).quoted
                if name == timestampColumn { return "\(identifier) timestamptz NOT NULL" }
                if let key = keys.first(where: { $0.name == name }) { return "\(identifier) \(key.type.postgresType(pgvector: pgvector))" }
                return "\(identifier) text"
            }
            try connection.query("CREATE UNLOGGED TABLE \(table) (_row bigserial, \(definitions.joined(separator: ", ")))",
                                 name: "export: entity table")
            do {
                try input.copy("COPY \(table) (\(try header.map { try SQLIdentifier($0).quoted }.joined(separator: ", "))) FROM STDIN WITH (FORMAT csv)",
                               name: "export: load entities", on: connection)
            } catch let error as PostgresError where error.kind == .server {
                throw Ingestor.explain(error, source: path, firstLine: 2)
            }
            columns = header
        case .query(let sql):
            // The job's SQL runs in a READ ONLY transaction: it may read anything but change
            // nothing (a function or statement that writes fails). Read-only transactions can
            // still fill temporary tables, so the rows land in one and are then moved to the
            // unlogged table the export's other connections read.
            let staging = "pantry_entity_query"
            try connection.query("DROP TABLE IF EXISTS \(staging)", name: "export: entity staging")
            try connection.query("CREATE TEMP TABLE \(staging) AS SELECT row_number() OVER () AS _row, q.* FROM (\(sql)) q WITH NO DATA",
                                 name: "export: entity staging")
            defer { _ = try? connection.query("DROP TABLE IF EXISTS \(staging)", name: "export: entity staging") }
            try connection.transaction { tx in
                try tx.query("SET TRANSACTION READ ONLY", name: "export: read only")
                try tx.query("INSERT INTO \(staging) SELECT row_number() OVER (), q.* FROM (\(sql)) q", name: "export: entity query")
            }
            try connection.query("CREATE UNLOGGED TABLE \(table) AS SELECT * FROM \(staging) ORDER BY _row", name: "export: entity table")
            columns = try connection.query("""
                SELECT attname FROM pg_attribute WHERE attrelid = $1::regclass AND attnum > 0 AND NOT attisdropped AND attname <> '_row' ORDER BY attnum
                """, [table], name: "export: entity columns").rows.map { try $0.decode(String.self, at: 0) }
            for required in keys.map(\.name) + [timestampColumn] where !columns.contains(required) {
                throw RegistryError("the entity query lacks column \"\(required)\" (columns: \(columns.joined(separator: ", ")))")
            }
        }
        // Statistics on the temp table let the planner choose index probes per entity row.
        try connection.query("ANALYZE \(table)", name: "export: analyze")
        return columns
    }
}
