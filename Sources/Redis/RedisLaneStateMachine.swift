import DequeModule
import NIOCore

/// The logic of one multiplexed Redis connection (a `RedisMultiplexer` lane), without I/O:
/// each event (a caller submits, the connection opens or fails, a reply arrives, time passes)
/// returns the actions the lane must carry out. Unit-tested on its own.
///
/// Guarantees:
/// - Every caller is answered exactly once: with its replies, or with an error.
/// - Every caller has a deadline from the moment it submits (`connectTimeout + commandTimeout`
///   while the connection is being opened, `commandTimeout` once written), so a caller queued
///   behind a connection attempt that hangs is failed too.
/// - Each connection attempt has a generation; events from an older connection (a late reply,
///   the close or error of a channel already replaced) change nothing.
/// - Replies are matched to callers in order; a reply nobody asked for, or an error reply to
///   the handshake (AUTH, SELECT), fails the connection and everyone waiting on it.
struct RedisLaneStateMachine<Caller, Connection> {
    typealias Generation = Int

    enum Action {
        /// Open a connection; report it with this generation.
        case connect(Generation)
        /// Write these commands (RESP-encoded), then flush.
        case write([[UInt8]], on: Connection)
        /// Answer a caller with its replies.
        case resume(Caller, [RedisReply])
        /// Answer callers with an error.
        case fail([Caller], RedisError)
        /// Close a connection that is no longer used (after failing its callers).
        case close(Connection)
    }

    private struct Queued {
        let caller: Caller
        let wire: [UInt8]
        let count: Int
        let deadline: NIODeadline
    }

    private struct InFlight {
        enum Kind {
            case caller(Caller)
            /// AUTH or SELECT sent when connecting.
            case handshake(String)
        }
        let kind: Kind
        let count: Int
        var replies: [RedisReply] = []
        let deadline: NIODeadline
    }

    private enum State {
        case idle
        case connecting(Generation, Deque<Queued>)
        case connected(Generation, Connection, Deque<InFlight>)
        case closed
    }

    let address: String
    let connectTimeout: TimeAmount
    let commandTimeout: TimeAmount
    private var state = State.idle
    private var generation = 0

    init(address: String, connectTimeout: TimeAmount, commandTimeout: TimeAmount) {
        self.address = address
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
    }

    /// The earliest deadline of a waiting caller: when the lane should call `tick`.
    var nextDeadline: NIODeadline? {
        switch state {
        case .connecting(_, let queued): queued.lazy.map(\.deadline).min()
        case .connected(_, _, let inFlight): inFlight.first?.deadline
        case .idle, .closed: nil
        }
    }

    // MARK: Events

    mutating func submit(_ caller: Caller, wire: [UInt8], count: Int, now: NIODeadline) -> [Action] {
        switch state {
        case .idle:
            generation += 1
            state = .connecting(generation, [Queued(caller: caller, wire: wire, count: count, deadline: now + connectTimeout + commandTimeout)])
            return [.connect(generation)]
        case .connecting(let current, var queued):
            queued.append(Queued(caller: caller, wire: wire, count: count, deadline: now + connectTimeout + commandTimeout))
            state = .connecting(current, queued)
            return []
        case .connected(let current, let connection, var inFlight):
            inFlight.append(InFlight(kind: .caller(caller), count: count, deadline: now + commandTimeout))
            state = .connected(current, connection, inFlight)
            return [.write([wire], on: connection)]
        case .closed:
            return [.fail([caller], RedisError(.connection, "multiplexer closed"))]
        }
    }

    /// The attempt `attempt` opened `connection`; `handshake` are the commands to send first.
    mutating func connected(_ attempt: Generation, _ connection: Connection, handshake: [RedisCommand], now: NIODeadline) -> [Action] {
        guard case .connecting(let current, let queued) = state, current == attempt else { return [.close(connection)] }
        var inFlight = Deque<InFlight>()
        var wires: [[UInt8]] = []
        for command in handshake {
            inFlight.append(InFlight(kind: .handshake(command.name), count: 1, deadline: now + commandTimeout))
            wires.append(command.wire)
        }
        for waiter in queued {
            inFlight.append(InFlight(kind: .caller(waiter.caller), count: waiter.count, deadline: now + commandTimeout))
            wires.append(waiter.wire)
        }
        state = .connected(current, connection, inFlight)
        return wires.isEmpty ? [] : [.write(wires, on: connection)]
    }

    mutating func connectFailed(_ attempt: Generation, _ error: RedisError) -> [Action] {
        guard case .connecting(let current, let queued) = state, current == attempt else { return [] }
        state = .idle
        return queued.isEmpty ? [] : [.fail(queued.map(\.caller), error)]
    }

    mutating func received(_ reply: RedisReply, on connection: Generation) -> [Action] {
        guard case .connected(let current, let channel, var inFlight) = state, current == connection else { return [] }
        guard !inFlight.isEmpty else {
            return failConnection(RedisError(.unexpectedReply, "\(address) sent a reply nobody asked for"))
        }
        inFlight[inFlight.startIndex].replies.append(reply)
        guard inFlight[inFlight.startIndex].replies.count == inFlight[inFlight.startIndex].count else {
            state = .connected(current, channel, inFlight)
            return []
        }
        let done = inFlight.removeFirst()
        state = .connected(current, channel, inFlight)
        switch done.kind {
        case .caller(let caller):
            return [.resume(caller, done.replies)]
        case .handshake(let command):
            guard case .error(let message) = reply else { return [] }
            return failConnection(RedisError(.connection, "cannot connect to \(address): \(message)", command: command))
        }
    }

    /// The connection of generation `connection` closed, failed or sent something unreadable.
    mutating func connectionFailed(_ connection: Generation, _ error: RedisError) -> [Action] {
        guard case .connected(let current, _, _) = state, current == connection else { return [] }
        return failConnection(error)
    }

    /// Fails callers whose deadline has passed: queued ones one by one; when the oldest written
    /// one is late, the whole connection (the replies behind it cannot overtake it).
    mutating func tick(now: NIODeadline) -> [Action] {
        switch state {
        case .connecting(let current, let queued):
            let late = queued.filter { $0.deadline <= now }
            guard !late.isEmpty else { return [] }
            state = .connecting(current, Deque(queued.filter { $0.deadline > now }))
            return [.fail(late.map(\.caller), RedisError(.connection,
                "cannot connect to \(address): no connection within \(connectTimeout.seconds) s"))]
        case .connected(_, _, let inFlight):
            guard let oldest = inFlight.first, oldest.deadline <= now else { return [] }
            return failConnection(RedisError(.connection, "\(address): no reply within \(commandTimeout.seconds) s"))
        case .idle, .closed:
            return []
        }
    }

    /// Fails everyone and refuses new callers from now on.
    mutating func shutDown() -> [Action] {
        let error = RedisError(.connection, "multiplexer closed")
        defer { state = .closed }
        switch state {
        case .connecting(_, let queued):
            return [.fail(queued.map(\.caller), error)]
        case .connected(_, let connection, let inFlight):
            return [.fail(Self.callers(inFlight), error), .close(connection)]
        case .idle, .closed:
            return []
        }
    }

    private mutating func failConnection(_ error: RedisError) -> [Action] {
        guard case .connected(_, let connection, let inFlight) = state else { return [] }
        state = .idle
        return [.fail(Self.callers(inFlight), error), .close(connection)]
    }

    private static func callers(_ inFlight: Deque<InFlight>) -> [Caller] {
        inFlight.compactMap { if case .caller(let caller) = $0.kind { caller } else { nil } }
    }
}

extension TimeAmount {
    /// Seconds, for messages.
    var seconds: Double { Double(nanoseconds) / 1e9 }
}
