import FeatureRegistry

/// A recommender declared in `Config/recommenders/*.yaml`: where its interactions and item
/// features live in the feature store, what counts as a positive, and its hyperparameters.
public struct RecommenderDefinition: Sendable, Equatable {
    public struct Interactions: Sendable, Equatable {
        /// A view keyed by (user entity, item entity) whose event time is the interaction time.
        public var view: String
        public var user: String
        public var item: String
        /// A numeric feature of the view (a rating); nil: every event weighs 1 (or its kind's weight).
        public var weight: String?
        /// A string feature of the view naming the interaction's kind (view, click, like, …).
        public var kind: String?
        /// Each kind's weight, used when the weight feature is null (a like carries no rating).
        public var kinds: [String: Double] = [:]

        /// One interaction's weight: its weight feature when present, else its kind's weight;
        /// nil when it has neither (a row that is not an interaction).
        public func weight(value: Double?, kind: String?) throws(RecommenderError) -> Double? {
            if let value { return value }
            if let kind {
                guard let w = kinds[kind] else {
                    throw RecommenderError("interaction kind \"\(kind)\" has no weight (kinds: \(kinds.keys.sorted().joined(separator: ", ")))")
                }
                return w
            }
            return weight == nil && self.kind == nil ? 1 : nil
        }
    }

    /// How served recommendations are ranked: the components' weights (as `pantry evaluate`
    /// chose them on validation; names as in its report) over standardised scores, and how many
    /// candidates each index search returns before ranking.
    public struct Ranking: Sendable, Equatable {
        public static let components = ["ease", "als_liked_items", "als_user_factors", "content", "popularity", "trending"]
        public var weights: [String: Float] = ["als_liked_items": 1]
        public var collaborativeCandidates = 100
        public var contentCandidates = 20
    }

    /// The LLM reranking stage (`rerank:` in the YAML): how many of the served path's top
    /// candidates the LLM scores, how many of the user's recent likes its prompt lists, and the
    /// weight of its standardised score in the final order (`RerankBlend`; 0 keeps retrieval's
    /// order), as `pantry rerank --evaluate` chose it on validation.
    public struct RerankSettings: Sendable, Equatable {
        public static let candidateRange = 1...100, likesRange = 1...50
        public var candidates = 20
        public var weight: Float = 0
        public var likes = 8

        public init(candidates: Int = 20, weight: Float = 0, likes: Int = 8) {
            (self.candidates, self.weight, self.likes) = (candidates, weight, likes)
        }
    }

    public struct Items: Sendable, Equatable {
        /// A view keyed by the item entity holding the content features.
        public var view: String
        public var title: String?
        public var year: String?
        public var categories: String?
        /// Text embeddings of the items (a `vector(n)` feature keyed by the item, written by an
        /// embedding job): part of the content space, and the space `GET /v1/search` searches.
        public var text: FeatureReference?
        /// The text block's weight in the content vector (the other blocks: categories 1,
        /// decade 0.5, title words 0.3).
        public var textWeight: Float = 1
    }

    /// Where `pantry train` writes its results: factor views (each keyed by its entity alone,
    /// with a `vector(factors)` feature) and the item index file.
    public struct Output: Sendable, Equatable {
        public var itemView: String
        public var userView: String?
        public var feature: String
        public var index: String

        /// The other files `pantry train` writes next to `index`: the content index (cosine),
        /// the text index (text embeddings alone, cosine: search), the "more like this" index
        /// (ALS vectors by cosine) and the EASE matrix.
        public var contentIndex: String { sibling("content.hnsw") }
        public var textIndex: String { sibling("text.hnsw") }
        public var similarIndex: String { sibling("similar.hnsw") }
        public var easeMatrix: String { sibling("ease.f32") }

        private func sibling(_ suffix: String) -> String {
            (index.hasSuffix(".hnsw") ? String(index.dropLast(5)) : index) + "-" + suffix
        }
    }

    public var name: String
    public var project: String
    public var interactions: Interactions
    /// Interactions whose weight is at least this are positives; the others are dropped.
    public var minimumPositiveWeight: Double
    public var items: Items?
    public var collaborative: ALSParameters
    /// EASE's λ candidates, tuned on validation.
    public var easeLambdas: [Double]
    /// EASE's λ for training and serving (nil: no EASE in the served model).
    public var easeLambda: Double?
    public var ranking = Ranking()
    public var holdout: Int
    public var minimumPositives: Int
    public var k: Int
    public var output: Output?
    /// Live profiles: liked items' weight halves every this many likes back (nil: equal weights).
    public var recencyHalfLife: Double?
    /// Live profiles keep each user's newest this many interactions online.
    public var profileLimit = 500
    /// The LLM reranking stage's settings (nil: no `rerank:` block).
    public var rerank: RerankSettings?
}
