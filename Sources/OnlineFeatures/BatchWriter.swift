import Foundation
import Redis

/// Writes batches on `lanes` threads, each with its own Redis connection, with at most two
/// batches per lane in flight: reading PostgreSQL, encoding a batch and Redis executing the
/// previous one all overlap, without holding more than a few batches in memory.
///
/// Order between batches does not matter: every write goes through the point-in-time script,
/// and a run reads one row per key, so batches never touch the same key twice.
final class BatchWriter: @unchecked Sendable {
    private let store: RedisOnlineStore
    private let connections: [RedisConnection]
    private let queues: [DispatchQueue]
    private let slots: DispatchSemaphore
    private let lock = NSLock()
    private var next = 0
    private var summary = OnlineWriteSummary()
    private var failure: (any Error)?

    /// - Parameter redis: the first lane's connection; further lanes open their own.
    init(store: RedisOnlineStore, redis: RedisConnection, lanes: Int = 2) {
        self.store = store
        connections = [redis] + (1..<max(1, lanes)).map { RedisConnection(configuration: redis.configuration, label: "pantry.materialize.\($0)") }
        queues = connections.indices.map { DispatchQueue(label: "pantry.materialize.writer.\($0)") }
        slots = DispatchSemaphore(value: 2 * connections.count)
    }

    /// Queues a batch; throws the first write error seen so far, so a dead Redis stops the read.
    func submit(_ rows: [OnlineRow]) throws {
        if let failure = lock.withLock({ failure }) { throw failure }
        slots.wait()
        let lane = next % connections.count
        next += 1
        queues[lane].async { [self] in
            defer { slots.signal() }
            guard lock.withLock({ failure == nil }) else { return }
            do {
                let written = try store.write(rows, on: connections[lane])
                lock.withLock { summary = summary + written }
            } catch {
                lock.withLock { if failure == nil { failure = error } }
            }
        }
    }

    /// Waits for every queued batch, closes the extra connections, and returns the total or
    /// throws the first error.
    func finish() throws -> OnlineWriteSummary {
        for queue in queues { queue.sync {} }
        for connection in connections.dropFirst() { connection.close() }
        return try lock.withLock {
            if let failure { throw failure }
            return summary
        }
    }
}
