import CLibPQ
import Foundation

/// One libpq connection, used synchronously.
///
/// Every call blocks the calling thread, like libpq itself. Async code reaches a connection only
/// through `PostgresPool`, which runs the work on a dedicated dispatch queue per connection, so
/// no call here ever lands on a SwiftNIO event loop or the Swift concurrency pool.
public final class PostgresConnection: @unchecked Sendable {
    public let configuration: PostgresConfiguration
    /// The libpq handle; nil until connected.
    var handle: OpaquePointer?
    /// Serialises all work on this connection; owned by the pool.
    public let queue: DispatchQueue
    /// True between `BEGIN` and `COMMIT`/`ROLLBACK` issued through `transaction`.
    private(set) var inTransaction = false

    public init(configuration: PostgresConfiguration, label: String = "pantry.postgres") {
        self.configuration = configuration
        self.queue = DispatchQueue(label: label)
    }

    deinit { if let handle { PQfinish(handle) } }

    /// Opens the connection, or reopens it when the server went away since the last use.
    ///
    /// An idle socket that has become readable means the server said something unprompted,
    /// usually that it is terminating; consuming that input lets libpq notice a dead peer
    /// before we send a statement into it.
    public func ensureConnected() throws(PostgresError) {
        if let handle {
            if PQstatus(handle) == CONNECTION_OK, !socketHasPendingInput(handle) { return }
            if PQstatus(handle) == CONNECTION_OK, PQconsumeInput(handle) != 0, PQstatus(handle) == CONNECTION_OK { return }
            PQfinish(handle)
            self.handle = nil
            inTransaction = false
        }
        try connect()
    }

    public var isConnected: Bool { handle.map { PQstatus($0) == CONNECTION_OK } ?? false }

    /// The server's process id for this session (what `pg_terminate_backend` takes).
    public var backendPID: Int32 { handle.map { PQbackendPID($0) } ?? 0 }

    public func close() {
        if let handle { PQfinish(handle) }
        handle = nil
    }

    private func connect() throws(PostgresError) {
        var options = "-c TimeZone=UTC -c DateStyle=ISO -c client_min_messages=warning"
        if configuration.statementTimeoutMilliseconds > 0 {
            options += " -c statement_timeout=\(configuration.statementTimeoutMilliseconds)"
        }
        let pairs: [(String, String)] = [
            ("dbname", configuration.url),
            ("connect_timeout", String(max(2, configuration.connectTimeout))),
            ("options", options),
            ("application_name", configuration.applicationName),
            ("client_encoding", "UTF8"),
        ]
        let conn = withCStrings(pairs.map(\.0)) { keys in
            withCStrings(pairs.map(\.1)) { values in
                PQconnectdbParams(keys, values, 1)
            }
        }
        guard let conn else { throw PostgresError(.connection, "out of memory creating a connection") }
        guard PQstatus(conn) == CONNECTION_OK else {
            let message = PostgresError.lastMessage(conn)
            PQfinish(conn)
            throw PostgresError(.connection, "cannot connect to \(configuration.redactedURL): \(message)")
        }
        handle = conn
    }

    private func socketHasPendingInput(_ handle: OpaquePointer) -> Bool {
        var descriptor = pollfd(fd: PQsocket(handle), events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    func connected() throws(PostgresError) -> OpaquePointer {
        try ensureConnected()
        return handle!
    }

    // MARK: Statements

    /// Runs one statement with positional parameters `$1, $2, ...`.
    ///
    /// Values are always sent separately from the SQL text, never spliced into it.
    /// - Parameter name: a label for errors and logs (the SQL itself is used when nil).
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], name: String? = nil) throws(PostgresError) -> PostgresResult {
        let conn = try connected()
        let label = name ?? sql.statementLabel()
        let result = withParameters(parameters) { values in
            PQexecParams(conn, sql, Int32(parameters.count), nil, values, nil, nil, 0)
        }
        return try check(result, conn: conn, statement: label)
    }

    /// Runs several statements separated by semicolons, without parameters (migrations, DDL).
    public func execute(script sql: String, name: String? = nil) throws(PostgresError) {
        let conn = try connected()
        _ = try check(PQexec(conn, sql), conn: conn, statement: name ?? sql.statementLabel())
    }

    /// Checks a result's status, turning failures into `PostgresError` and freeing the result.
    func check(_ result: OpaquePointer?, conn: OpaquePointer, statement: String) throws(PostgresError) -> PostgresResult {
        switch result.map(PQresultStatus) {
        case PGRES_COMMAND_OK, PGRES_TUPLES_OK, PGRES_EMPTY_QUERY:
            return PostgresResult(result!, statement: statement)
        default:
            let error = PostgresError.fromResult(result, connection: conn, statement: statement)
            if let result { PQclear(result) }
            throw error
        }
    }

    // MARK: Transactions

    /// Runs `body` inside `BEGIN ... COMMIT`; any error rolls everything back and is rethrown.
    public func transaction<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        precondition(!inTransaction, "nested transactions are not supported; use savepoints")
        try query("BEGIN", name: "BEGIN")
        inTransaction = true
        defer { inTransaction = false }
        do {
            let value = try body(self)
            try query("COMMIT", name: "COMMIT")
            return value
        } catch {
            if isConnected {
                // A session that cannot be rolled back must not run anyone's next statement.
                do { try query("ROLLBACK", name: "ROLLBACK") } catch { close() }
            }
            throw error
        }
    }
}

/// Passes an array of optional parameter texts to C as `const char *const *` (NULL for SQL NULL).
func withParameters<R>(_ parameters: [(any PostgresEncodable)?], _ body: (UnsafePointer<UnsafePointer<CChar>?>?) -> R) -> R {
    let texts = parameters.map { $0?.postgresText }
    var pointers = texts.map { $0.flatMap { strdup($0) }.map { UnsafePointer($0) } }
    defer { for pointer in pointers { free(UnsafeMutablePointer(mutating: pointer)) } }
    return pointers.withUnsafeMutableBufferPointer { body(UnsafePointer($0.baseAddress)) }
}

func withCStrings<R>(_ strings: [String], _ body: (UnsafePointer<UnsafePointer<CChar>?>) -> R) -> R {
    var pointers: [UnsafePointer<CChar>?] = strings.map { UnsafePointer(strdup($0)) }
    pointers.append(nil)
    defer { for pointer in pointers { free(UnsafeMutablePointer(mutating: pointer)) } }
    return pointers.withUnsafeBufferPointer { body($0.baseAddress!) }
}
