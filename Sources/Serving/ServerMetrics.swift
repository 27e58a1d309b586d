import Metrics
import Reranking
import Synchronization
import VectorIndex

/// The server's Prometheus metrics (exported at `GET /metrics`).
enum ServerMetrics {
    /// Metric handles are looked up once per (path, status) and kept: creating one per request
    /// costs a registry lookup under a lock.
    private static let counters = Mutex<[String: Counter]>([:])
    private static let timers = Mutex<[String: Metrics.Timer]>([:])

    /// The counter cached under `key` (cheap to build: this runs per request), created on first
    /// use as `label` with `dimensions`.
    private static func counter(_ key: String, _ label: String, _ dimensions: @autoclosure () -> [(String, String)]) -> Counter {
        counters.withLock { cache in
            if let counter = cache[key] { return counter }
            let counter = Counter(label: label, dimensions: dimensions())
            cache[key] = counter
            return counter
        }
    }

    static func requests(path: String, status: Int) -> Counter {
        counter("\(path) \(status)", "pantry_http_requests_total", [("path", path), ("status", String(status))])
    }

    static func latency(path: String) -> Metrics.Timer {
        timers.withLock { cache in
            if let timer = cache[path] { return timer }
            let timer = Metrics.Timer(label: "pantry_http_request_duration_seconds", dimensions: [("path", path)], preferredDisplayUnit: .seconds)
            cache[path] = timer
            return timer
        }
    }

    static func modelVersion(_ recommender: String) -> Gauge {
        Gauge(label: "pantry_recommender_model_version", dimensions: [("recommender", recommender)])
    }

    /// Recommendation answers by kind (user, session, similar, popular, latest) and whether they were a cold start.
    static func recommendations(_ kind: String, coldStart: Bool) -> Counter {
        counter("rec \(kind) \(coldStart)", "pantry_recommendations_total", [("kind", kind), ("cold_start", String(coldStart))])
    }

    /// Searches by how the semantic cache answered: exact (same text), semantic (a similar
    /// query's answer), miss, or personalised (not cached).
    static func searches(_ cache: String) -> Counter {
        counter("search \(cache)", "pantry_searches_total", [("cache", cache)])
    }

    /// The semantic cache's size, evictions, expirations, invalidations and hit rate (refreshed at each scrape).
    static func record<V>(searchCache: (statistics: SemanticCache<V>.Statistics, entries: Int)) {
        let s = searchCache.statistics
        searchCacheEntries.record(searchCache.entries)
        searchCacheHitRate.record(s.hitRate)
        searchCacheEvictions.record(s.evictions)
        searchCacheExpirations.record(s.expirations)
        searchCacheInvalidations.record(s.invalidations)
    }
    static let searchCacheEntries = Gauge(label: "pantry_search_cache_entries")
    static let searchCacheHitRate = Gauge(label: "pantry_search_cache_hit_ratio")
    static let searchCacheEvictions = Gauge(label: "pantry_search_cache_evictions")
    static let searchCacheExpirations = Gauge(label: "pantry_search_cache_expirations")
    static let searchCacheInvalidations = Gauge(label: "pantry_search_cache_invalidations")

    /// LLM-stage outcomes per part (rerank, explain): done, or the degraded reason.
    static func llm(_ part: String, _ outcome: String) -> Counter {
        counter("llm \(part) \(outcome)", "pantry_llm_requests_total", [("part", part), ("outcome", outcome)])
    }
    static let llmCandidatesScored = Counter(label: "pantry_llm_candidates_scored_total")
    /// Explanations generated (not answered from the cache), and of those, template sentences.
    static let llmExplanations = Counter(label: "pantry_llm_explanations_generated_total")
    static let llmTemplateExplanations = Counter(label: "pantry_llm_template_explanations_total")

    /// The explanation cache's size, evictions and hit rate (refreshed at each scrape).
    static func record(explanationCache s: ExplanationCache.Statistics) {
        explanationCacheEntries.record(s.entries)
        explanationCacheHits.record(s.hits)
        explanationCacheMisses.record(s.misses)
        explanationCacheHitRate.record(s.hitRatio)
        explanationCacheEvictions.record(s.evictions)
    }
    static let explanationCacheEntries = Gauge(label: "pantry_explanation_cache_entries")
    static let explanationCacheHits = Gauge(label: "pantry_explanation_cache_hits")
    static let explanationCacheMisses = Gauge(label: "pantry_explanation_cache_misses")
    static let explanationCacheHitRate = Gauge(label: "pantry_explanation_cache_hit_ratio")
    static let explanationCacheEvictions = Gauge(label: "pantry_explanation_cache_evictions")

    static let profileUpdates = Counter(label: "pantry_live_profile_updates_total")
    static let redisErrors = Counter(label: "pantry_redis_errors_total")
    static let postgresErrors = Counter(label: "pantry_postgres_errors_total")
    static let registryRefreshFailures = Counter(label: "pantry_registry_refresh_failures_total")
    static let registryAge = Gauge(label: "pantry_registry_cache_age_seconds")
    static let onlineRows = Counter(label: "pantry_online_entity_rows_total")
    static let pushedRows = Counter(label: "pantry_pushed_rows_total")
    /// Connections closed because a client was too slow (head or body deadline) or idle too long.
    static let connectionTimeouts = Counter(label: "pantry_http_connection_timeouts_total")
}
