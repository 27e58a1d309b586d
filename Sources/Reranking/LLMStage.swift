import Foundation
import Inference
import Recommender
import Synchronization

/// The LLM stage of recommendation requests, one per process and shared by all of them: the
/// engine's rerank scoring through a ``ScoringScheduler`` (requests of different users scored
/// together in one batched pass), explanations through a ``BatchScheduler`` (decoded together),
/// both with bounded queues that refuse at once when full, an ``ExplanationCache``, and the
/// deadline arithmetic: reranking covers as many candidates as the measured cost per token
/// says will fit; explanations run only when their measured time still fits.
public final class LLMStage: Sendable {
    public struct Configuration: Sendable {
        /// Rerank requests waiting for a pass before new ones take the no-LLM path.
        public var rerankQueue = 8
        /// Explanation generations waiting for a decoding slot before new ones are dropped.
        public var explanationQueue = 16
        public var explanationCacheEntries = 10_000
        public init() {}
    }

    /// Why a request got less than it asked for (the response's `degraded_reason`).
    public enum Degradation: String, Sendable {
        case deadline
        case busy = "llm_busy"
        case failed = "llm_error"
    }

    public struct Reranked: Sendable {
        /// LLM scores of the first `scores.count` candidates (empty: not reranked).
        public var scores: [Float]
        public var degradation: Degradation?
    }

    public struct Explained: Sendable {
        /// One per request, nil where it was dropped.
        public var explanations: [Explainer.Explanation?]
        public var cached: Int
        public var degradation: Degradation?
    }

    public let reranker: Reranker
    public let cache: ExplanationCache
    let scoring: ScoringScheduler
    let generation: BatchScheduler
    /// Wall time of one request's explanations (generated together), moving average.
    private let explanationSeconds = Mutex(0.4)

    public init(engine: LLMEngine, configuration: Configuration = Configuration()) throws {
        let reranker = try Reranker(engine: engine)
        self.reranker = reranker
        cache = ExplanationCache(capacity: configuration.explanationCacheEntries)
        var scoringConfiguration = ScoringScheduler.Configuration()
        scoringConfiguration.maxQueued = configuration.rerankQueue
        scoring = try ScoringScheduler(engine: engine, next: [reranker.yes, reranker.no], configuration: scoringConfiguration)
        var generationConfiguration = BatchScheduler.Configuration()
        generationConfiguration.maxQueued = configuration.explanationQueue
        generationConfiguration.rejectWhenFull = true
        generation = BatchScheduler(engine: engine, configuration: generationConfiguration)
    }

    public func shutdown() {
        scoring.shutdown()
        generation.shutdown()
    }

    /// LLM scores (log P(Yes) − log P(No)) for as many of `candidates`, in the order given, as
    /// fit before `deadline` by the measured cost; fewer than two fitting means no rerank.
    /// `likes`: the most recent liked items listed in the prompt.
    public func rerank(liked: [ItemContent], candidates: [ItemContent], likes: Int = 8, deadline: ContinuousClock.Instant) async -> Reranked {
        var reranker = self.reranker
        reranker.likesInPrompt = likes
        let prefix = reranker.prefixTokens(liked: liked)
        let continuations = candidates.map(reranker.candidateTokens)
        let estimate = scoring.estimate
        let uncached = prefix.count - reranker.engine.cachedPrefixLength(of: prefix)
        // 10 % and 5 ms of the time left stay spare for the estimate's error and the response.
        var budget = Self.seconds(until: deadline) * 0.9 - 0.005 - estimate.backlogSeconds
            - Double(uncached) * estimate.secondsPerPrefixToken
        var fitting = 0
        for c in continuations {
            budget -= Double(c.count) * estimate.secondsPerContinuationToken
            if budget < 0 { break }
            fitting += 1
        }
        guard fitting >= 2 else { return Reranked(scores: [], degradation: .deadline) }
        do {
            let rows = try await scoring.score(prefix: prefix, continuations: Array(continuations.prefix(fitting)), deadline: deadline)
            return Reranked(scores: rows.map { $0[0] - $0[1] }, degradation: fitting < candidates.count ? .deadline : nil)
        } catch {
            return Reranked(scores: [], degradation: Self.degradation(error))
        }
    }

    /// Explanations from the cache, the rest generated together (checked by `check`: the
    /// served catalogue's) if their measured time fits before `deadline`, else dropped (nil).
    /// What is generated is cached.
    /// - Parameter onExplanation: called with the request's index and its explanation as each
    ///   becomes available (cached ones first), for streaming.
    public func explain(_ requests: [(key: ExplanationCache.Key, facts: ExplanationFacts)], check: FaithfulnessCheck,
                        deadline: ContinuousClock.Instant,
                        onExplanation: @Sendable (Int, Explainer.Explanation) -> Void = { _, _ in }) async -> Explained {
        var explanations = requests.map { cache.get($0.key) }
        for (i, e) in explanations.enumerated() { if let e { onExplanation(i, e) } }
        let cached = explanations.count { $0 != nil }
        let missing = explanations.indices.filter { explanations[$0] == nil }
        guard !missing.isEmpty else { return Explained(explanations: explanations, cached: cached, degradation: nil) }
        guard Self.seconds(until: deadline) >= explanationSeconds.withLock({ $0 }) else {
            return Explained(explanations: explanations, cached: cached, degradation: .deadline)
        }
        let started = ContinuousClock.now
        let (explainer, generation) = (Explainer(engine: reranker.engine, check: check), self.generation)
        let outcomes = await withTaskGroup(of: (Int, Result<Explainer.Explanation, any Error>).self) { group in
            for i in missing {
                let facts = requests[i].facts
                group.addTask {
                    do {
                        return (i, .success(try await explainer.explain(facts) { facts, strict in
                            try await explainer.generate(facts, strict: strict, scheduler: generation, deadline: deadline)
                        }))
                    } catch { return (i, .failure(error)) }
                }
            }
            var all: [(Int, Result<Explainer.Explanation, any Error>)] = []
            for await outcome in group {
                if case .success(let explanation) = outcome.1 { onExplanation(outcome.0, explanation) }
                all.append(outcome)
            }
            return all
        }
        var degradation: Degradation?
        for (i, outcome) in outcomes {
            switch outcome {
            case .success(let explanation):
                explanations[i] = explanation
                cache.set(requests[i].key, explanation)
            case .failure(let error):
                degradation = degradation ?? Self.degradation(error)
            }
        }
        if degradation == nil {
            let seconds = Self.seconds(from: started, to: .now)
            explanationSeconds.withLock { $0 = 0.7 * $0 + 0.3 * seconds }
        }
        return Explained(explanations: explanations, cached: cached, degradation: degradation)
    }

    static func degradation(_ error: any Error) -> Degradation {
        switch error as? InferenceError {
        case .queueFull?: .busy
        case .deadlineExceeded?: .deadline
        default: .failed
        }
    }

    static func seconds(until deadline: ContinuousClock.Instant) -> Double { seconds(from: .now, to: deadline) }

    static func seconds(from start: ContinuousClock.Instant, to end: ContinuousClock.Instant) -> Double {
        let d = start.duration(to: end).components
        return Double(d.seconds) + Double(d.attoseconds) * 1e-18
    }
}
