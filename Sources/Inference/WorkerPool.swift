import Foundation
import Synchronization

/// A small persistent pool of worker threads for data-parallel kernels.
///
/// `run` opens a job, runs it on the calling thread and on every worker that joins while it is
/// open, then closes it and waits only for workers already inside. Work is shared dynamically
/// (callers hand out chunks from an atomic counter), so a worker that is descheduled — the
/// machine is often busy — delays nothing: the caller simply does its share. Workers spin briefly
/// on an atomic generation counter before parking on a condition variable, so back-to-back
/// kernels (hundreds per token) pay no thread wake-up cost, while an idle engine does not burn
/// CPU. Calls are serialised: one kernel runs at a time.
public final class WorkerPool: @unchecked Sendable {
    /// Total participants, including the calling thread.
    public let threadCount: Int

    /// Odd while a job is open, even otherwise; +2 per job.
    private let generation = Atomic<Int>(0)
    /// Workers currently between joining a job and leaving it.
    private let inFlight = Atomic<Int>(0)
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
        generation.add(2, ordering: .sequentiallyConsistent)
        condition.lock()
        condition.broadcast()
        condition.unlock()
    }

    /// Runs `body(worker)` on the calling thread (`worker` 0) and on each worker thread that joins
    /// before the caller's own call returns (distinct `worker` in `1..<threadCount`). Bodies must
    /// share work dynamically; a worker may not run at all.
    public func run(_ body: (Int) -> Void) {
        if threadCount == 1 { body(0); return }
        callLock.lock()
        defer { callLock.unlock() }
        withoutActuallyEscaping(body) { escaping in
            job = escaping
            generation.add(1, ordering: .sequentiallyConsistent) // open
            if sleepers.load(ordering: .sequentiallyConsistent) > 0 {
                condition.lock()
                condition.broadcast()
                condition.unlock()
            }
            escaping(0)
            // Close, then wait for workers that joined. A worker joins by incrementing
            // `inFlight` and then re-checking the generation (both sequentially consistent), so
            // it either is counted here or sees the job closed and never touches `job`.
            generation.add(1, ordering: .sequentiallyConsistent)
            while inFlight.load(ordering: .acquiring) > 0 {}
            job = nil
        }
    }

    /// Splits `0..<count` into contiguous chunks of `grain` items handed out dynamically.
    ///
    /// Even-numbered participants take chunks from the front, odd ones from the back, so with two
    /// threads each streams through one contiguous half of the data (long sequential runs for the
    /// hardware prefetcher) until they meet, wherever that is. Both counters live in one atomic
    /// word: a claim is valid while front + back claims so far stay below the chunk count.
    public func parallelFor(_ count: Int, grain: Int = 1, _ body: (Range<Int>) -> Void) {
        if count <= 0 { return }
        let grain = max(1, grain)
        if threadCount == 1 || count <= grain { body(0..<count); return }
        let chunks = (count + grain - 1) / grain
        let claims = Atomic<Int>(0)
        run { worker in
            let fromBack = worker & 1 == 1
            while true {
                let old = claims.add(fromBack ? 1 << 32 : 1, ordering: .relaxed).oldValue
                let front = old & 0xFFFF_FFFF, back = old >> 32
                if front + back >= chunks { break }
                let chunk = fromBack ? chunks - 1 - back : front
                body(chunk * grain..<min(count, (chunk + 1) * grain))
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
            if current & 1 == 1 {
                inFlight.add(1, ordering: .sequentiallyConsistent)
                if generation.load(ordering: .sequentiallyConsistent) == current { job?(index) }
                inFlight.subtract(1, ordering: .releasing)
            }
        }
    }
}
