import CLibPQ
import ConnectionPooling
import Foundation
import Logging

extension PostgresConnection: PooledConnection {
    public func prepareForUse() throws { try ensureConnected() }

    /// Only an idle session goes back to the pool: connected, outside any transaction, not in
    /// pipeline or COPY mode. Anything else is a borrower's unfinished business.
    public var isReusable: Bool {
        guard let handle else { return true }  // closed: reconnects on next use
        return PQstatus(handle) == CONNECTION_OK && PQtransactionStatus(handle) == PQTRANS_IDLE
            && PQpipelineStatus(handle) == PQ_PIPELINE_OFF
    }
}

/// A pool of PostgreSQL connections for async code (see `ConnectionPool`): libpq work runs on
/// each connection's own queue, so no event loop or concurrency-pool thread ever blocks on it.
public final class PostgresPool: Sendable {
    public let configuration: PostgresConfiguration
    public let pool: ConnectionPool<PostgresConnection>

    public init(configuration: PostgresConfiguration) {
        self.configuration = configuration
        self.pool = ConnectionPool(maxConnections: configuration.maxConnections,
                                   acquireTimeout: configuration.acquireTimeout) { number in
            PostgresConnection(configuration: configuration, label: "pantry.postgres.\(number)")
        }
    }

    /// Borrows a connection and runs synchronous libpq work on it.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Runs one statement on a pooled connection.
    @discardableResult
    public func query(_ sql: String, _ parameters: [(any PostgresEncodable)?] = [], name: String? = nil) async throws -> PostgresResult {
        try await withConnection { try $0.query(sql, parameters, name: name) }
    }

    /// Runs `body` in a transaction on a pooled connection; an error rolls it back.
    public func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) throws -> T) async throws -> T {
        try await withConnection { try $0.transaction(body) }
    }

    public var openConnections: Int { pool.openConnections }
    public var idleConnections: Int { pool.idleConnections }

    public func close() { pool.close() }
}
