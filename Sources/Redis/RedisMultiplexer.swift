import NIOCore
import NIOPosix

/// Shares a few Redis connections among many concurrent callers by pipelining their commands
/// together, without a thread of its own.
///
/// There is one non-blocking connection per SwiftNIO event loop. A caller's commands go to the
/// connection of the event loop it is running on (under `pantry serve`, the one that read its
/// HTTP request), are written without a flush, and one flush per event-loop tick sends
/// everything queued in that tick. Replies are parsed by hiredis' `redisReader` as they arrive
/// and resume each caller with its own. A lookup thus costs no thread switch and shares its
/// write and read system calls with every other lookup of the same tick — the way to serve
/// many small requests from one process. Commands that need a connection to themselves
/// (transactions, scripts with retries) belong on `RedisPool` instead.
///
/// Every caller has a deadline (`connectTimeout + commandTimeout` from submitting). A broken
/// or timed-out connection fails the callers waiting on it with a `.connection` error and is
/// reopened by the next caller, so a restarted Redis is picked up on its own. The logic lives
/// in `RedisLaneStateMachine`; `Lane` only carries out its actions.
public final class RedisMultiplexer: Sendable {
    private let lanes: [Lane]

    /// - Parameter group: the event loops to run on; one connection per loop. The default is
    ///   the process-wide group that Hummingbird also uses.
    public init(configuration: RedisConfiguration, group: any EventLoopGroup = MultiThreadedEventLoopGroup.singleton) {
        lanes = group.makeIterator().map { Lane(configuration: configuration, eventLoop: $0) }
    }

    /// Sends the commands (in one pipeline with other callers' commands) and returns their replies.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        try await pipeline(encoded: RedisCommand.wire(of: commands), count: commands.count)
    }

    /// Sends `count` commands already encoded in RESP, back to back in `wire` (for hot paths
    /// that write their commands straight into bytes), and returns their replies.
    public func pipeline(encoded wire: [UInt8], count: Int) async throws -> [RedisReply] {
        guard count > 0 else { return [] }
        let lane = currentLane()
        return try await withUnsafeThrowingContinuation { continuation in
            if lane.eventLoop.inEventLoop {
                lane.submit(continuation, wire: wire, count: count)
            } else {
                lane.eventLoop.execute { lane.submit(continuation, wire: wire, count: count) }
            }
        }
    }

    /// Closes the connections; callers still waiting get a `.connection` error.
    public func close() {
        for lane in lanes { lane.eventLoop.execute { lane.shutDown() } }
    }

    /// The lane of the event loop we are on, so the request never changes threads; any lane
    /// otherwise, picked at random (no shared counter to contend on).
    private func currentLane() -> Lane {
        if let current = MultiThreadedEventLoopGroup.currentEventLoop,
           let lane = lanes.first(where: { $0.eventLoop === current }) {
            return lane
        }
        return lanes[Int.random(in: 0..<lanes.count)]
    }
}
