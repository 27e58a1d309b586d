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
    /// False when the last borrower left the connection in a state the next one must not
    /// inherit (inside a transaction, in pipeline or COPY mode, unread replies, broken).
    /// Runs on `queue`, after every borrower.
    var isReusable: Bool { get }
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
/// reconnects in `prepareForUse`; one that a borrower left mid-transaction or in a special mode
/// is closed and replaced, never lent again. The decisions are `ConnectionPoolStateMachine`'s.
public final class ConnectionPool<Connection: PooledConnection>: Sendable {
    typealias Waiter = CheckedContinuation<Connection, any Error>
    typealias Machine = ConnectionPoolStateMachine<Connection, Waiter>

    public let maxConnections: Int
    public let acquireTimeout: Double
    private let makeConnection: @Sendable (Int) -> Connection
    private let machine: Mutex<Machine>
    private let timeout: Duration

    public init(maxConnections: Int, acquireTimeout: Double, makeConnection: @escaping @Sendable (Int) -> Connection) {
        precondition(maxConnections > 0, "a pool needs at least one connection")
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.makeConnection = makeConnection
        // Clamped to [0, 1 day] (NaN counts as a day): a setting never traps.
        let seconds = acquireTimeout.isNaN ? 86_400 : min(max(acquireTimeout, 0), 86_400)
        timeout = .milliseconds(Int64(seconds * 1_000))
        machine = Mutex(Machine(maxConnections: maxConnections, acquireTimeout: timeout))
    }

    /// Connections currently created (idle or in use).
    public var openConnections: Int { machine.withLock { $0.opened } }
    /// Connections currently idle in the pool.
    public var idleConnections: Int { machine.withLock { $0.idleCount } }

    /// Borrows a connection, runs `body` on its queue after `prepareForUse`, and returns it.
    public func withConnection<T: Sendable>(_ body: @escaping @Sendable (Connection) throws -> T) async throws -> T {
        let connection = try await acquire()
        let (result, reusable) = await withCheckedContinuation { continuation in
            connection.queue.async {
                let result = Result {
                    try connection.prepareForUse()
                    return try body(connection)
                }
                // A broken session ends here, at once: it may hold locks or block others (a
                // backend in COPY never answers DROP DATABASE), and handing it back can wait.
                let reusable = connection.isReusable
                if !reusable { connection.close() }
                continuation.resume(returning: (result, reusable))
            }
        }
        run(machine.withLock { $0.release(connection, reusable: reusable, now: .now) })
        return try result.get()
    }

    /// Closes idle connections and fails waiting callers; busy connections close when returned.
    public func close() {
        run(machine.withLock { $0.close() })
    }

    private func acquire() async throws -> Connection {
        // The timer wakes at exactly the deadline the machine gives this caller.
        let now = ContinuousClock.now
        let timer = Task { [weak self, timeout] in
            try await Task.sleep(until: now + timeout, clock: .continuous)
            guard let self else { return }
            run(machine.withLock { $0.expire(now: .now) })
        }
        defer { timer.cancel() }
        return try await withCheckedThrowingContinuation { continuation in
            run(machine.withLock { $0.acquire(continuation, now: now) })
        }
    }

    /// Carries out the machine's decisions, outside its lock.
    private func run(_ actions: [Machine.Action]) {
        for action in actions {
            switch action {
            case .lend(let connection, let waiter):
                waiter.resume(returning: connection)
            case .create(let number, let waiter):
                waiter.resume(returning: makeConnection(number))
            case .close(let connection):
                connection.queue.async { connection.close() }
            case .fail(let waiters, let error):
                for waiter in waiters { waiter.resume(throwing: error) }
            }
        }
    }
}
