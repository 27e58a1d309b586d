import Foundation

/// Shares a few Redis connections among many concurrent callers by pipelining their commands
/// together.
///
/// Each connection has one I/O thread. Callers enqueue their commands and suspend; the thread
/// takes everything queued, writes it in one go, reads all the replies, and resumes each caller
/// with its own. Under load, sixteen concurrent lookups cost one round trip and one thread
/// wake-up instead of sixteen — the way to serve many small requests from a blocking client
/// library without blocking an event loop. Commands that need a connection to themselves
/// (transactions, scripts with retries) belong on `RedisPool` instead.
public final class RedisMultiplexer: Sendable {
    private let lanes: [Lane]
    private let next = Counter()

    /// - Parameter connections: I/O threads and connections (Redis is single-threaded: 1–2 is plenty).
    public init(configuration: RedisConfiguration, connections: Int = 2) {
        lanes = (0..<max(1, connections)).map { Lane(connection: RedisConnection(configuration: configuration, label: "pantry.redis.mux.\($0)")) }
        for lane in lanes { lane.start() }
    }

    /// Sends the commands (in one pipeline with other callers' commands) and returns their replies.
    public func pipeline(_ commands: [RedisCommand]) async throws -> [RedisReply] {
        guard !commands.isEmpty else { return [] }
        let lane = lanes[next.increment() % lanes.count]
        return try await withCheckedThrowingContinuation { continuation in
            lane.enqueue(Batch(commands: commands, continuation: continuation))
        }
    }

    /// Stops the I/O threads; queued callers get an error.
    public func close() {
        for lane in lanes { lane.stop() }
    }

    struct Batch {
        let commands: [RedisCommand]
        let continuation: CheckedContinuation<[RedisReply], any Error>
    }

    /// One connection, its I/O thread and its queue.
    final class Lane: @unchecked Sendable {
        let connection: RedisConnection
        private let condition = NSCondition()
        private var pending: [Batch] = []
        private var running = true
        /// Caps one round's pipeline so a burst cannot grow it without bound.
        private let maxCommandsPerRound = 4_096

        init(connection: RedisConnection) { self.connection = connection }

        func start() {
            let thread = Thread { [self] in loop() }
            thread.name = "pantry-redis-mux"
            thread.start()
        }

        func enqueue(_ batch: Batch) {
            condition.lock()
            guard running else {
                condition.unlock()
                batch.continuation.resume(throwing: RedisError(.connection, "multiplexer closed"))
                return
            }
            pending.append(batch)
            condition.signal()
            condition.unlock()
        }

        func stop() {
            condition.lock()
            running = false
            let abandoned = pending
            pending = []
            condition.broadcast()
            condition.unlock()
            for batch in abandoned { batch.continuation.resume(throwing: RedisError(.connection, "multiplexer closed")) }
        }

        private func loop() {
            while true {
                condition.lock()
                while pending.isEmpty && running { condition.wait() }
                if !running { condition.unlock(); connection.close(); return }
                var taken: [Batch] = []
                var count = 0
                while let first = pending.first, taken.isEmpty || count + first.commands.count <= maxCommandsPerRound {
                    taken.append(pending.removeFirst())
                    count += first.commands.count
                }
                condition.unlock()
                round(taken)
            }
        }

        /// One write, all replies, each caller resumed with its share.
        private func round(_ batches: [Batch]) {
            do {
                try connection.ensureConnected()
                let replies = try connection.pipeline(batches.flatMap(\.commands))
                var start = 0
                for batch in batches {
                    batch.continuation.resume(returning: Array(replies[start..<start + batch.commands.count]))
                    start += batch.commands.count
                }
            } catch {
                for batch in batches { batch.continuation.resume(throwing: error) }
            }
        }
    }

    /// A lock-protected round-robin counter.
    final class Counter: @unchecked Sendable {
        private let lock = NSLock()
        private var value = 0
        func increment() -> Int { lock.withLock { value += 1; return value } }
    }
}
