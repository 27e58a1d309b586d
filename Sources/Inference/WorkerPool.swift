import Foundation
import Synchronization

/// A small persistent pool of worker threads for data-parallel kernels.
///
/// `run` hands one closure to every worker and to the calling thread and returns when all are
/// done. Workers spin briefly on an atomic generation counter before parking on a condition
/// variable, so back-to-back kernels (hundreds per token) pay no thread wake-up cost, while an
/// idle engine does not burn CPU. Calls are serialised: one kernel runs at a time.
public final class WorkerPool: @unchecked Sendable {
    /// Total participants, including the calling thread.
    public let threadCount: Int

    private let generation = Atomic<Int>(0)
    private let remaining = Atomic<Int>(0)
    private let sleepers = Atomic<Int>(0)
    private let stopping = Atomic<Bool>(false)
    private let condition = NSCondition()
    private let callLock = NSLock()
    // Written by the caller before `generation` is bumped (release) and read by workers after
    // they observe the bump (acquire).
    private nonisolated(unsafe) var job: ((Int) -> Void)?
    private var threads: [Thread] = []

    /// How long a worker spins waiting for the next job before it parks.
    private static let spinIterations = 20_000

    public init(threads: Int) {
        threadCount = max(1, threads)
        for index in 1..<threadCount {
            // Workers hold the pool strongly until `shutdown()`; the owner must call it.
            let t = Thread { self.workerLoop(index: index) }
            t.name = "pantry-llm-\(index)"
            t.stackSize = 1 << 20
            self.threads.append(t)
            t.start()
        }
    }

    /// Stops the worker threads (they exit after finishing the current job). Idempotent.
    public func shutdown() {
        if stopping.exchange(true, ordering: .sequentiallyConsistent) { return }
        generation.add(1, ordering: .sequentiallyConsistent)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body(worker)` once on every participant (`worker` in `0..<threadCount`).
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 { body(0); return }
        callLock.lock()
        defer { callLock.unlock() }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            remaining.store(threadCount - 1, ordering: .relaxed)
            generation.add(1, ordering: .sequentiallyConsistent)
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            escaping(0)
            while remaining.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    /// Splits `0..<count` into contiguous chunks of `grain` items handed out dynamically.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let grain = max(1, grain)
        if threadCount == 1 || count <= grain { body(0..<count); return }
        let next = Atomic<Int>(0)
        run { _ in
            while true {
                let start = next.add(grain, ordering: .relaxed).oldValue
                if start >= count { break }
                body(start..<min(count, start + grain))
            }
        }
    }

    private func workerLoop(index: Int) {
        var seen = 0
        while true {
            var spins = 0
            var current = generation.load(ordering: .acquiring)
            while current == seen {
                spins += 1
                if spins < WorkerPool.spinIterations {
                    current = generation.load(ordering: .acquiring)
                    continue
                }
                condition.lock()
                sleepers.add(1, ordering: .sequentiallyConsistent)
                current = generation.load(ordering: .sequentiallyConsistent)
                while current == seen {
                    condition.wait()
                    current = generation.load(ordering: .acquiring)
                }
                sleepers.subtract(1, ordering: .relaxed)
                condition.unlock()
            }
            seen = current
            if stopping.load(ordering: .acquiring) { return }
            job?(index)
            remaining.subtract(1, ordering: .releasing)
        }
    }
}
