import Core
import Foundation
import Recommender
import Reranking

/// What the LLM stage adds to one returned item.
struct LLMAnnotation: Sendable {
    /// Its rank before reranking (1-based), when the list was reranked.
    var retrievalRank: Int?
    /// log P(Yes) − log P(No), when the item was among the reranked candidates.
    var llmScore: Float?
    var explanation: Explainer.Explanation?
}

/// The LLM stage of `GET /v1/recommendations/{user}?rerank=true&explain=true&deadline_ms=…`:
/// the top candidates reordered by the blend of retrieval and LLM scores, then explanations
/// of the first returned items, all within the request's deadline. The answer says what was
/// done (`reranked`, `explained`) and, when something was left out, why (`degraded_reason`).
extension FeatureServer {
    struct LLMOutcome: Sendable {
        var items: [Recommendation.Item]
        var annotations: [Int64: LLMAnnotation] = [:]
        var extra: [String: JSONValue] = [:]
        var degradation: LLMStage.Degradation?
    }

    /// How deep the candidate list must be for a request: a reranked page is cut from the
    /// reranked top `candidates`, so those are fetched from the start.
    func llmDepth(_ parameters: RecommendationParameters, model: RecommendationModel) -> (k: Int, offset: Int) {
        guard parameters.rerank, llm != nil else { return (parameters.k, parameters.offset) }
        return (min(RecommendationModel.maximumDepth, max(parameters.offset + parameters.k, rerankSettings(model).candidates)), 0)
    }

    /// The definition's `rerank` block (candidates, blend weight chosen on validation, likes
    /// in the prompt), or its defaults.
    func rerankSettings(_ model: RecommendationModel) -> RecommenderDefinition.RerankSettings {
        model.definition.rerank ?? RecommenderDefinition.RerankSettings()
    }

    /// `items`: the retrieval answer (from rank 1 when reranking, else the requested page).
    func llmStage(_ model: RecommendationModel, items: [Recommendation.Item], liked: [Int64], _ parameters: RecommendationParameters,
                  started: ContinuousClock.Instant) async -> LLMOutcome {
        var outcome = await rerankStage(model, items: items, liked: liked, parameters, started: started)
        await explainStage(&outcome, model, liked: liked, parameters, started: started)
        return outcome
    }

    /// The reranked page (or the plain one), with `reranked`, `rerank_candidates` and
    /// `degraded_reason` set for what was done so far.
    func rerankStage(_ model: RecommendationModel, items: [Recommendation.Item], liked: [Int64], _ parameters: RecommendationParameters,
                     started: ContinuousClock.Instant) async -> LLMOutcome {
        var outcome = LLMOutcome(items: items, extra: ["reranked": .bool(false), "explained": .bool(false)])
        guard let llm else {
            outcome.items = Array(items.prefix(parameters.k))
            outcome.extra["degraded_reason"] = .string("llm_not_loaded")
            return outcome
        }
        var ordered = items
        if parameters.rerank {
            let settings = rerankSettings(model)
            let candidates = Array(items.prefix(settings.candidates))
            for (rank, item) in items.enumerated() { outcome.annotations[item.item] = LLMAnnotation(retrievalRank: rank + 1) }
            let contents = candidates.map { model.items[$0.item] ?? ItemContent(title: "item \($0.item)", year: nil, categories: []) }
            let reranked = await llm.stage.rerank(liked: liked.compactMap { model.items[$0] }, candidates: contents, likes: settings.likes,
                                                  deadline: deadline(parameters, started: started))
            let scored = reranked.scores.count
            if scored > 0 {
                let order = RerankBlend(weight: settings.weight).order(retrieval: candidates.prefix(scored).map(\.score), llm: reranked.scores)
                ordered = order.map { items[$0] } + items[scored...]
                for (i, score) in reranked.scores.enumerated() { outcome.annotations[items[i].item]?.llmScore = score }
                outcome.extra["reranked"] = .bool(true)
                ServerMetrics.llmCandidatesScored.increment(by: scored)
            }
            outcome.extra["rerank_candidates"] = .integer(Int64(scored))
            outcome.degradation = reranked.degradation
            ServerMetrics.llm("rerank", reranked.degradation?.rawValue ?? "done").increment()
        }
        outcome.items = Array(ordered.dropFirst(parameters.rerank ? parameters.offset : 0).prefix(parameters.k))
        outcome.extra["degraded_reason"] = outcome.degradation.map { .string($0.rawValue) } ?? .null
        return outcome
    }

    /// Explanations of the page's first `parameters.explain` items; `onExplanation` gets each
    /// (its rank on the page, item, explanation) as it becomes available.
    func explainStage(_ outcome: inout LLMOutcome, _ model: RecommendationModel, liked: [Int64], _ parameters: RecommendationParameters,
                      started: ContinuousClock.Instant,
                      onExplanation: @Sendable @escaping (Int, Int64, Explainer.Explanation) -> Void = { _, _, _ in }) async {
        guard let llm, parameters.explain > 0 else { return }
        let requests = outcome.items.prefix(parameters.explain).enumerated().compactMap { rank, item -> (key: ExplanationCache.Key, facts: ExplanationFacts, item: Int64, rank: Int)? in
            guard let facts = ExplanationFacts(item: item.item, liked: liked, model: model) else { return nil }
            return (ExplanationCache.Key(facts: facts, item: item.item, modelVersion: model.version), facts, item.item, rank)
        }
        let explained = await llm.stage.explain(requests.map { ($0.key, $0.facts) }, check: llm.check(for: model),
                                                deadline: deadline(parameters, started: started)) { i, explanation in
            onExplanation(requests[i].rank, requests[i].item, explanation)
        }
        for (request, explanation) in zip(requests, explained.explanations) {
            outcome.annotations[request.item, default: LLMAnnotation()].explanation = explanation
        }
        ServerMetrics.llmExplanations.increment(by: explained.generated)
        ServerMetrics.llmTemplateExplanations.increment(by: explained.generatedTemplates)
        outcome.extra["explained"] = .bool(explained.explanations.allSatisfy { $0 != nil })
        outcome.extra["explanations_cached"] = .integer(Int64(explained.cached))
        outcome.degradation = outcome.degradation ?? explained.degradation
        outcome.extra["degraded_reason"] = outcome.degradation.map { .string($0.rawValue) } ?? .null
        ServerMetrics.llm("explain", explained.degradation?.rawValue ?? "done").increment()
    }

    func deadline(_ parameters: RecommendationParameters, started: ContinuousClock.Instant) -> ContinuousClock.Instant {
        started + .milliseconds(parameters.deadlineMilliseconds ?? llm?.configuration.defaultDeadlineMilliseconds ?? 1_000)
    }
}
