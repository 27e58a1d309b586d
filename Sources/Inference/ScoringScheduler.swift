import Foundation
import Synchronization

/// Batched scoring for many callers: each request is a prompt prefix, continuations after it
/// and the `next` tokens whose log-probabilities are wanted at each continuation's end (a
/// reranker's request: a user's likes, one description per candidate, "Yes"/"No"). A scheduler
/// thread takes every waiting request, evaluates their prefixes (reusing the engine's prefix
/// cache, so a user's next request skips it) and scores all their continuations in one batched
/// forward pass (``LLMEngine/nextTokenScores(_:next:)``).
///
/// The queue is bounded and never makes a caller wait for room: a request that finds it full
/// fails at once with ``InferenceError/queueFull`` (the caller takes its no-LLM path). A request
/// still queued past its deadline fails with ``InferenceError/deadlineExceeded``. The measured
/// cost per token (``estimate``) lets callers size a request to their deadline.
public final class ScoringScheduler: Sendable {
    public struct Configuration: Sendable {
        /// Requests waiting (not yet in a forward pass) before new ones are refused.
        public var maxQueued = 8
        /// Continuation tokens run together in one pass (later requests wait for the next one).
        public var maxBatchTokens = 2_048
        public init() {}
    }

    /// Seconds per token as measured, and what is queued ahead of a new request.
    public struct Estimate: Sendable {
        public var secondsPerPrefixToken: Double
        public var secondsPerContinuationToken: Double
        /// Work queued or running now (seconds, by the same measures).
        public var backlogSeconds: Double
    }

    final class Request: @unchecked Sendable {
        let prefix: [Int]
        let continuations: [[Int]]
        let deadline: ContinuousClock.Instant?
        let continuation: CheckedContinuation<[[Float]], any Error>
        var tokens: Int { continuations.reduce(0) { $0 + $1.count } }

        init(prefix: [Int], continuations: [[Int]], deadline: ContinuousClock.Instant?,
             continuation: CheckedContinuation<[[Float]], any Error>) {
            self.prefix = prefix
            self.continuations = continuations
            self.deadline = deadline
            self.continuation = continuation
        }
    }

    struct State {
        var waiting: [Request] = []
        var running = 0.0  // estimated seconds of the pass in progress
        var stopped = false
        // Exponential moving averages of measured cost, seeded with a conservative guess.
        var perPrefixToken = 1.0 / 1_000
        var perContinuationToken = 1.0 / 800

        /// A request's estimated seconds (its whole prefix counted, cached or not).
        func seconds(_ r: Request) -> Double { Double(r.prefix.count) * perPrefixToken + Double(r.tokens) * perContinuationToken }
    }

    public let engine: LLMEngine
    public let next: [Int]
    public let configuration: Configuration
    let state = Mutex(State())
    let wakeup = Wakeup()

    /// - Parameter next: the tokens scored at each continuation's end, the same for every request.
    public init(engine: LLMEngine, next: [Int], configuration: Configuration = Configuration()) throws {
        for t in next where t < 0 || t >= engine.vocabularySize { throw InferenceError.invalidToken(t) }
        self.engine = engine
        self.next = next
        self.configuration = configuration
        let thread = Thread { [self] in self.loop() }
        thread.name = "pantry-llm-scoring"
        thread.start()
    }

    public var estimate: Estimate {
        state.withLock { s in
            let queued = s.waiting.reduce(0.0) { $0 + s.seconds($1) }
            return Estimate(secondsPerPrefixToken: s.perPrefixToken, secondsPerContinuationToken: s.perContinuationToken,
                            backlogSeconds: queued + s.running)
        }
    }

    /// Requests waiting for a pass.
    public var queued: Int { state.withLock { $0.waiting.count } }

    /// `log P(next_j | prefix, continuation_i)` for each continuation i.
    public func score(prefix: [Int], continuations: [[Int]], deadline: ContinuousClock.Instant? = nil) async throws -> [[Float]] {
        guard !prefix.isEmpty else { throw InferenceError.emptyPrompt }
        let longest = continuations.map(\.count).max() ?? 0
        guard prefix.count + longest <= engine.config.contextLength else {
            throw InferenceError.contextOverflow(needed: prefix.count + longest, limit: engine.config.contextLength)
        }
        for t in prefix + continuations.flatMap({ $0 }) where t < 0 || t >= engine.config.vocabSize { throw InferenceError.invalidToken(t) }
        return try await withCheckedThrowingContinuation { continuation in
            let request = Request(prefix: prefix, continuations: continuations, deadline: deadline, continuation: continuation)
            let refusal = state.withLock { s -> InferenceError? in
                if s.stopped { return .cancelled }
                if s.waiting.count >= configuration.maxQueued { return .queueFull }
                s.waiting.append(request)
                return nil
            }
            if let refusal { continuation.resume(throwing: refusal) } else { signal() }
        }
    }

    /// Stops the thread after the pass in progress; waiting requests fail with `cancelled`.
    public func shutdown() {
        let pending = state.withLock { s -> [Request] in
            s.stopped = true
            defer { s.waiting.removeAll() }
            return s.waiting
        }
        for r in pending { r.continuation.resume(throwing: InferenceError.cancelled) }
        signal()
    }

    private func signal() { wakeup.signal() }

    /// The scheduler thread: take a batch, run it, answer, until shut down.
    func loop() {
        while true {
            guard let batch = take() else { return }
            if batch.isEmpty {
                wakeup.wait { state.withLock { $0.waiting.isEmpty && !$0.stopped } }
                continue
            }
            run(batch)
        }
    }

    /// The next batch: waiting requests in order up to the token budget (at least one); those
    /// past their deadline are answered with `deadlineExceeded`. Nil once stopped.
    private func take() -> [Request]? {
        let now = ContinuousClock.now
        let (batch, expired, stopped) = state.withLock { s -> ([Request], [Request], Bool) in
            if s.stopped { return ([], [], true) }
            var batch: [Request] = [], expired: [Request] = [], tokens = 0
            while let r = s.waiting.first, batch.isEmpty || tokens + r.tokens <= configuration.maxBatchTokens {
                s.waiting.removeFirst()
                if let d = r.deadline, now > d { expired.append(r); continue }
                batch.append(r)
                tokens += r.tokens
            }
            s.running = batch.reduce(0.0) { $0 + s.seconds($1) }
            return (batch, expired, false)
        }
        for r in expired { r.continuation.resume(throwing: InferenceError.deadlineExceeded) }
        return stopped ? nil : batch
    }

    private func run(_ batch: [Request]) {
        let clock = ContinuousClock()
        do {
            var groups: [ScoringGroup] = []
            var prefixTokens = 0
            let prefillTime = try clock.measure {
                for r in batch {
                    let (prefix, evaluated) = try engine.prefillCounting(r.prefix)
                    groups.append(ScoringGroup(prefix: prefix, continuations: r.continuations))
                    prefixTokens += evaluated
                }
            }
            var results: [[[Float]]] = []
            let scoringTime = try clock.measure { results = try engine.nextTokenScores(groups, next: next) }
            let tokens = batch.reduce(0) { $0 + $1.tokens }
            state.withLock { s in
                s.running = 0
                if prefixTokens >= 16 { s.perPrefixToken = 0.7 * s.perPrefixToken + 0.3 * prefillTime.seconds / Double(prefixTokens) }
                if tokens >= 16 { s.perContinuationToken = 0.7 * s.perContinuationToken + 0.3 * scoringTime.seconds / Double(tokens) }
            }
            for (r, scores) in zip(batch, results) { r.continuation.resume(returning: scores) }
        } catch {
            state.withLock { $0.running = 0 }
            for r in batch { r.continuation.resume(throwing: error) }
        }
    }
}

extension Duration {
    /// The duration in seconds, as a floating-point number.
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) * 1e-18 }
}
