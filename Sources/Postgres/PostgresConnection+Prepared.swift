import CLibPQ

extension PostgresConnection {
    /// Prepares `sql` as the named statement `name` on this session (parsed and planned once;
    /// the name lives until the session ends or `DEALLOCATE`).
    public func prepare(_ name: String, _ sql: String) throws(PostgresError) {
        let conn = try connected()
        _ = try check(PQprepare(conn, name, sql, 0, nil), conn: conn, statement: name)
    }

    /// Runs the statement prepared as `name` with positional parameters (sent separately, as in
    /// ``query(_:_:name:)``).
    @discardableResult
    public func execute(prepared name: String, _ parameters: [(any PostgresEncodable)?] = []) throws(PostgresError) -> PostgresResult {
        let conn = try connected()
        let result = withParameters(parameters) { values in
            PQexecPrepared(conn, name, Int32(parameters.count), values, nil, nil, 0)
        }
        return try check(result, conn: conn, statement: name)
    }
}
