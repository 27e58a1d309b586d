import Foundation
import VectorIndex

/// The collaborative index's recall–speed trade-off on the evaluation's own queries: each
/// evaluated user's liked-items profile, searched for the top k by inner product with their
/// seen items denied, by the HNSW walk at several `ef` against an exact scan.
public struct IndexCurve: Sendable {
    public struct Point: Sendable {
        public var ef: Int
        /// Mean fraction of the exact top k the walk returned.
        public var recall: Double
        /// Searches per second on one thread.
        public var queriesPerSecond: Double
    }

    public var points: [Point]
    /// The exact scan's searches per second, for comparison.
    public var exactQueriesPerSecond: Double

    static let efs = [10, 16, 24, 32, 64, 128]

    /// - Parameter profiles: (query vector, denied ids) per user.
    init(model: RecommendationModel, profiles: [(query: [Float], seen: Set<Int64>)], k: Int) {
        // The exact answers from Pantry's exact index (the same kernels, every vector compared).
        let f = model.collaborative.dimensions
        let flat = try? FlatIndex(dimensions: f, metric: .innerProduct)
        for (i, id) in model.catalogue.ids.enumerated() { try? flat?.add(id: id, vector: Array(model.alsVectors[i * f..<(i + 1) * f])) }
        var exact: [Set<Int64>] = []
        let exactStarted = Date()
        for (query, seen) in profiles {
            exact.append(Set(((try? flat?.search(query, k: k, filter: .deny(seen))) ?? []).map(\.id)))
        }
        exactQueriesPerSecond = Double(profiles.count) / max(Date().timeIntervalSince(exactStarted), 1e-9)
        points = Self.efs.filter { $0 >= k }.map { ef in
            var hits = 0
            let started = Date()
            var found: [[SearchResult]] = []
            found.reserveCapacity(profiles.count)
            for (query, seen) in profiles {
                found.append((try? model.collaborative.search(query, k: k, ef: ef, filter: .deny(seen))) ?? [])
            }
            let seconds = max(Date().timeIntervalSince(started), 1e-9)
            for (results, truth) in zip(found, exact) { hits += results.filter { truth.contains($0.id) }.count }
            let possible = exact.reduce(0) { $0 + $1.count }
            return Point(ef: ef, recall: possible > 0 ? Double(hits) / Double(possible) : 1, queriesPerSecond: Double(profiles.count) / seconds)
        }
    }
}
