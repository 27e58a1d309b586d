import Core
import Recommender

extension RerankEvaluation {
    /// Candidate indices in retrieval order (the served path's own ranking).
    static func retrievalOrder(_ user: ScoredUser) -> [Int] { Array(user.candidates.indices) }

    /// Each user's candidates reordered by `order`.
    static func lists(_ target: ScoredTarget, order: (ScoredUser) -> [Int]) -> [Int64: [Int64]] {
        Dictionary(uniqueKeysWithValues: target.users.map { user in (user.user, order(user).map { user.candidates[$0] }) })
    }

    func metrics(_ target: ScoredTarget, order: (ScoredUser) -> [Int]) -> RankingMetrics {
        RankingMetrics(lists: Self.lists(target, order: order), relevant: target.truth, k: k, catalogueSize: catalogueSize)
    }

    /// The share of a target's users whose top k items (as a set) differ from retrieval's.
    func changedTopK(_ target: ScoredTarget, order: (ScoredUser) -> [Int]) -> Double {
        guard !target.users.isEmpty else { return 0 }
        let changed = target.users.filter { user in
            Set(order(user).prefix(k)) != Set(Self.retrievalOrder(user).prefix(k))
        }
        return Double(changed.count) / Double(target.users.count)
    }

    /// A random order of each user's candidates, the same for a user and `round` every time
    /// (Fisher–Yates driven by SplitMix64).
    static func randomOrder(round: UInt64) -> (ScoredUser) -> [Int] {
        { user in
            var generator = SplitMix64(seed: SplitMix64.mix(UInt64(bitPattern: user.user) ^ SplitMix64.mix(round)))
            return Array(user.candidates.indices).shuffled(using: &generator)
        }
    }

    /// The mean metrics of `rounds` random orders: what reordering the candidates without any
    /// signal gives, the floor an LLM order is compared with.
    func randomMetrics(_ target: ScoredTarget, rounds: Int = 10) -> RankingMetrics {
        .mean((0..<rounds).map { metrics(target, order: Self.randomOrder(round: UInt64($0))) })
    }

    static func blendOrder(_ weight: Float) -> (ScoredUser) -> [Int] {
        { RerankBlend(weight: weight).order(retrieval: $0.retrieval, llm: $0.llm) }
    }

    /// Tries every weight on validation and keeps the one with the best NDCG@k (ties: the
    /// smaller weight); reports retrieval alone, the blend at that weight, the LLM's order alone
    /// and random orders (the mean of 10) on validation and test. Test figures play no part in
    /// the choice.
    public func evaluate(weights: [Float] = Self.weights) -> RerankEvaluationReport {
        precondition(!weights.isEmpty && weights.allSatisfy { $0 >= 0 && $0.isFinite }, "weights finite and ≥ 0")
        var grid: [RerankEvaluationReport.GridPoint] = []
        for weight in weights.sorted() {
            let order = Self.blendOrder(weight)
            grid.append(.init(weight: weight, validation: metrics(validation, order: order), changedTopK: changedTopK(validation, order: order)))
        }
        let best = grid.reduce(grid[0]) { $1.validation.ndcg > $0.validation.ndcg ? $1 : $0 }
        func row(_ name: String, weight: Float?, _ order: (ScoredUser) -> [Int]) -> RerankEvaluationReport.Row {
            .init(model: name, weight: weight, validation: metrics(validation, order: order), test: metrics(test, order: order),
                  changedTopK: (changedTopK(validation, order: order), changedTopK(test, order: order)))
        }
        return RerankEvaluationReport(
            recommender: recommender, k: k, chosenWeight: best.weight,
            rows: [row("retrieval (served order)", weight: 0, Self.retrievalOrder),
                   row("blend at chosen weight", weight: best.weight, Self.blendOrder(best.weight)),
                   row("LLM order alone", weight: nil, \.llmOrder),
                   .init(model: "random order (mean of 10)", weight: nil, validation: randomMetrics(validation), test: randomMetrics(test),
                         changedTopK: (changedTopK(validation, order: Self.randomOrder(round: 0)), changedTopK(test, order: Self.randomOrder(round: 0))))],
            grid: grid, users: (validation.users.count, test.users.count),
            candidates: (validation.users + test.users).map(\.candidates.count).max() ?? 0,
            scoringSeconds: scoringSeconds)
    }
}
