import VectorIndex

/// What a natural-language search asks, once its text is encoded.
public struct SearchQuery: Sendable {
    /// The query's text embedding (same encoder as the items' texts).
    public var vector: [Float]
    public var k: Int
    public var offset: Int
    public var filter: ItemFilter
    /// The user's liked items, oldest first, for personalisation (empty: none).
    public var liked: [Int64]
    /// The profile's weight against the text match (0: the text alone).
    public var personalization: Float

    /// The profile's weight when a user is given without one.
    public static let defaultPersonalization: Float = 0.3

    public init(vector: [Float], k: Int = 10, offset: Int = 0, filter: ItemFilter = ItemFilter(), liked: [Int64] = [],
                personalization: Float = defaultPersonalization) {
        self.vector = vector
        self.k = k
        self.offset = offset
        self.filter = filter
        self.liked = liked
        self.personalization = personalization
    }
}

extension RecommendationModel {
    /// Items whose text is closest to the query's (cosine, the text index, filters inside the
    /// walk). Without a profile, items are ranked by that cosine. With one (`liked`, a positive
    /// `personalization`), more candidates are drawn and ranked by the standardised text score
    /// plus `personalization` × the standardised ALS score of the user's profile: among items
    /// that match the words, the user's taste decides.
    public func search(_ query: SearchQuery) throws(RecommendationError) -> [Recommendation.Item] {
        let depth = try Self.depth(k: query.k, offset: query.offset)
        guard let textIndex, let statistics = textStatistics else {
            throw RecommendationError(.unavailable, "model version \(version) of \(definition.name) has no text index: run the embedding job, then pantry train (with items.text in the definition)")
        }
        let d = textIndex.dimensions
        guard query.vector.count == d, query.vector.allSatisfy(\.isFinite) else {
            throw RecommendationError(.badParameter, "query vector: \(query.vector.count) finite values expected \(d)")
        }
        guard (0...10).contains(query.personalization) else {
            throw RecommendationError(.badParameter, "personalization: \(query.personalization), expected 0...10")
        }
        let likedRows = query.liked.compactMap { catalogue.position(of: $0).map(Int.init) }
        let (positions, weights) = recentLikes(likedRows)
        let profile = query.personalization > 0 && !positions.isEmpty
            ? weightedMean(rows: alsVectors, dimensions: collaborative.dimensions, positions: positions, weights: weights) : nil
        let filter = searchFilter(query.filter, excluding: [])
        let found = search(textIndex, query.vector, k: profile == nil ? depth : max(depth, Self.personalizedCandidates), filter: filter)
        // Catalogue moments (O(d²) each) only when a profile blends in.
        let textMoments = profile.map { _ in statistics.moments(of: query.vector) }
        let alsMoments = profile.map { alsStatistics.moments(of: $0) }
        let f = collaborative.dimensions
        let items = found.compactMap { result -> Recommendation.Item? in
            guard let p = catalogue.position(of: result.id).map(Int.init) else { return nil }
            let cosine = dot(query.vector, textVectors, p * d)
            guard let profile, let alsMoments, let textMoments else {
                return Recommendation.Item(item: result.id, score: cosine, components: ["text_cosine": cosine], sources: ["text"])
            }
            let text = standardised(cosine, textMoments), taste = standardised(dot(profile, alsVectors, p * f), alsMoments)
            return Recommendation.Item(item: result.id, score: text + query.personalization * taste,
                                       components: ["text_cosine": cosine, "text": text, "als_liked_items": taste], sources: ["text"])
        }.sorted { ($0.score, $1.item) > ($1.score, $0.item) }
        return Array(items.dropFirst(query.offset).prefix(query.k))
    }

    /// Text candidates drawn for a personalised search before the profile reorders them.
    static let personalizedCandidates = 100
}
