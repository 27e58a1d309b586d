import DequeModule
import Foundation
import Synchronization

/// A connection to a server used through a blocking C client (libpq, hiredis).
///
/// All work on a connection runs on its own serial `queue`, never on an event loop or the
/// Swift concurrency pool, because the C calls block.
public protocol PooledConnection: AnyObject, Sendable {
    /// The serial queue that owns this connection.
    var queue: DispatchQueue { get }
    /// Connects, or reconnects when the server went away since the last use. Runs on `queue`.
    func prepareForUse() throws
    /// Closes the connection. Runs on `queue`.
    func close()
}

/// Why a pool could not hand out a connection.
public struct ConnectionPoolError: Error, CustomStringConvertible, Sendable {
    public let description: String
}

/// A bounded pool of blocking connections for async code: callers borrow a connection, run
/// synchronous work on its queue while their task is suspended, and give it back.
///
/// Connections are created lazily up to `maxConnections`; callers beyond that wait in FIFO
/// order for at most `acquireTimeout` seconds. A connection whose server went away is kept and
/// reconnects in `prepareForUse`, so the pool recovers from server restarts on its own.
public final class ConnectionPool<Connection: PooledConnection>: Sendable {
    public let maxConnections: Int
    public let acquireTimeout: Double
    private let makeConnection: @Sendable (Int) -> Connection

    private struct Waiter {
        let id: Int
        let continuation: CheckedContinuation<Connection, any Error>
    }

    private struct State {
        var idle: [Connection] = []
        var opened = 0
        var waiters: Deque<Waiter> = []
        var nextWaiterID = 0
        var closed = false
    }

    private let state = Mutex(State())

    public init(maxConnections: Int, acquireTimeout: Double, makeConnection: @escaping @Sendable (Int) -> Connection) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.makeConnection = makeConnection
    }

    /// Connections currently created (idle or in use).
    public var openConnections: Int { state.withLock { $0.opened } }
    /// Connections currently idle in the pool.
    public var idleConnections: Int { state.withLock { $0.idle.count } }

    /// Borrows a connection, runs `body` on its queue after `prepareForUse`, and returns it.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let connection = try await acquire()
        defer { release(connection) }
        return try await withCheckedThrowingContinuation { continuation in
            connection.queue.async {
                continuation.resume(with: Result {
                    try connection.prepareForUse()
                    return try body(connection)
                })
            }
        }
    }

    /// Closes idle connections and fails waiting callers; busy connections close when returned.
    public func close() {
        let (idle, waiters) = state.withLock { state -> ([Connection], Deque<Waiter>) in
            let taken = (state.idle, state.waiters)
            state.closed = true
            state.opened -= state.idle.count
            state.idle = []
            state.waiters = []
            return taken
        }
        for connection in idle { connection.queue.async { connection.close() } }
        for waiter in waiters { waiter.continuation.resume(throwing: ConnectionPoolError(description: "pool closed")) }
    }

    private func acquire() async throws -> Connection {
        let immediate: Connection? = try state.withLock { state in
            if state.closed { throw ConnectionPoolError(description: "pool closed") }
            if let connection = state.idle.popLast() { return connection }
            guard state.opened < maxConnections else { return nil }
            state.opened += 1
            return makeConnection(state.opened)
        }
        if let immediate { return immediate }

        let id = state.withLock { state -> Int in
            state.nextWaiterID += 1
            return state.nextWaiterID
        }
        let timeout = acquireTimeout
        let timer = Task { [weak self] in
            try await Task.sleep(for: .seconds(timeout))
            self?.expireWaiter(id)
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            let returned: Connection? = state.withLock { state in
                // A connection may have come back between the first check and now.
                if let connection = state.idle.popLast() { return connection }
                state.waiters.append(Waiter(id: id, continuation: continuation))
                return nil
            }
            if let returned { continuation.resume(returning: returned) }
        }
    }

    private func expireWaiter(_ id: Int) {
        let waiter: Waiter? = state.withLock { state in
            guard let index = state.waiters.firstIndex(where: { $0.id == id }) else { return nil }
            return state.waiters.remove(at: index)
        }
        waiter?.continuation.resume(throwing: ConnectionPoolError(description:
            "no pooled connection became free within \(acquireTimeout)s (all \(maxConnections) busy)"))
    }

    private func release(_ connection: Connection) {
        let (waiter, closeIt): (Waiter?, Bool) = state.withLock { state in
            if state.closed {
                state.opened -= 1
                return (nil, true)
            }
            if let waiter = state.waiters.popFirst() { return (waiter, false) }
            state.idle.append(connection)
            return (nil, false)
        }
        if let waiter { waiter.continuation.resume(returning: connection) }
        if closeIt { connection.queue.async { connection.close() } }
    }
}
