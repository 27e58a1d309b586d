import Foundation
import Synchronization

/// Continuous batching: concurrent generation requests are decoded together, one batched
/// forward step (one pass over the quantised weights) per token for all active sequences.
///
/// A scheduler thread repeatedly admits queued requests (up to `maxActive`), builds one batch
/// holding a chunk of each new request's prompt and the latest token of every decoding request,
/// runs it, samples each sequence's next token and retires finished ones, so requests join
/// and leave between steps. The waiting queue is bounded: callers suspend until there is room
/// (back-pressure), or get ``InferenceError/queueFull`` with `rejectWhenFull`. Each request
/// may carry a deadline; a request past it fails with ``InferenceError/deadlineExceeded``.
public final class BatchScheduler: Sendable {
    public struct Configuration: Sendable {
        /// Sequences decoded together per step.
        public var maxActive: Int = 16
        /// Requests waiting for a slot before callers are suspended (or rejected).
        public var maxQueued: Int = 64
        /// Prompt tokens of one request processed per step (bounds the latency impact of a
        /// long prompt on the requests already decoding).
        public var prefillChunk: Int = 128
        /// Fail with `queueFull` instead of waiting when the queue is full.
        public var rejectWhenFull = false
        /// When requests arrive at an idle scheduler, how long it waits for others sent at the
        /// same moment before the first step, so that their prompts are evaluated together.
        public var admissionWindow: Duration = .milliseconds(1)
        public init() {}
    }

    /// One request in flight.
    final class Request: @unchecked Sendable {
        let prompt: [Int]
        var session: GenerationSession
        let deadline: ContinuousClock.Instant?
        let onToken: (@Sendable (GeneratedToken) -> Void)?
        let continuation: CheckedContinuation<GenerationResult, any Error>
        var cache: KVCache
        var consumed: Int
        var nextToken: Int?
        var readyLogits: [Float]?
        /// The prompt's first `rememberAt` tokens are stored in the engine's prefix store once
        /// evaluated (0: nothing to remember).
        var rememberAt: Int

        init(prompt: [Int], session: GenerationSession, deadline: ContinuousClock.Instant?,
             onToken: (@Sendable (GeneratedToken) -> Void)?, continuation: CheckedContinuation<GenerationResult, any Error>,
             cache: KVCache, consumed: Int, readyLogits: [Float]?, rememberAt: Int) {
            self.prompt = prompt
            self.session = session
            self.deadline = deadline
            self.onToken = onToken
            self.continuation = continuation
            self.cache = cache
            self.consumed = consumed
            self.readyLogits = readyLogits
            self.rememberAt = rememberAt
        }
    }

    struct State {
        var waiting: [Request] = []
        var active: [Request] = []
        var slotWaiters: [CheckedContinuation<Void, Never>] = []
        var stopped = false
    }

    public let engine: LLMEngine
    public let configuration: Configuration
    let state = Mutex(State())
    let wakeup = Wakeup()

    public init(engine: LLMEngine, configuration: Configuration = Configuration()) {
        self.engine = engine
        self.configuration = configuration
        let thread = Thread { [self] in self.loop() }
        thread.name = "pantry-llm-scheduler"
        thread.start()
    }

    /// Number of requests waiting and decoding.
    public var load: (waiting: Int, active: Int) { state.withLock { ($0.waiting.count, $0.active.count) } }

    /// Generates a continuation of `prompt` (special tokens parsed) together with other requests.
    public func generate(prompt: String, options: GenerationOptions = GenerationOptions(),
                         deadline: ContinuousClock.Instant? = nil,
                         onToken: (@Sendable (GeneratedToken) -> Void)? = nil) async throws -> GenerationResult {
        try await generate(promptTokens: engine.tokenize(prompt), options: options, deadline: deadline, onToken: onToken)
    }

    /// - Parameter sharedPrefix: how many leading prompt tokens other requests share (a fixed
    ///   instruction): they are remembered in the engine's prefix store once evaluated, so later
    ///   requests start after them.
    public func generate(promptTokens: [Int], options: GenerationOptions = GenerationOptions(),
                         deadline: ContinuousClock.Instant? = nil, sharedPrefix: Int = 0,
                         onToken: (@Sendable (GeneratedToken) -> Void)? = nil) async throws -> GenerationResult {
        guard !promptTokens.isEmpty else { throw InferenceError.emptyPrompt }
        guard promptTokens.count + options.maxTokens <= engine.config.contextLength else {
            throw InferenceError.contextOverflow(needed: promptTokens.count + options.maxTokens, limit: engine.config.contextLength)
        }
        try await waitForQueueSlot()
        // Reuse the longest remembered prompt prefix (its KV cache is shared, not copied).
        let hit = engine.prefixes.longestPrefix(of: promptTokens)
        let cache = hit.map { KVCache(parent: $0.cache) } ?? engine.makeCache()
        let consumed = hit?.tokens.count ?? 0
        let rememberAt = consumed < sharedPrefix && sharedPrefix < promptTokens.count ? sharedPrefix : 0
        let session = GenerationSession(engine: engine, options: options, promptTokenCount: promptTokens.count)
        return try await withCheckedThrowingContinuation { continuation in
            let request = Request(prompt: promptTokens, session: session, deadline: deadline, onToken: onToken,
                                  continuation: continuation, cache: cache, consumed: consumed,
                                  readyLogits: consumed == promptTokens.count ? hit?.lastLogits : nil, rememberAt: rememberAt)
            let accepted = state.withLock { s -> Bool in
                if s.stopped { return false }
                s.waiting.append(request)
                return true
            }
            if accepted { signal() } else { continuation.resume(throwing: InferenceError.cancelled) }
        }
    }

    /// Stops the scheduler: waiting requests fail with ``InferenceError/cancelled`` at once;
    /// requests being decoded belong to the scheduler thread, which finishes the step it is in
    /// (a request that completes in it gets its result) and then cancels the rest. Each
    /// request is answered exactly once. Safe to call from any thread, a token callback
    /// included, and more than once.
    public func shutdown() {
        let (pending, waiters) = state.withLock { s -> ([Request], [CheckedContinuation<Void, Never>]) in
            s.stopped = true
            defer { s.waiting.removeAll(); s.slotWaiters.removeAll() }
            return (s.waiting, s.slotWaiters)
        }
        for r in pending { r.continuation.resume(throwing: InferenceError.cancelled) }
        for w in waiters { w.resume() }
        signal()
    }

    private func waitForQueueSlot() async throws {
        while true {
            let full = state.withLock { $0.waiting.count >= configuration.maxQueued }
            if !full { return }
            if configuration.rejectWhenFull { throw InferenceError.queueFull }
            await withCheckedContinuation { (c: CheckedContinuation<Void, Never>) in
                let resumeNow = state.withLock { s -> Bool in
                    if s.stopped || s.waiting.count < configuration.maxQueued { return true }
                    s.slotWaiters.append(c)
                    return false
                }
                if resumeNow { c.resume() }
            }
            if state.withLock({ $0.stopped }) { throw InferenceError.cancelled }
        }
    }

    private func signal() { wakeup.signal() }
}
