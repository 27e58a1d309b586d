import Core
import DemoData
import VectorIndex

/// Small clustered and uniform data sets, the flat index's exact answers, and recall.
enum VectorIndexFixture {
    /// `gmm-10k-32`'s first `count` base points and `queries` queries.
    static func clustered(count: Int, queries: Int) -> (base: [[Float]], queries: [[Float]]) {
        let set = GaussianMixtureVectors.standard["gmm-10k-32"]!
        return ((0..<count).map(set.base), (0..<queries).map(set.query))
    }

    /// Uniform in [-1, 1)^dimensions, seeded.
    static func uniform(count: Int, dimensions: Int, seed: UInt64) -> [[Float]] {
        var random = SplitMix64(seed: seed)
        return (0..<count).map { _ in (0..<dimensions).map { _ in Float.random(in: -1..<1, using: &random) } }
    }

    static func flat(_ base: [[Float]], metric: Metric, ids: (Int) -> Int64 = { Int64($0) }) throws -> FlatIndex {
        let flat = try FlatIndex(dimensions: base[0].count, metric: metric)
        for (index, vector) in base.enumerated() { try flat.add(id: ids(index), vector: vector) }
        return flat
    }

    /// Mean share of the exact top-k found, over the queries.
    static func recall(_ found: [[SearchResult]], _ exact: [[SearchResult]]) -> Double {
        let hits = zip(found, exact).map { found, exact in Set(found.map(\.id)).intersection(exact.map(\.id)).count }
        let total = exact.map(\.count).reduce(0, +)
        return total == 0 ? 1 : Double(hits.reduce(0, +)) / Double(total)
    }
}
