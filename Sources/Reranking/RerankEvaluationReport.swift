import Foundation
import Recommender

/// The figures of ``RerankEvaluation/evaluate(weights:)``, as a table and as Markdown.
public struct RerankEvaluationReport: Sendable {
    public struct Row: Sendable {
        public var model: String
        /// The blend weight (nil: not a blend).
        public var weight: Float?
        public var validation: RankingMetrics
        public var test: RankingMetrics
        /// Shares of users whose top k items differ from retrieval's (random orders: the first).
        public var changedTopK: (validation: Double, test: Double)
    }

    /// One weight of the grid on validation.
    public struct GridPoint: Sendable {
        public var weight: Float
        public var validation: RankingMetrics
        public var changedTopK: Double
    }

    public var recommender: String
    public var k: Int
    /// The weight with the best validation NDCG@k (ties: the smaller).
    public var chosenWeight: Float
    /// Retrieval alone, the blend at the chosen weight, the LLM's order alone, random orders.
    public var rows: [Row]
    public var grid: [GridPoint]
    public var users: (validation: Int, test: Int)
    /// Candidates reranked per user (the most any user had).
    public var candidates: Int
    public var scoringSeconds: Double

    /// The comparison table: NDCG@k, recall and hit rate on validation and on test.
    public var table: String {
        var text = "| model | val NDCG@\(k) | val recall | val hit rate | test NDCG@\(k) | test recall | test hit rate | top \(k) changed (val / test) |\n"
        text += "|---|---|---|---|---|---|---|---|\n"
        for row in rows {
            let name = row.model + (row.weight.map { String(format: " (w = %g)", $0) } ?? "")
            let (v, t) = (row.validation, row.test)
            text += String(format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %.1f %% / %.1f %% |\n", name, v.ndcg, v.recall, v.hitRate,
                           t.ndcg, t.recall, t.hitRate, 100 * row.changedTopK.validation, 100 * row.changedTopK.test)
        }
        return text
    }

    /// - Parameter setup: lines describing the run (model file, likes in the prompt, command).
    public func markdown(setup: String) -> String {
        var text = """
            # LLM reranker, offline (`pantry rerank --evaluate`, recommender `\(recommender)`)

            \(setup)

            Protocol of `pantry evaluate` run once (hyperparameters tuned on validation): for each user, the served path's
            top \(candidates) candidates (HNSW candidates, ranked by the tuned blend), fitted on the inner train split for
            validation and on the outer train split for test. Each candidate scored once by the LLM; the final order is
            `RerankBlend` (standardised retrieval score + w · standardised LLM score). The weight is chosen on validation
            NDCG@\(k) alone (ties: the smaller weight); test plays no part. Users: \(users.validation) validation, \(users.test) test.
            LLM scoring: \(String(format: "%.0f", scoringSeconds)) s. Metrics at k = \(k) over those users (items outside the candidates cannot be recovered).

            **Chosen weight: \(String(format: "%g", chosenWeight))**\(chosenWeight == 0 ? " — the LLM score did not improve validation NDCG at any weight tried; the served order stays retrieval's." : "")

            \(table)
            ## Validation grid

            | w | val NDCG@\(k) | val recall | val hit rate | top \(k) changed |
            |---|---|---|---|---|

            """
        for p in grid {
            text += String(format: "| %g | %.4f | %.4f | %.4f | %.1f %% |\n", p.weight, p.validation.ndcg, p.validation.recall,
                           p.validation.hitRate, 100 * p.changedTopK)
        }
        return text
    }
}
