import Foundation
import Inference
import Recommender
import Synchronization
import VectorIndex

/// Natural-language search's shared state: the sentence encoder (the items' text embeddings
/// came from the same model) and a semantic cache of answers per recommender.
///
/// The cache answers in two ways: the same normalised text in the same scope (k, offset,
/// filters) returns its answer without encoding; a new text is encoded and, if its vector is
/// within the cosine threshold of a cached query's in the same scope, reuses that answer.
/// Personalised searches are not cached (a profile changes with every like) but reuse a cached
/// text's vector. Each recommender's cache is dropped when its model version changes.
public final class SearchService: Sendable {
    public struct Configuration: Sendable {
        /// Cosine similarity at or above which a cached query's answer is reused. The default
        /// reuses answers only for queries the encoder cannot tell apart: on MovieLens, replays of
        /// paraphrases and of surface variants (`pantry search --replay`) found no lower
        /// threshold at which hits return the identical top 10 in 95 % of cases (at 0.95: 86 %
        /// of the top 10 shared, order often different). Lower it where near answers will do.
        public var threshold: Float = 0.999
        public var capacity = 4096
        public var ttlSeconds = 600.0
        /// Longest query accepted, in UTF-8 bytes (the encoder reads at most 256 word pieces).
        public var maximumQueryBytes = 1000
        public init() {}
    }

    public let encoder: SentenceEncoder
    public let configuration: Configuration
    private let caches = Mutex<[String: SemanticCache<[Recommendation.Item]>]>([:])
    private let started = ContinuousClock.now

    public init(encoder: SentenceEncoder, configuration: Configuration = Configuration()) {
        self.encoder = encoder
        self.configuration = configuration
    }

    var now: Double {
        let elapsed = ContinuousClock.now - started
        return Double(elapsed.components.seconds) + Double(elapsed.components.attoseconds) * 1e-18
    }

    /// Runs `body` on the recommender's cache, first dropping it if `version` is newer.
    func withCache<T>(_ recommender: String, version: Int, _ body: (inout SemanticCache<[Recommendation.Item]>, Double) -> T) -> T {
        let now = self.now
        let configuration = self.configuration
        return caches.withLock { caches in
            var cache = caches[recommender] ?? SemanticCache(threshold: configuration.threshold, capacity: configuration.capacity,
                                                           ttl: configuration.ttlSeconds)
            cache.use(version: version)
            let result = body(&cache, now)
            caches[recommender] = cache
            return result
        }
    }

    /// How a search was answered (the `cache` field of the response and the metric's label).
    public enum Outcome: String, Sendable { case exact, semantic, miss, personalised }

    /// The answer cached for this (normalised) text and scope, without encoding: cheap enough
    /// for the event loop.
    func cached(_ recommender: String, version: Int, text: String, scope: String) -> [Recommendation.Item]? {
        withCache(recommender, version: version) { cache, now in cache.lookup(text: text, scope: scope, now: now) }
    }

    /// Encodes the (normalised) text unless its vector is cached, looks for a similar cached
    /// query (unless `personalised`), else runs `search` and caches its answer. CPU work: call
    /// it off the event loop.
    func resolve(_ recommender: String, version: Int, text normalised: String, scope: String, personalised: Bool,
                 search: ([Float]) throws -> [Recommendation.Item]) throws -> (items: [Recommendation.Item], outcome: Outcome) {
        let vector = withCache(recommender, version: version) { cache, now in cache.vector(text: normalised, now: now) }
            ?? encoder.encode([normalised]).first ?? []
        if personalised { return (try search(vector), .personalised) }
        if let (items, _) = withCache(recommender, version: version, { cache, now in cache.lookup(vector: vector, scope: scope, now: now) }) {
            withCache(recommender, version: version) { cache, now in cache.insert(text: normalised, vector: vector, scope: scope, value: items, now: now) }
            return (items, .semantic)
        }
        let items = try search(vector)
        withCache(recommender, version: version) { cache, now in cache.insert(text: normalised, vector: vector, scope: scope, value: items, now: now) }
        return (items, .miss)
    }

    /// The cache's figures, summed over recommenders.
    public func statistics() -> (statistics: SemanticCache<[Recommendation.Item]>.Statistics, entries: Int) {
        caches.withLock { caches in
            var total = SemanticCache<[Recommendation.Item]>.Statistics()
            var entries = 0
            for cache in caches.values {
                let s = cache.statistics
                total.exactHits += s.exactHits; total.semanticHits += s.semanticHits; total.misses += s.misses
                total.evictions += s.evictions; total.expirations += s.expirations; total.invalidations += s.invalidations
                entries += cache.count
            }
            return (total, entries)
        }
    }
}
