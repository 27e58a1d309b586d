import Core
import FeatureRegistry
import Foundation
import Postgres

extension OfflineTable {
    /// One entity's latest row: its join-key values (as text), event time, and the requested
    /// features as JSON values (`null` for NULL).
    public struct LatestRow: Sendable {
        public var keys: [String]
        /// Microseconds since the Unix epoch.
        public var eventMicros: Int64
        public var features: [JSONValue]
    }

    /// The latest row per entity (all join keys) by the offline tie-break, streamed through one
    /// `COPY`: what a model trains on when it wants each entity's current state (a user's rating
    /// of a movie, a movie's metadata). Returns the row count.
    public func latestRows(features names: [String], on connection: PostgresConnection,
                           row: (LatestRow) throws -> Void) throws -> Int {
        for name in names where view.feature(named: name) == nil {
            throw RegistryError("view \(view.name) has no feature \(name) (features: \(view.features.map(\.name).joined(separator: ", ")))")
        }
        let keys = try joinKeys.map { try SQLIdentifier($0.name).quoted }
        let columns = try names.map { "to_json(\(try SQLIdentifier($0).quoted))::text" }
        let select = (keys + ["(extract(epoch FROM event_ts) * 1000000)::int8"] + columns).joined(separator: ", ")
        let distinct = keys.isEmpty ? "" : "DISTINCT ON (\(keys.joined(separator: ", ")))"
        let order = (keys + [Self.newestFirst()]).joined(separator: ", ")
        let sql = "COPY (SELECT \(distinct) \(select) FROM \(try qualifiedName) ORDER BY \(order)) TO STDOUT"
        return try connection.copyOutRows(sql, name: "latest rows of \(view.name)") { fields in
            guard fields.count == keys.count + 1 + names.count,
                  let timeText = fields[keys.count], let micros = Int64(timeText) else {
                throw RegistryError("unexpected row from \(view.name): \(fields.prefix(4))")
            }
            let values = try fields[(keys.count + 1)...].map { text -> JSONValue in
                guard let text else { return .null }
                return try JSONParser.parse(Array(text.utf8))
            }
            try row(LatestRow(keys: fields[..<keys.count].map { $0 ?? "" }, eventMicros: micros, features: values))
        }
    }
}
