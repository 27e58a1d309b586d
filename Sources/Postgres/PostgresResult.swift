import CLibPQ

/// The rows of a completed statement. Wraps a libpq `PGresult` (immutable once built, so safe
/// to read from any thread) and frees it when the last reference goes away.
public final class PostgresResult: @unchecked Sendable {
    private let result: OpaquePointer
    /// The statement's label, used in decoding errors.
    let statement: String
    public let columns: [String]
    public let count: Int

    init(_ result: OpaquePointer, statement: String) {
        self.result = result
        self.statement = statement
        self.count = Int(PQntuples(result))
        self.columns = (0..<PQnfields(result)).map { String(cString: PQfname(result, $0)) }
    }

    deinit { PQclear(result) }

    /// Rows changed by INSERT/UPDATE/DELETE/COPY (`PQcmdTuples`), 0 when not applicable.
    public var affectedRows: Int { Int(String(cString: PQcmdTuples(result))) ?? 0 }

    public subscript(row: Int) -> PostgresRow { PostgresRow(result: self, index: row) }

    public var rows: [PostgresRow] { (0..<count).map { self[$0] } }

    public func columnIndex(_ name: String) -> Int? { columns.firstIndex(of: name) }

    /// The raw text of a cell, `nil` for SQL NULL.
    func text(row: Int, column: Int) -> String? {
        if PQgetisnull(result, Int32(row), Int32(column)) != 0 { return nil }
        return String(cString: PQgetvalue(result, Int32(row), Int32(column)))
    }
}

/// One row of a `PostgresResult`; decode cells by position or column name.
public struct PostgresRow: Sendable {
    let result: PostgresResult
    public let index: Int

    /// Raw text of a cell (`nil` for NULL).
    public subscript(column: Int) -> String? { result.text(row: index, column: column) }

    public subscript(name: String) -> String? {
        result.columnIndex(name).flatMap { self[$0] }
    }

    /// Decodes a non-NULL cell; a NULL or unparsable value throws a decoding error naming the column.
    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws(PostgresError) -> T {
        guard let value = try decodeIfPresent(type, at: column) else {
            throw decodingError("NULL", column: column, expected: type)
        }
        return value
    }

    public func decode<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String) throws(PostgresError) -> T {
        try decode(type, at: try index(of: name))
    }

    /// Decodes a cell that may be NULL.
    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, at column: Int) throws(PostgresError) -> T? {
        guard column >= 0, column < result.columns.count else {
            throw PostgresError(.decoding, "column index \(column) out of range (\(result.columns.count) columns)",
                                statement: result.statement)
        }
        guard let text = self[column] else { return nil }
        guard let value = T(postgresText: text) else { throw decodingError(text, column: column, expected: type) }
        return value
    }

    public func decodeIfPresent<T: PostgresDecodable>(_ type: T.Type = T.self, column name: String) throws(PostgresError) -> T? {
        try decodeIfPresent(type, at: try index(of: name))
    }

    private func index(of name: String) throws(PostgresError) -> Int {
        guard let column = result.columnIndex(name) else {
            throw PostgresError(.decoding, "no column \"\(name)\" in result (columns: \(result.columns.joined(separator: ", ")))",
                                statement: result.statement)
        }
        return column
    }

    private func decodingError<T>(_ found: String, column: Int, expected: T.Type) -> PostgresError {
        let shown = found.count > 40 ? String(found.prefix(40)) + "..." : found
        return PostgresError(.decoding,
            "row \(index), column \"\(result.columns[column])\": cannot decode \(shown) as \(expected)",
            statement: result.statement)
    }
}
