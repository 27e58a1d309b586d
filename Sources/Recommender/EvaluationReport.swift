import Foundation

/// The figures of one evaluation run, as Markdown (and the lists, for `--write-recs`).
public struct EvaluationReport: Sendable {
    public struct Row: Sendable {
        public var model: String
        public var metrics: RankingMetrics
        /// The model's figures on validation, when it was tuned there.
        public var validation: RankingMetrics?
    }

    public struct Counts: Sendable {
        public var testUsers, testRows, trainRows, validationUsers, validationRows, fitRows, items: Int
    }

    public var recommender: String
    public var target: OfflineEvaluation.Target
    public var k: Int
    public var rows: [Row]
    public var tuned: OfflineEvaluation.Tuned
    public var lists: [String: [Int64: [Int64]]]
    public var counts: Counts
    /// The collaborative index's recall and speed at several ef, on the evaluated users' profiles.
    public var indexCurve: IndexCurve?
    public var fitSeconds: Double
    public var alsSeconds: Double
    public var easeSeconds: Double
    public var totalSeconds: Double

    /// - Parameter chart: the chart's file name relative to the report, to show it inline.
    public func markdown(chart: String? = nil) -> String {
        let set = target == .test ? "test" : "validation"
        var text = """
            # Evaluation of recommender `\(recommender)` on \(set)

            Protocol: positives are interactions at or above the definition's minimum weight (the rest are dropped);
            per user, positives ordered by (time, splitmix64 tie-break, item id); users with enough positives hold out
            their last ones. Train: \(counts.trainRows) rows; test: \(counts.testUsers) users, \(counts.testRows) rows;
            fit/validation (the same rule on train): \(counts.fitRows) / \(counts.validationRows) rows, \(counts.validationUsers) users.
            Catalogue: \(counts.items) items. Metrics at k = \(k), averaged over all evaluated users; training positives are never recommended.

            \(chart.map { "![metrics per model](\($0))\n" } ?? "")
            | model | NDCG@\(k) | precision | recall | MAP | hit rate | coverage | validation NDCG |
            |---|---|---|---|---|---|---|---|

            """
        for row in rows {
            let m = row.metrics
            text += String(format: "| %@ | %.4f | %.4f | %.4f | %.4f | %.4f | %.4f | %@ |\n", row.model, m.ndcg, m.precision, m.recall,
                           m.map, m.hitRate, m.coverage, row.validation.map { String(format: "%.4f", $0.ndcg) } ?? "–")
        }
        let als = tuned.als
        text += """

            Chosen on validation: ALS \(als.factors) factors, \(als.iterations) iterations, α \(als.alpha) (confidence 1 + α), λ \(als.regularization); \
            EASE λ \(tuned.easeLambda.map { String($0) } ?? "–"); recency half-life \(tuned.recencyHalfLife.map { "\(Int($0)) likes" } ?? "none"); hybrid weights \(tuned.weights.map { String($0) }.joined(separator: ", ")) \
            (components: EASE, ALS liked-items profile, ALS user factors, content, popularity, trending — standardised scores).
            Final fit on the training split: \(String(format: "%.2f", fitSeconds)) s (ALS \(String(format: "%.3f", alsSeconds)) s on one thread, \
            EASE \(String(format: "%.3f", easeSeconds)) s); whole run \(String(format: "%.1f", totalSeconds)) s.

            `served` is the serving path itself: candidates from HNSW indexes over the same vectors (the profile by inner
            product, content by cosine), seen items denied inside the walk, ranked by the same blend.

            """
        if let curve = indexCurve {
            text += """

                The collaborative index on these users' profiles (top \(k) by inner product, seen items denied in the walk),
                against an exact scan (\(String(format: "%.0f", curve.exactQueriesPerSecond)) queries/s on one thread):

                | ef | recall@\(k) | queries/s (one thread) |
                |---|---|---|

                """
            for p in curve.points { text += String(format: "| %d | %.4f | %.0f |\n", p.ef, p.recall, p.queriesPerSecond) }
        }
        return text
    }

    /// `user_id,item_id,rank` lines of one model's lists (rank from 1), users and ranks ascending.
    public func recommendationsCSV(model: String) -> String? {
        guard let lists = lists[model] else { return nil }
        var text = "user_id,item_id,rank\n"
        for user in lists.keys.sorted() {
            for (rank, item) in lists[user]!.enumerated() { text += "\(user),\(item),\(rank + 1)\n" }
        }
        return text
    }
}
