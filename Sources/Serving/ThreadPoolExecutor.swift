import Hummingbird
import NIOCore
import NIOPosix

/// Runs Swift tasks on `NIOThreadPool` threads. `pantry serve` runs Swift concurrency on the
/// SwiftNIO event loops, so CPU-heavy work (parsing and converting a large push body) moved
/// here cannot stall the lookups sharing an event loop.
final class ThreadPoolExecutor: TaskExecutor {
    static let shared = ThreadPoolExecutor(pool: .singleton)

    let pool: NIOThreadPool

    init(pool: NIOThreadPool) { self.pool = pool }

    func enqueue(_ job: consuming ExecutorJob) {
        let job = UnownedJob(job)
        let executor = asUnownedTaskExecutor()
        pool.submit { _ in job.runSynchronously(on: executor) }
    }
}

extension FeatureServer {
    /// Bodies larger than this are handled on the thread pool; smaller ones (every ordinary
    /// lookup) stay where they are, with no thread hop.
    static let offloadBodyBytes = 64 * 1024

    /// Collects the body (up to `maxBodyBytes`), then runs `handler` on the thread pool when the
    /// body is large, in place otherwise. The collected body stays in the request, so `handler`
    /// reads it again without I/O.
    func offloadingLargeBody(_ request: inout Request, _ handler: (inout Request) async throws -> Response) async throws -> Response {
        try await Self.offloadingLargeBody(&request, maxBodyBytes: configuration.maxBodyBytes, handler)
    }

    static func offloadingLargeBody(_ request: inout Request, maxBodyBytes: Int,
                                    _ handler: (inout Request) async throws -> Response) async throws -> Response {
        let body = try await request.collectBody(upTo: maxBodyBytes)
        guard body.readableBytes > Self.offloadBodyBytes else { return try await handler(&request) }
        return try await withTaskExecutorPreference(ThreadPoolExecutor.shared) { try await handler(&request) }
    }
}
