import FeatureRegistry

/// A recommender declared in `Config/recommenders/*.yaml`: where its interactions and item
/// features live in the feature store, what counts as a positive, and its hyperparameters.
public struct RecommenderDefinition: Sendable, Equatable {
    public struct Interactions: Sendable, Equatable {
        /// A view keyed by (user entity, item entity) whose event time is the interaction time.
        public var view: String
        public var user: String
        public var item: String
        /// A numeric feature of the view (a rating, a kind's weight); nil: every event weighs 1.
        public var weight: String?
    }

    public struct Items: Sendable, Equatable {
        /// A view keyed by the item entity holding the content features.
        public var view: String
        public var title: String?
        public var year: String?
        public var categories: String?
    }

    /// Where `pantry train` writes its results: factor views (each keyed by its entity alone,
    /// with a `vector(factors)` feature) and the item index file.
    public struct Output: Sendable, Equatable {
        public var itemView: String
        public var userView: String?
        public var feature: String
        public var index: String
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
    public var holdout: Int
    public var minimumPositives: Int
    public var k: Int
    public var output: Output?
    /// Live profiles: liked items' weight halves every this many likes back (nil: equal weights).
    public var recencyHalfLife: Double?
}
