import COpenBLAS

/// Scores items by inner product with a query vector built from item embeddings (ALS item
/// factors or content vectors), in one of two ways:
/// - `.userFactors`: the user's own trained vector (ALS; unknown users score nothing);
/// - `.likedItems`: the (recency-weighted) mean of the liked items' vectors, the live profile, which works for any
///   user and follows a new like at once (inner product, as the analysis showed cosine
///   halves NDCG for ALS vectors whose length carries popularity).
public struct EmbeddingScorer: ItemScorer {
    public enum Query: String, Sendable { case userFactors = "user_factors", likedItems = "liked_items" }

    public let name: String
    public let query: Query
    public let dimensions: Int
    /// Row-major `items × dimensions`.
    public let itemVectors: [Float]
    /// Row-major `users × dimensions` (for `.userFactors`).
    public let userVectors: [Float]
    /// For `.likedItems`: the mean is weighted by ``recencyWeights(count:halfLife:)``.
    public var recencyHalfLife: Double?

    public init(name: String, query: Query, dimensions: Int, itemVectors: [Float], userVectors: [Float] = [], recencyHalfLife: Double? = nil) {
        self.recencyHalfLife = recencyHalfLife
        self.name = name
        self.query = query
        self.dimensions = dimensions
        self.itemVectors = itemVectors
        self.userVectors = userVectors
    }

    public var itemCount: Int { itemVectors.count / max(dimensions, 1) }

    /// The query vector for a user, or nil when there is none.
    public func queryVector(user: Int?, liked: [Int32]) -> [Float]? {
        let d = dimensions
        switch query {
        case .userFactors:
            guard let user, (user + 1) * d <= userVectors.count else { return nil }
            return Array(userVectors[user * d..<(user + 1) * d])
        case .likedItems:
            let known = zip(liked, recencyWeights(count: liked.count, halfLife: recencyHalfLife)).filter { Int($0.0) < itemCount }
            return weightedMean(rows: itemVectors, dimensions: d, positions: known.map { Int($0.0) }, weights: known.map(\.1))
        }
    }

    public func scores(user: Int?, liked: [Int32], into out: inout [Float]) {
        let n = itemCount
        guard let q = queryVector(user: user, liked: liked) else {
            out = [Float](repeating: -.infinity, count: n)
            return
        }
        out = [Float](repeating: 0, count: n)
        cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(n), Int32(dimensions), 1, itemVectors, Int32(dimensions), q, 1, 0, &out, 1)
    }
}
