import CLibPQ

/// A statement with its parameters, for pipelines.
public struct PostgresStatement: Sendable {
    public var sql: String
    public var parameters: [(any PostgresEncodable)?]
    public var name: String?

    public init(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], name: String? = nil) {
        self.sql = sql
        self.parameters = parameters
        self.name = name
    }
}

/// libpq pipeline mode: many statements sent back to back, results read afterwards, so a batch
/// costs one network round trip instead of one per statement.
extension PostgresConnection {
    /// Statements sent before each sync point. Bounded so neither side's socket buffer can fill
    /// while the other is still writing (blocking-mode pipelines can otherwise deadlock).
    static let pipelineChunk = 64

    /// Runs the statements in order and returns one outcome per statement. As in libpq, a
    /// failing statement aborts the rest of its chunk up to the next sync point (they report
    /// "pipeline aborted"); each statement still runs in its own implicit transaction.
    public func pipeline(_ statements: [PostgresStatement]) throws(PostgresError) -> [Result<PostgresResult, PostgresError>] {
        let conn = try connected()
        guard PQenterPipelineMode(conn) == 1 else {
            throw PostgresError(.connection, "cannot enter pipeline mode: \(PostgresError.lastMessage(conn))")
        }
        do throws(PostgresError) {
            let outcomes = try runPipeline(statements, on: conn)
            guard PQexitPipelineMode(conn) == 1 else {
                throw PostgresError(.connection, "cannot leave pipeline mode: \(PostgresError.lastMessage(conn))")
            }
            return outcomes
        } catch {
            // Results may be left unread and the session is still in pipeline mode: drop it
            // (the next use reconnects) rather than hand the mess to the next statement.
            close()
            throw error
        }
    }

    private func runPipeline(_ statements: [PostgresStatement], on conn: OpaquePointer) throws(PostgresError)
        -> [Result<PostgresResult, PostgresError>] {
        var outcomes: [Result<PostgresResult, PostgresError>] = []
        outcomes.reserveCapacity(statements.count)
        var start = 0
        while start < statements.count {
            let chunk = statements[start..<min(start + Self.pipelineChunk, statements.count)]
            for statement in chunk {
                let sent = withParameters(statement.parameters) { values in
                    PQsendQueryParams(conn, statement.sql, Int32(statement.parameters.count), nil, values, nil, nil, 0)
                }
                guard sent == 1 else {
                    throw PostgresError(.connection, PostgresError.lastMessage(conn), statement: statement.name)
                }
            }
            guard PQpipelineSync(conn) == 1 else {
                throw PostgresError(.connection, PostgresError.lastMessage(conn))
            }
            for statement in chunk {
                let label = statement.name ?? statement.sql.statementLabel()
                guard let result = PQgetResult(conn) else {
                    throw PostgresError(.connection, PostgresError.lastMessage(conn), statement: label)
                }
                if PQresultStatus(result) == PGRES_PIPELINE_ABORTED {
                    PQclear(result)
                    outcomes.append(.failure(PostgresError(.server, "pipeline aborted by an earlier failing statement", statement: label)))
                } else {
                    outcomes.append(Result { () throws(PostgresError) in try check(result, conn: conn, statement: label) })
                }
                // Each statement's results end with a NULL.
                while let extra = PQgetResult(conn) { PQclear(extra) }
            }
            // The sync point's own result.
            if let sync = PQgetResult(conn) { PQclear(sync) }
            start += chunk.count
        }
        return outcomes
    }
}
