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
            let header = try Ingestor.readCSVHeader(path)
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
                try connection.copyIn("COPY \(table) (\(try header.map { try SQLIdentifier($0).quoted }.joined(separator: ", "))) FROM STDIN WITH (FORMAT csv, HEADER true)",
                                      fromFile: path, name: "export: load entities")
            } catch let error as PostgresError where error.kind == .server {
                throw Ingestor.explain(error, source: path)
            }
            columns = header
        case .query(let sql):
            try connection.query("CREATE UNLOGGED TABLE \(table) AS SELECT row_number() OVER () AS _row, q.* FROM (\(sql)) q",
                                 name: "export: entity query")
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
