import Foundation

/// Top-k metrics averaged over evaluated users (binary relevance). A user without a list
/// scores 0 on every metric; coverage counts distinct recommended items over the catalogue.
public struct RankingMetrics: Sendable, Equatable, CustomStringConvertible {
    public var precision = 0.0, recall = 0.0, ndcg = 0.0, map = 0.0, hitRate = 0.0, coverage = 0.0
    public var users = 0

    public init() {}

    /// - Parameters:
    ///   - lists: ranked items per user (only the first `k` count).
    ///   - relevant: the held-out items per evaluated user (the average is over these users).
    ///   - catalogueSize: items that could be recommended, for coverage.
    public init(lists: [Int64: [Int64]], relevant: [Int64: Set<Int64>], k: Int, catalogueSize: Int) {
        var recommended = Set<Int64>()
        for (user, truth) in relevant {
            let list = (lists[user] ?? []).prefix(k)
            recommended.formUnion(list)
            var hits = 0, dcg = 0.0, precisionSum = 0.0
            for (rank, item) in list.enumerated() where truth.contains(item) {
                hits += 1
                dcg += 1 / log2(Double(rank) + 2)
                precisionSum += Double(hits) / Double(rank + 1)
            }
            let ideal = min(k, truth.count)
            let idcg = (0..<ideal).reduce(0.0) { $0 + 1 / log2(Double($1) + 2) }
            precision += Double(hits) / Double(k)
            recall += truth.isEmpty ? 0 : Double(hits) / Double(truth.count)
            ndcg += idcg > 0 ? dcg / idcg : 0
            map += ideal > 0 ? precisionSum / Double(ideal) : 0
            hitRate += hits > 0 ? 1 : 0
        }
        users = relevant.count
        if users > 0 {
            let n = Double(users)
            precision /= n; recall /= n; ndcg /= n; map /= n; hitRate /= n
        }
        coverage = catalogueSize > 0 ? Double(recommended.count) / Double(catalogueSize) : 0
    }

    /// The mean of each metric over `all` (e.g. several random orders of the same lists); `users`
    /// is the first's.
    public static func mean(_ all: [RankingMetrics]) -> RankingMetrics {
        var mean = RankingMetrics()
        guard let first = all.first else { return mean }
        let n = Double(all.count)
        for m in all {
            mean.precision += m.precision / n; mean.recall += m.recall / n; mean.ndcg += m.ndcg / n
            mean.map += m.map / n; mean.hitRate += m.hitRate / n; mean.coverage += m.coverage / n
        }
        mean.users = first.users
        return mean
    }

    public var description: String {
        String(format: "NDCG %.4f  precision %.4f  recall %.4f  MAP %.4f  hit rate %.4f  coverage %.4f (%d users)",
               ndcg, precision, recall, map, hitRate, coverage, users)
    }
}
