import DequeModule

/// The logic of `ConnectionPool`, without I/O or locks: each event (a caller asks for a
/// connection, returns one, a deadline passes, the pool closes) returns what the pool must do.
/// Unit-tested on its own.
///
/// Guarantees:
/// - At most `maxConnections` connections exist (idle, lent out, or being replaced).
/// - Waiters are served first come, first served; each is answered exactly once, with a
///   connection or an error, at the latest at its deadline.
/// - A connection returned broken is closed and never lent again; a waiter gets a new one.
struct ConnectionPoolStateMachine<Connection, Waiter> {
    typealias Instant = ContinuousClock.Instant

    enum Action {
        /// Lend this idle connection to the waiter.
        case lend(Connection, to: Waiter)
        /// Make a new connection (the `number`th made) and lend it to the waiter.
        case create(number: Int, for: Waiter)
        /// Close the connection; it has left the pool.
        case close(Connection)
        /// Answer waiters with an error.
        case fail([Waiter], ConnectionPoolError)
    }

    private struct Queued {
        let waiter: Waiter
        let deadline: Instant
    }

    let maxConnections: Int
    let acquireTimeout: Duration
    private var idle: [Connection] = []
    private var waiters = Deque<Queued>()
    private(set) var opened = 0
    private var made = 0
    private var closed = false

    init(maxConnections: Int, acquireTimeout: Duration) {
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }

    var idleCount: Int { idle.count }
    var waiterCount: Int { waiters.count }

    /// A caller wants a connection. With nothing to lend, it waits until `now + acquireTimeout`
    /// (the caller arranges an `expire` call then), and the result is `[]`.
    mutating func acquire(_ waiter: Waiter, now: Instant) -> [Action] {
        if closed { return [.fail([waiter], ConnectionPoolError(description: "pool closed"))] }
        if waiters.isEmpty, let connection = idle.popLast() { return [.lend(connection, to: waiter)] }
        if waiters.isEmpty, opened < maxConnections { return [create(for: waiter)] }
        waiters.append(Queued(waiter: waiter, deadline: now + acquireTimeout))
        return []
    }

    /// A connection comes back; `reusable` is false when it was left broken (mid-transaction,
    /// in pipeline or COPY mode, or disconnected). Waiters already past their deadline are
    /// failed first, never served late, even when their timer has not fired yet.
    mutating func release(_ connection: Connection, reusable: Bool, now: Instant) -> [Action] {
        if closed {
            opened -= 1
            return [.close(connection)]
        }
        let expired = expire(now: now)
        guard reusable else {
            opened -= 1
            guard let next = waiters.popFirst() else { return expired + [.close(connection)] }
            return expired + [.close(connection), create(for: next.waiter)]
        }
        if let next = waiters.popFirst() { return expired + [.lend(connection, to: next.waiter)] }
        idle.append(connection)
        return expired
    }

    /// Fails the waiters whose deadline has passed.
    mutating func expire(now: Instant) -> [Action] {
        let late = waiters.filter { $0.deadline <= now }
        guard !late.isEmpty else { return [] }
        waiters.removeAll { $0.deadline <= now }
        return [.fail(late.map(\.waiter), ConnectionPoolError(description:
            "no pooled connection became free within \(acquireTimeout) (all \(maxConnections) busy)"))]
    }

    /// Closes idle connections and fails waiters; lent connections close when they come back.
    mutating func close() -> [Action] {
        guard !closed else { return [] }
        closed = true
        let idle = self.idle
        let waiting = waiters.map(\.waiter)
        opened -= idle.count
        self.idle = []
        waiters = []
        return idle.map { .close($0) } + (waiting.isEmpty ? [] : [.fail(waiting, ConnectionPoolError(description: "pool closed"))])
    }

    private mutating func create(for waiter: Waiter) -> Action {
        opened += 1
        made += 1
        return .create(number: made, for: waiter)
    }
}
