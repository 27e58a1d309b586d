import Recommender
import Testing
@testable import Reranking

/// The offline evaluation of the blend with injected scores (no LLM): the orders, the choice
/// of weight and the metrics.
@Suite("Rerank evaluation")
struct RerankEvaluationTests {
    /// `users` users with 20 candidates each (ids user·100 + rank), retrieval scores falling
    /// with rank (two tied pairs), LLM scores a permutation of 0..<20 per user, and two
    /// relevant items each: the ones the LLM puts first and second when `llmKnows`, else
    /// retrieval's first two.
    static func target(users: Int, llmKnows: Bool, offset: Int64 = 0) -> RerankEvaluation.ScoredTarget {
        var scored: [RerankEvaluation.ScoredUser] = [], truth: [Int64: Set<Int64>] = [:]
        for u in 0..<users {
            let user = Int64(u + 1) + offset
            let candidates = (0..<20).map { user * 100 + Int64($0) }
            var retrieval = (0..<20).map { Float(40 - 2 * $0) }
            retrieval[5] = retrieval[4]; retrieval[11] = retrieval[10]
            let llm = (0..<20).map { Float(($0 * 7 + u) % 20) }
            scored.append(.init(user: user, candidates: candidates, retrieval: retrieval, llm: llm))
            let relevant = llmKnows ? Array(scored.last!.llmOrder.prefix(2)) : [0, 1]
            truth[user] = Set(relevant.map { candidates[$0] })
        }
        return .init(users: scored, truth: truth)
    }

    static func evaluation(validationKnows: Bool, testKnows: Bool) -> RerankEvaluation {
        RerankEvaluation(recommender: "r", k: 10, catalogueSize: 5_000, validation: target(users: 30, llmKnows: validationKnows),
                         test: target(users: 25, llmKnows: testKnows, offset: 1_000))
    }

    @Test("weight 0 reproduces the retrieval lists exactly, ties included")
    func weightZero() {
        let target = Self.target(users: 12, llmKnows: true)
        let blended = RerankEvaluation.lists(target, order: RerankEvaluation.blendOrder(0))
        #expect(blended == Dictionary(uniqueKeysWithValues: target.users.map { ($0.user, $0.candidates) }))
        #expect(RerankEvaluation.lists(target, order: RerankEvaluation.retrievalOrder) == blended)
    }

    @Test("the largest weight of the grid gives the LLM's order")
    func hugeWeight() {
        let target = Self.target(users: 12, llmKnows: true)
        let blended = RerankEvaluation.lists(target, order: RerankEvaluation.blendOrder(RerankEvaluation.weights.last!))
        #expect(blended == RerankEvaluation.lists(target, order: \.llmOrder))
        #expect(blended != RerankEvaluation.lists(target, order: RerankEvaluation.retrievalOrder))
    }

    @Test("the chosen weight is the validation argmax (ties: the smaller); rows are RankingMetrics of their orders")
    func choice() {
        let evaluation = Self.evaluation(validationKnows: true, testKnows: false)
        let report = evaluation.evaluate()
        #expect(report.grid.map(\.weight) == RerankEvaluation.weights)
        let best = report.grid.map(\.validation.ndcg).max()!
        #expect(report.chosenWeight == report.grid.first { $0.validation.ndcg == best }!.weight)
        #expect(report.chosenWeight > 0)
        // Validation chose; test (where the LLM knows nothing) reports the blend as it is.
        let rows = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.model, $0) })
        let retrieval = rows["retrieval (served order)"]!, blend = rows["blend at chosen weight"]!, llm = rows["LLM order alone"]!
        #expect(blend.validation.ndcg > retrieval.validation.ndcg && blend.test.ndcg < retrieval.test.ndcg)
        func metrics(_ target: RerankEvaluation.ScoredTarget, _ order: (RerankEvaluation.ScoredUser) -> [Int]) -> RankingMetrics {
            RankingMetrics(lists: RerankEvaluation.lists(target, order: order), relevant: target.truth, k: 10, catalogueSize: 5_000)
        }
        #expect(retrieval.validation == metrics(evaluation.validation, RerankEvaluation.retrievalOrder))
        #expect(retrieval.test == metrics(evaluation.test, RerankEvaluation.retrievalOrder))
        #expect(blend.test == metrics(evaluation.test, RerankEvaluation.blendOrder(report.chosenWeight)))
        #expect(llm.validation == metrics(evaluation.validation, \.llmOrder) && llm.validation.ndcg == 1)
        #expect(retrieval.changedTopK.validation == 0 && retrieval.changedTopK.test == 0 && llm.changedTopK.validation > 0)
        // Random orders: the same every time, different per round, and (with 2 of 20 relevant)
        // far from the LLM's perfect validation order.
        let random = rows["random order (mean of 10)"]!
        #expect(report.rows.count == 4 && random.validation == evaluation.randomMetrics(evaluation.validation))
        #expect(RerankEvaluation.lists(evaluation.test, order: RerankEvaluation.randomOrder(round: 3))
                == RerankEvaluation.lists(evaluation.test, order: RerankEvaluation.randomOrder(round: 3)))
        #expect(RerankEvaluation.lists(evaluation.test, order: RerankEvaluation.randomOrder(round: 3))
                != RerankEvaluation.lists(evaluation.test, order: RerankEvaluation.randomOrder(round: 4)))
        #expect(random.validation.ndcg > 0.1 && random.validation.ndcg < 0.6 && random.validation.users == 30)
        // Weights tried in any order give the same grid and choice.
        #expect(evaluation.evaluate(weights: RerankEvaluation.weights.reversed()).chosenWeight == report.chosenWeight)
    }

    @Test("an LLM that does not help leaves weight 0; constant LLM scores tie every weight, and the smallest wins")
    func noHelp() {
        #expect(Self.evaluation(validationKnows: false, testKnows: true).evaluate().chosenWeight == 0)
        var flat = Self.target(users: 10, llmKnows: true)
        for i in flat.users.indices { flat.users[i].llm = Array(repeating: 0.5, count: 20) }
        let report = RerankEvaluation(recommender: "r", k: 10, catalogueSize: 100, validation: flat, test: flat).evaluate(weights: [2, 0.5, 1])
        #expect(report.chosenWeight == 0.5 && report.grid.allSatisfy { $0.validation == report.grid[0].validation })
    }

    @Test("scoring: the scorer gets each user's likes and candidates as content, in order; --users picks the same users in both targets")
    func scoring() throws {
        let items = Dictionary(uniqueKeysWithValues: (1...50).map { (Int64($0), ItemContent(title: "Movie \($0)", year: 1990, categories: ["Drama"])) })
        func target(_ target: OfflineEvaluation.Target, _ users: ClosedRange<Int64>) -> OfflineEvaluation.TargetCandidates {
            .init(target: target, users: users.map { .init(user: $0, liked: [$0, $0 + 1, 99], candidates: [$0 + 2, $0 + 3, 77], scores: [3, 2, 1]) },
                  truth: Dictionary(uniqueKeysWithValues: users.map { ($0, [$0 + 3]) }))
        }
        let input = OfflineEvaluation.Candidates(recommender: "r", k: 2, depth: 3, validation: target(.validation, 1...20),
                                                 test: target(.test, 5...30), items: items, catalogueSize: 50)
        var calls: [(liked: [String], candidates: [String])] = [], progress: [Int] = []
        let evaluation = try RerankEvaluation(input, users: 4, scorer: { liked, candidates in
            calls.append((liked.map(\.title), candidates.map(\.title)))
            return candidates.indices.map { Float($0) }  // the reverse of retrieval's order
        }, progress: { done, total in
            progress.append(done)
            #expect(total == 8)
        })
        #expect(progress == Array(1...8))
        // Four users evenly spaced among the 16 both targets have (5...20); items without content:
        // a like is left out, a candidate is described by its id.
        #expect(evaluation.validation.users.map(\.user) == [5, 9, 13, 17] && evaluation.test.users.map(\.user) == [5, 9, 13, 17])
        #expect(Set(evaluation.test.truth.keys) == [5, 9, 13, 17])
        #expect(calls[0].liked == ["Movie 5", "Movie 6"] && calls[0].candidates == ["Movie 7", "Movie 8", "item 77"])
        #expect(evaluation.validation.users[0] == .init(user: 5, candidates: [7, 8, 77], retrieval: [3, 2, 1], llm: [0, 1, 2]))
        let report = evaluation.evaluate()
        #expect(report.users == (4, 4) && report.candidates == 3 && report.rows.last!.test.ndcg > 0)
        // All users without a limit; a wrong number of scores is an error.
        #expect(try RerankEvaluation(input, scorer: { _, c in c.map { _ in 0 } }).test.users.count == 26)
        #expect(throws: RerankingError.self) { try RerankEvaluation(input, scorer: { _, _ in [] }) }
    }

    @Test("subsets: evenly spaced common users first, topped up from each target's own")
    func subsets() {
        let chosen = RerankEvaluation.subset(validation: Array(1...20), test: Array(5...30), limit: 18)
        #expect(chosen.validation == Set(5...20).union([1, 3]) && chosen.test == Set(5...20).union([21, 26]))
        #expect(RerankEvaluation.subset(validation: [1, 2], test: [2, 3, 4], limit: 2) == ([1, 2], [2, 3]))
        #expect(RerankEvaluation.subset(validation: [1, 2], test: [2, 3], limit: nil) == ([1, 2], [2, 3]))
    }
}
