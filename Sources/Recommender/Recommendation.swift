/// A ranked answer of the recommendation door: each item with its final score, its
/// standardised component scores and where it came from.
public struct Recommendation: Sendable, Equatable {
    public struct Item: Sendable, Equatable {
        public var item: Int64
        public var score: Float
        /// Component name (as in the definition's `ranking.weights`) → standardised score.
        public var components: [String: Float]
        /// `collaborative` and/or `content` (the index searches), or `popular`.
        public var sources: [String]
    }

    public var items: [Item]
    /// True when the user had no usable likes and got popular items.
    public var coldStart: Bool
    /// Candidates ranked (the union of the index searches and any popular fill).
    public var candidates: Int
}

/// What a recommendation request asks.
public struct RecommendationQuery: Sendable {
    /// The user's liked items, oldest first (the live profile, plus a session's context).
    public var liked: [Int64]
    /// Items never to return (everything the user interacted with).
    public var exclude: Set<Int64>
    /// The user's trained factors, when the model has them.
    public var userFactors: [Float]?
    public var k: Int
    public var offset: Int
    public var filter: ItemFilter

    public init(liked: [Int64], exclude: Set<Int64>, userFactors: [Float]? = nil, k: Int = 10, offset: Int = 0, filter: ItemFilter = ItemFilter()) {
        self.liked = liked
        self.exclude = exclude
        self.userFactors = userFactors
        self.k = k
        self.offset = offset
        self.filter = filter
    }
}

/// A request the model cannot answer: an unknown item, a parameter out of range, or a part
/// of the model this version does not have (a search without a text index).
public struct RecommendationError: Error, CustomStringConvertible, Sendable, Equatable {
    public enum Kind: Sendable { case notFound, badParameter, unavailable }
    public let kind: Kind
    public let description: String
    public init(_ kind: Kind, _ description: String) {
        self.kind = kind
        self.description = description
    }
}
