import Logging
import Synchronization

/// One dependency check of `/health`, bounded in time.
enum HealthCheck {
    /// Runs `check` and returns its answer ("ok" or what was wrong), or "timeout after N s" when
    /// it has not answered within `timeout` seconds. The check's task is cancelled then, but not
    /// awaited: a driver blocked on a dead socket must not hold the health response. Errors are
    /// reported as "error (id …)", with the detail (which may hold addresses) only in the log.
    static func run(_ name: String, timeout: Double, logger: Logger,
                    _ check: @escaping @Sendable () async throws -> String) async -> String {
        let answer = FirstAnswer()
        let finish: @Sendable (String) -> Void = { answer.give($0) }
        return await withCheckedContinuation { continuation in
            answer.set(continuation)
            let work = Task {
                do {
                    finish(try await check())
                } catch {
                    let id = ErrorID.make()
                    logger.error("health check \(name) failed (id \(id)): \(String(reflecting: error))", metadata: ["error_id": "\(id)"])
                    finish("error (id \(id))")
                }
            }
            Task {
                try? await Task.sleep(for: .seconds(timeout.isFinite && timeout > 0 ? timeout : 1))
                finish("timeout after \(describe(seconds: timeout)) s")
                work.cancel()
            }
        }
    }

    static func describe(seconds: Double) -> String {
        seconds == seconds.rounded() && abs(seconds) < 1e9 ? String(Int(seconds)) : String(seconds)
    }
}

/// Resumes a continuation with the first answer given; later answers are dropped.
private final class FirstAnswer: Sendable {
    private let continuation = Mutex<CheckedContinuation<String, Never>?>(nil)

    func set(_ waiting: CheckedContinuation<String, Never>) { continuation.withLock { $0 = waiting } }

    func give(_ text: String) {
        continuation.withLock { waiting in
            waiting?.resume(returning: text)
            waiting = nil
        }
    }
}
