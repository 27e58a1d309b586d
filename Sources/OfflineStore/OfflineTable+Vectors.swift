import Core
import FeatureRegistry
import Foundation
import Postgres

extension OfflineTable {
    /// The latest value of a `vector(n)` feature for each entity (by the offline tie-break:
    /// event time, then created time, then ingestion), streamed through `COPY`: the input of a
    /// vector index. The view must have one integer join key (the index's ids are Int64);
    /// entities whose latest value is NULL are left out. Works on pgvector's `vector(n)` and on
    /// the `real[]` fallback.
    public func latestVectors(feature name: String, on connection: PostgresConnection,
                              row: ((Int) -> Void)? = nil) throws -> (ids: [Int64], vectors: [[Float]]) {
        guard let feature = view.feature(named: name) else {
            throw RegistryError("view \(view.name) has no feature \(name) (features: \(view.features.map(\.name).joined(separator: ", ")))")
        }
        guard case .vector(let dimensions) = feature.type else {
            throw RegistryError("\(view.name):\(name) is \(feature.type), not an embedding (vector(n))")
        }
        guard joinKeys.count == 1, [.int32, .int64].contains(joinKeys[0].type) else {
            throw RegistryError("an index needs one integer entity key; \(view.name) is keyed by \(joinKeys.map { "\($0.name) \($0.type)" }.joined(separator: ", "))")
        }
        let key = try SQLIdentifier(joinKeys[0].name).quoted, column = try SQLIdentifier(name).quoted
        let sql = """
            COPY (SELECT DISTINCT ON (\(key)) \(key), \(column)::text FROM \(try qualifiedName)
                  ORDER BY \(key), \(Self.newestFirst())) TO STDOUT
            """
        var ids: [Int64] = [], vectors: [[Float]] = []
        _ = try connection.copyOutRows(sql, name: "index: latest \(view.name):\(name)") { fields in
            guard fields.count == 2, let idText = fields[0], let id = Int64(idText) else {
                throw RegistryError("unexpected row from \(view.name): \(fields)")
            }
            guard let text = fields[1] else { return }
            let vector = try Self.parseVector(text, dimensions: dimensions, entity: idText)
            ids.append(id)
            vectors.append(vector)
            row?(ids.count)
        }
        return (ids, vectors)
    }

    /// `[1,2,3]` (pgvector) or `{1,2,3}` (real[]): exactly `dimensions` finite numbers.
    /// (One `strtof` per value: the text comes from PostgreSQL's own output, thousands of
    /// values per row, and Foundation's splitting and trimming cost ten times more.)
    public static func parseVector(_ text: String, dimensions: Int, entity: String) throws -> [Float] {
        var values: [Float] = []
        values.reserveCapacity(dimensions)
        let problem: String? = text.utf8CString.withUnsafeBufferPointer { buffer in
            let bytes = buffer.baseAddress!, count = buffer.count - 1  // without the terminating NUL
            guard count >= 2 else { return "is not a vector" }
            let open = bytes[0], close = bytes[count - 1]
            guard (open == 0x5B && close == 0x5D) || (open == 0x7B && close == 0x7D) else { return "is not a vector" }
            var p = bytes + 1
            let last = bytes + count - 1
            if p == last { return dimensions == 0 ? nil : "0 values, expected \(dimensions)" }
            while true {
                var end: UnsafeMutablePointer<CChar>?
                let value = strtof(p, &end)
                guard let stop = end, stop != p, value.isFinite else {
                    return "\"\(String(cString: p).prefix(20))\" is not a finite number"
                }
                values.append(value)
                var q = UnsafePointer(stop)
                while q.pointee == 0x20 { q += 1 }
                if q == last { break }
                guard q.pointee == 0x2C else { return "unexpected \"\(String(cString: q).prefix(20))\"" }
                p = q + 1
            }
            return values.count == dimensions ? nil : "\(values.count) values, expected \(dimensions)"
        }
        if let problem {
            throw RegistryError(problem == "is not a vector" ? "entity \(entity): \"\(text.prefix(40))\" is not a vector" : "entity \(entity): \(problem)")
        }
        return values
    }
}
