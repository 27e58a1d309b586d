import CLibPQ
import Foundation

/// Streaming `COPY FROM STDIN` and `COPY TO STDOUT`. Data moves in bounded chunks, so a
/// load or export of any size runs in constant memory.
extension PostgresConnection {
    /// Bytes buffered before each `PQputCopyData` call.
    static let copyChunkSize = 1 << 20

    /// Streams a file into `COPY ... FROM STDIN` (`sql` must be such a statement).
    /// Returns the number of rows the server loaded.
    @discardableResult
    public func copyIn(_ sql: String, fromFile path: String, name: String? = nil) throws -> Int {
        guard let file = fopen(path, "rb") else {
            throw PostgresError(.invalidInput, "cannot open \(path): \(String(cString: strerror(errno)))")
        }
        defer { fclose(file) }
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: Self.copyChunkSize, alignment: 16)
        defer { buffer.deallocate() }
        return try copyIn(sql, name: name) { send in
            while true {
                let count = fread(buffer, 1, Self.copyChunkSize, file)
                if count > 0 { try send(UnsafeRawBufferPointer(start: buffer, count: count)) }
                if count < Self.copyChunkSize {
                    if ferror(file) != 0 { throw PostgresError(.invalidInput, "error reading \(path)") }
                    return
                }
            }
        }
    }

    /// Streams rows (text values, `nil` for NULL) into `COPY ... FROM STDIN` in text format.
    @discardableResult
    public func copyIn<Rows: Sequence>(_ sql: String, rows: Rows, name: String? = nil) throws -> Int
    where Rows.Element == [String?] {
        try copyIn(sql, name: name) { send in
            var buffer = [UInt8]()
            buffer.reserveCapacity(Self.copyChunkSize + 4096)
            for row in rows {
                CopyTextFormat.appendRow(row, to: &buffer)
                if buffer.count >= Self.copyChunkSize {
                    try buffer.withUnsafeBytes { try send($0) }
                    buffer.removeAll(keepingCapacity: true)
                }
            }
            if !buffer.isEmpty { try buffer.withUnsafeBytes { try send($0) } }
        }
    }

    /// The general form: `produce` calls `send` with successive chunks of COPY data.
    /// If `produce` throws, the COPY is aborted and nothing is loaded.
    @discardableResult
    public func copyIn(_ sql: String, name: String? = nil,
                       produce: ((UnsafeRawBufferPointer) throws -> Void) throws -> Void) throws -> Int {
        let conn = try connected()
        let label = name ?? sql.statementLabel()
        guard let start = PQexec(conn, sql) else {
            throw PostgresError(.connection, PostgresError.lastMessage(conn), statement: label)
        }
        guard PQresultStatus(start) == PGRES_COPY_IN else {
            if PQresultStatus(start) == PGRES_COMMAND_OK || PQresultStatus(start) == PGRES_TUPLES_OK {
                PQclear(start)
                throw PostgresError(.invalidInput, "statement is not a COPY FROM STDIN", statement: label)
            }
            _ = try check(start, conn: conn, statement: label)
            return 0
        }
        PQclear(start)
        var producerError: Error?
        do {
            try produce { chunk in
                guard let base = chunk.baseAddress, !chunk.isEmpty else { return }
                if PQputCopyData(conn, base.assumingMemoryBound(to: CChar.self), Int32(chunk.count)) != 1 {
                    throw PostgresError(.connection, PostgresError.lastMessage(conn), statement: label)
                }
            }
        } catch {
            producerError = error
        }
        let endMessage = producerError.map { "aborted by client: \($0)" }
        _ = PQputCopyEnd(conn, endMessage)
        var loaded = 0
        var serverError: PostgresError?
        while let result = PQgetResult(conn) {
            do { loaded = try check(result, conn: conn, statement: label).affectedRows } catch { serverError = serverError ?? error }
        }
        if let producerError { throw producerError }
        if let serverError { throw serverError }
        return loaded
    }

    /// Runs `COPY ... TO STDOUT` and hands each chunk of output (one row per chunk in text
    /// and CSV formats) to `consume`, as it arrives.
    @discardableResult
    public func copyOut(_ sql: String, name: String? = nil,
                        consume: (UnsafeRawBufferPointer) throws -> Void) throws -> Int {
        let conn = try connected()
        let label = name ?? sql.statementLabel()
        guard let start = PQexec(conn, sql) else {
            throw PostgresError(.connection, PostgresError.lastMessage(conn), statement: label)
        }
        guard PQresultStatus(start) == PGRES_COPY_OUT else {
            _ = try check(start, conn: conn, statement: label)
            throw PostgresError(.invalidInput, "statement is not a COPY TO STDOUT", statement: label)
        }
        PQclear(start)
        var consumerError: Error?
        var rows = 0
        while true {
            var pointer: UnsafeMutablePointer<CChar>?
            let count = PQgetCopyData(conn, &pointer, 0)
            if count > 0, let pointer {
                if consumerError == nil {
                    // Keep draining after a consumer error: libpq must read to the end of the COPY.
                    do { try consume(UnsafeRawBufferPointer(start: pointer, count: Int(count))) } catch { consumerError = error }
                }
                rows += 1
                PQfreemem(pointer)
            } else if count == -1 {
                break
            } else {
                // The session is stuck in COPY state: drop it, the next use reconnects.
                let error = PostgresError(.connection, PostgresError.lastMessage(conn), statement: label)
                close()
                throw error
            }
        }
        var serverError: PostgresError?
        while let result = PQgetResult(conn) {
            do { _ = try check(result, conn: conn, statement: label) } catch { serverError = serverError ?? error }
        }
        if let consumerError { throw consumerError }
        if let serverError { throw serverError }
        return rows
    }

    /// Exports `COPY ... TO STDOUT` into a file, written through a buffer.
    @discardableResult
    public func copyOut(_ sql: String, toFile path: String, name: String? = nil) throws -> Int {
        guard let file = fopen(path, "wb") else {
            throw PostgresError(.invalidInput, "cannot create \(path): \(String(cString: strerror(errno)))")
        }
        var closed = false
        defer { if !closed { fclose(file) } }
        let rows = try copyOut(sql, name: name) { chunk in
            if fwrite(chunk.baseAddress, 1, chunk.count, file) != chunk.count {
                throw PostgresError(.invalidInput, "cannot write \(path): \(String(cString: strerror(errno)))")
            }
        }
        closed = true
        guard fclose(file) == 0 else {
            throw PostgresError(.invalidInput, "cannot write \(path): \(String(cString: strerror(errno)))")
        }
        return rows
    }

    /// Runs `COPY ... TO STDOUT` (text format) and decodes each row into column values.
    @discardableResult
    public func copyOutRows(_ sql: String, name: String? = nil, row: ([String?]) throws -> Void) throws -> Int {
        try copyOut(sql, name: name) { chunk in try row(CopyTextFormat.parseRow(chunk)) }
    }
}
