import ConnectionPooling

/// A pool of Redis connections for async code (see `ConnectionPool`): hiredis calls run on each
/// connection's own queue, never on an event loop.
public final class RedisPool: Sendable {
    public let configuration: RedisConfiguration
    public let pool: ConnectionPool<RedisConnection>

    public init(configuration: RedisConfiguration) {
        self.configuration = configuration
        self.pool = ConnectionPool(maxConnections: configuration.maxConnections,
                                   acquireTimeout: configuration.acquireTimeout) { number in
            RedisConnection(configuration: configuration, label: "pantry.redis.\(number)")
        }
    }

    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (RedisConnection) throws -> T) async throws -> T {
        try await pool.withConnection(body)
    }

    /// Sends one command; error replies come back as `.error`.
    public func send(_ command: RedisCommand) async throws -> RedisReply {
        try await withConnection { try $0.send(command) }
    }

    /// Sends the commands in one round trip and returns their replies in order.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        try await withConnection { try $0.pipeline(commands) }
    }

    public func close() { pool.close() }
}
