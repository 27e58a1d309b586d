import VectorIndex

/// Which items a request allows: a genre (category) and a release-year range.
public struct ItemFilter: Sendable, Equatable {
    public var category: String?
    public var years: ClosedRange<Int>?

    public init(category: String? = nil, years: ClosedRange<Int>? = nil) {
        self.category = category
        self.years = years
    }

    public var isEmpty: Bool { category == nil && years == nil }

    public func admits(_ content: ItemContent?) -> Bool {
        guard !isEmpty else { return true }
        guard let content else { return false }
        if let category, !content.categories.contains(category) { return false }
        if let years { guard let year = content.year, years.contains(year) else { return false } }
        return true
    }
}

/// Candidates for a user from a trained model's item index: the recency-weighted mean of the
/// user's liked items' vectors searched by inner product, with the user's own items denied and
/// the request's filters allowed *inside* the graph walk (so a selective filter still fills
/// `k`); users with no usable likes get the most popular allowed items (`coldStart`).
public struct CandidateSearch: Sendable {
    public struct Candidate: Sendable, Equatable {
        public var item: Int64
        public var score: Float
        /// Where the candidate came from: `collaborative` (the index) or `popular`.
        public var source: String
    }

    public let index: HNSWIndex
    /// Item ids, most popular first.
    public let popular: [Int64]
    public let content: [Int64: ItemContent]
    public let recencyHalfLife: Double?

    public init(index: HNSWIndex, popular: [Int64], content: [Int64: ItemContent], recencyHalfLife: Double?) {
        self.index = index
        self.popular = popular
        self.content = content
        self.recencyHalfLife = recencyHalfLife
    }

    /// - Parameter liked: the user's liked items, oldest first (unknown ids are skipped).
    public func recommend(liked: [Int64], k: Int, filter: ItemFilter = ItemFilter(), ef: Int = 64) throws -> (candidates: [Candidate], coldStart: Bool) {
        guard (1...1000).contains(k) else { throw RecommenderError("k: \(k), expected 1...1000") }
        let seen = Set(liked)
        let vectors = liked.compactMap { index.vector(id: $0) }
        guard !vectors.isEmpty else {
            let items = popular.lazy.filter { !seen.contains($0) && filter.admits(content[$0]) }.prefix(k)
            // Score: the reciprocal of the popularity rank among the allowed items.
            return (items.enumerated().map { Candidate(item: $1, score: 1 / Float($0 + 1), source: "popular") }, true)
        }
        let weights = recencyWeights(count: vectors.count, halfLife: recencyHalfLife)
        var profile = [Float](repeating: 0, count: index.dimensions)
        for (vector, w) in zip(vectors, weights) { for d in profile.indices { profile[d] += w * vector[d] } }
        let total = weights.reduce(0, +)
        profile = profile.map { $0 / total }
        let searchFilter: SearchFilter = filter.isEmpty
            ? .deny(seen)
            : .allow(content.keys.filter { !seen.contains($0) && filter.admits(content[$0]) })
        let found = try index.search(profile, k: k, ef: max(ef, k), filter: searchFilter)
        // Inner-product distance is 1 − a·b: the score is the dot product itself.
        return (found.map { Candidate(item: $0.id, score: 1 - $0.distance, source: "collaborative") }, false)
    }

    /// Items whose vectors are nearest `item`'s (itself left out), with the same filters.
    public func similar(to item: Int64, k: Int, filter: ItemFilter = ItemFilter(), ef: Int = 64) throws -> [Candidate] {
        guard (1...1000).contains(k) else { throw RecommenderError("k: \(k), expected 1...1000") }
        guard let vector = index.vector(id: item) else { throw RecommenderError("unknown item \(item)") }
        let searchFilter: SearchFilter = filter.isEmpty
            ? .deny([item])
            : .allow(content.keys.filter { $0 != item && filter.admits(content[$0]) })
        return try index.search(vector, k: k, ef: max(ef, k), filter: searchFilter)
            .map { Candidate(item: $0.id, score: 1 - $0.distance, source: "collaborative") }
    }
}
