import DemoData
import Foundation
import Testing
@testable import Recommender

/// A slice of the real MovieLens-100k (users ≤ 300, movies ≤ 400) through the whole protocol:
/// small enough for a debug build in CI, real enough that the models must beat popularity.
@Suite("Offline evaluation on a MovieLens slice")
struct OfflineEvaluationTests {
    static func slice() throws -> RecommenderData {
        let dir = try MovieLensFiles.directory()
        let inter = try RecBoleAtomicFile(path: dir + "/ml-100k.inter")
        let (u, i, r, t) = (try inter.column("user_id"), try inter.column("item_id"), try inter.column("rating"), try inter.column("timestamp"))
        let interactions = inter.records.compactMap { rec -> Interaction? in
            guard let user = Int64(rec[u]), let item = Int64(rec[i]), user <= 300, item <= 400,
                  let rating = Double(rec[r]), let seconds = Double(rec[t]) else { return nil }
            return Interaction(user: user, item: item, weight: rating, time: Int64(seconds) * 1_000_000)
        }
        let item = try RecBoleAtomicFile(path: dir + "/ml-100k.item")
        var items: [Int64: ItemContent] = [:]
        for rec in item.records {
            guard let id = Int64(rec[0]), id <= 400 else { continue }
            items[id] = ItemContent(title: String(rec[1]), year: Int(rec[2]), categories: rec[3].split(separator: " ").map(String.init))
        }
        return RecommenderData(interactions: interactions, items: items)
    }

    @Test("validation and test runs: lists hold k unseen items, every model beats nothing, the hybrid beats popularity; the served candidates of both targets")
    func slice() throws {
        var definition = try RecommenderDefinition.load(path: RecommenderDefinitionTests.root + "/Config/recommenders/movielens.yaml")
        definition.collaborative.iterations = 5
        definition.easeLambdas = [50, 200]
        let data = try Self.slice()
        let evaluation = OfflineEvaluation(definition: definition, data: data)
        let splits = try evaluation.splitAndTune { _ in }  // tuned once for the run and the candidates
        let report = try evaluation.run(target: .test, splits: splits)
        #expect(report.counts.items == 400)
        #expect(report.counts.testRows == 5 * report.counts.testUsers)
        let train = Set(EvaluationSplit(positives: data.positives(minimumWeight: 4)).train.map { "\($0.user):\($0.item)" })
        for (model, lists) in report.lists {
            for (user, list) in lists {
                #expect(list.count == 10, "\(model) user \(user): \(list.count) items")
                #expect(Set(list).count == list.count)
                #expect(!list.contains { train.contains("\(user):\($0)") }, "\(model) recommended a training positive to \(user)")
            }
        }
        let ndcg = Dictionary(uniqueKeysWithValues: report.rows.map { ($0.model, $0.metrics.ndcg) })
        #expect(Set(ndcg.keys) == ["popularity", "trending", "als_user_factors", "als_liked_items", "content", "ease", "ease_unweighted", "hybrid", "served"])
        #expect(ndcg.values.allSatisfy { $0 > 0 })
        #expect(ndcg["hybrid"]! > ndcg["popularity"]!, "\(ndcg)")
        #expect(report.markdown().contains("| hybrid |"))
        // The served path (index candidates) loses little against the full-catalogue hybrid.
        #expect(ndcg["served"]! > 0.9 * ndcg["hybrid"]!, "\(ndcg)")
        let curve = try #require(report.indexCurve)
        #expect(curve.points.map(\.ef) == [10, 16, 24, 32, 64, 128] && curve.points.allSatisfy { (0...1).contains($0.recall) && $0.queriesPerSecond > 0 })
        #expect(curve.points.last!.recall > 0.95)
        #expect(EvaluationChart.svg(report).contains("<polyline"))
        let csv = try #require(report.recommendationsCSV(model: "hybrid"))
        #expect(csv.split(separator: "\n").count == 1 + 10 * report.counts.testUsers)
        try Self.checkCandidates(try evaluation.candidates(depth: 20, splits: splits), data: data, served: ndcg["served"]!)
    }

    /// Both targets' served top N: retrieval scores falling, never a training positive, the
    /// users' training likes in order, the truth of the split; the first k are the `served` row's
    /// answer (the same NDCG up to the HNSW graphs, built again on two threads).
    static func checkCandidates(_ candidates: OfflineEvaluation.Candidates, data: RecommenderData, served: Double) throws {
        #expect(candidates.k == 10 && candidates.depth == 20 && candidates.catalogueSize == 400 && candidates.items == data.items)
        let outer = EvaluationSplit(positives: data.positives(minimumWeight: 4)), inner = EvaluationSplit(positives: outer.train)
        for (target, split) in [(candidates.validation, inner), (candidates.test, outer)] {
            #expect(target.truth == split.testItems)
            #expect(target.users.map(\.user) == split.testItems.keys.sorted())
            var liked: [Int64: [Int64]] = [:]
            for p in split.train { liked[p.user, default: []].append(p.item) }
            for user in target.users {
                #expect(user.liked == liked[user.user])
                #expect(user.candidates.count == 20 && Set(user.candidates).count == 20 && Set(user.candidates).isDisjoint(with: user.liked))
                #expect(zip(user.scores, user.scores.dropFirst()).allSatisfy { $0 >= $1 }, "user \(user.user): \(user.scores)")
            }
        }
        let top = RankingMetrics(lists: Dictionary(uniqueKeysWithValues: candidates.test.users.map { ($0.user, Array($0.candidates.prefix(10))) }),
                                 relevant: candidates.test.truth, k: 10, catalogueSize: 400)
        #expect(abs(top.ndcg - served) < 0.01, "candidates \(top.ndcg), served \(served)")
        #expect(throws: RecommenderError.self) { try OfflineEvaluation(definition: try RecommenderDefinition.load(
            path: RecommenderDefinitionTests.root + "/Config/recommenders/movielens.yaml"), data: data).candidates(depth: 0) }
    }
}
