import NIOCore

/// The time limits one HTTP/1 connection lives under, as a pure state machine (no I/O, no timers):
/// the channel handler feeds it events and carries out the action it returns.
///
/// - A connection waiting for a request may stay idle for `idle` (keep-alive timeout).
/// - From the first byte of a request, its head must be complete within `head`.
/// - From the head, its body must be complete within `body`.
/// These are deadlines, not idle timers: a client trickling one byte every few seconds does
/// not push them back. While the response is being produced no limit applies (the server is
/// the slow side then). When the server drains (graceful shutdown), every connection is closed
/// at the latest `shutdownGrace` after the drain began.
struct ConnectionDeadlines {
    struct Limits: Sendable, Equatable {
        var idle: TimeAmount
        var head: TimeAmount
        var body: TimeAmount
        var shutdownGrace: TimeAmount
    }

    enum Phase: Equatable {
        /// Between requests: no byte of the next request yet.
        case idle
        /// Some bytes of a request, but not its complete head.
        case readingHead
        /// The head arrived; the body has not ended. `responded`: the response already ended
        /// (e.g. an early 401 or 413), so the connection still waits for the rest of the body.
        case readingBody(responded: Bool)
        /// The whole request arrived; the response has not ended yet.
        case responding
        case closed
    }

    enum Action: Equatable {
        case none
        /// (Re)arm the single connection timer for this deadline, replacing any earlier one.
        case arm(NIODeadline)
        case cancelTimer
        /// Close the connection; when `requestTimeout`, first answer 408 (only when the
        /// application has not seen the request, so no response of its own can interleave).
        case close(requestTimeout: Bool)
    }

    let limits: Limits
    private(set) var phase: Phase = .idle
    private(set) var draining = false
    private var drainDeadline: NIODeadline?

    init(limits: Limits) { self.limits = limits }

    mutating func opened(now: NIODeadline) -> Action {
        phase = .idle
        return arm(now + limits.idle)
    }

    /// Raw bytes arrived from the socket (before HTTP decoding).
    mutating func bytesReceived(now: NIODeadline) -> Action {
        guard phase == .idle else { return .none }
        phase = .readingHead
        return arm(now + limits.head)
    }

    mutating func headReceived(now: NIODeadline) -> Action {
        switch phase {
        case .idle, .readingHead:
            phase = .readingBody(responded: false)
            return arm(now + limits.body)
        case .readingBody, .responding, .closed:
            return .none
        }
    }

    mutating func requestEnded(now: NIODeadline) -> Action {
        switch phase {
        case .readingBody(responded: true):
            return responseDone(now: now)
        case .idle, .readingHead, .readingBody(responded: false):
            phase = .responding
            // While responding only the drain deadline applies.
            if let drainDeadline { return .arm(drainDeadline) }
            return .cancelTimer
        case .responding, .closed:
            return .none
        }
    }

    mutating func responseEnded(now: NIODeadline) -> Action {
        switch phase {
        case .responding:
            return responseDone(now: now)
        case .readingBody:
            phase = .readingBody(responded: true)  // the body deadline keeps running
            return .none
        case .idle, .readingHead, .closed:
            return .none
        }
    }

    private mutating func responseDone(now: NIODeadline) -> Action {
        if draining {
            phase = .closed
            return .close(requestTimeout: false)
        }
        phase = .idle
        return arm(now + limits.idle)
    }

    /// Graceful shutdown began: idle connections close now, busy ones within the grace period.
    mutating func drainStarted(now: NIODeadline) -> Action {
        guard !draining else { return .none }
        draining = true
        drainDeadline = now + limits.shutdownGrace
        switch phase {
        case .idle:
            phase = .closed
            return .close(requestTimeout: false)
        case .closed:
            return .none
        case .readingHead, .readingBody, .responding:
            return .arm(drainDeadline!)
        }
    }

    /// The armed timer fired.
    mutating func timerFired(now: NIODeadline) -> Action {
        let previous = phase
        switch previous {
        case .closed:
            return .none
        case .responding where !draining:
            return .none
        default:
            phase = .closed
            return .close(requestTimeout: previous == .readingHead)
        }
    }

    mutating func closed() -> Action {
        phase = .closed
        return .cancelTimer
    }

    private func arm(_ deadline: NIODeadline) -> Action {
        guard let drainDeadline else { return .arm(deadline) }
        return .arm(min(deadline, drainDeadline))
    }
}

extension TimeAmount {
    /// A setting in seconds as a time amount, without traps: zero, negative or non-finite means
    /// "no limit" (a year), and anything above a year is capped there.
    static func seconds(fractional seconds: Double) -> TimeAmount {
        let year: Int64 = 365 * 24 * 3_600 * 1_000_000_000
        guard seconds.isFinite, seconds > 0 else { return .nanoseconds(year) }
        let nanos = seconds * 1e9
        return nanos >= Double(year) ? .nanoseconds(year) : .nanoseconds(Int64(nanos))
    }
}
