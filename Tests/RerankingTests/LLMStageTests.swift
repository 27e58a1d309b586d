import Foundation
import Inference
import Recommender
import Testing
@testable import Reranking

/// The LLM stage on the real model: deadline-sized reranking, explanations through the
/// batching scheduler, the explanation cache.
@Suite("LLM stage", .serialized)
struct LLMStageTests {
    static let stage = Result { try LLMStage(engine: try RerankerTests.engine.get()) }

    @Test("rerank: scores equal the reranker's; a deadline too short for two candidates gives no rerank at once")
    func rerankWithinDeadline() async throws {
        let stage = try Self.stage.get()
        let expected = try stage.reranker.scores(liked: RerankerTests.liked, candidates: RerankerTests.candidates)
        let done = await stage.rerank(liked: RerankerTests.liked, candidates: RerankerTests.candidates, deadline: .now + .seconds(60))
        #expect(done.degradation == nil && done.scores.count == 3)
        for (a, b) in zip(done.scores, expected) { #expect(abs(a - b) < 1e-3, "\(a) in the stage, \(b) alone") }

        let clock = ContinuousClock()
        var late: LLMStage.Reranked?
        let elapsed = await clock.measure {
            late = await stage.rerank(liked: RerankerTests.liked, candidates: RerankerTests.candidates, deadline: .now + .milliseconds(2))
        }
        #expect(late?.scores.isEmpty == true && late?.degradation == .deadline)
        #expect(elapsed < .milliseconds(50), "the no-LLM path is taken at once, not after trying")
    }

    @Test("explain: generated once, then served from the cache (same key, same text); other model version misses; no time, no explanation")
    func explanationCache() async throws {
        let stage = try Self.stage.get()
        let facts = FaithfulnessCheckTests.facts
        let check = FaithfulnessCheckTests.check
        let key = ExplanationCache.Key(facts: facts, item: 95, modelVersion: 1)
        let before = stage.cache.statistics
        let first = await stage.explain([(key, facts)], check: check, deadline: .now + .seconds(120))
        let text = try #require(first.explanations.first ?? nil)
        #expect(first.cached == 0 && first.degradation == nil && check.violations(text.text, facts: facts).isEmpty, "\(text.text)")
        let second = await stage.explain([(key, facts)], check: check, deadline: .now + .milliseconds(1))
        #expect(second.cached == 1 && second.explanations.first??.text == text.text && second.degradation == nil)
        let after = stage.cache.statistics
        #expect(after.hits == before.hits + 1 && after.misses == before.misses + 1 && after.entries >= 1)

        let otherVersion = ExplanationCache.Key(facts: facts, item: 95, modelVersion: 2)
        #expect(otherVersion != key)
        let dropped = await stage.explain([(otherVersion, facts)], check: check, deadline: .now + .milliseconds(1))
        #expect(dropped.explanations == [nil] && dropped.degradation == .deadline)
    }

    @Test("the cache key follows the facts: other liked items the explanation would cite give another key")
    func keys() {
        var facts = FaithfulnessCheckTests.facts
        let key = ExplanationCache.Key(facts: facts, item: 95, modelVersion: 1)
        #expect(ExplanationCache.Key(facts: facts, item: 95, modelVersion: 1) == key)
        facts.resembles = [ItemContent(title: "Heat", year: 1995, categories: ["Action"])]
        #expect(ExplanationCache.Key(facts: facts, item: 95, modelVersion: 1) != key)
        #expect(LLMStage.degradation(InferenceError.queueFull) == .busy && LLMStage.degradation(InferenceError.deadlineExceeded) == .deadline)
    }
}
