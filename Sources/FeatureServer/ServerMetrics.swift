import Metrics

/// The server's Prometheus metrics (exported at `GET /metrics`).
enum ServerMetrics {
    static func requests(path: String, status: Int) -> Counter {
        Counter(label: "pantry_http_requests_total", dimensions: [("path", path), ("status", String(status))])
    }
    static func latency(path: String) -> Metrics.Timer {
        Metrics.Timer(label: "pantry_http_request_duration_seconds", dimensions: [("path", path)], preferredDisplayUnit: .seconds)
    }
    static let redisErrors = Counter(label: "pantry_redis_errors_total")
    static let postgresErrors = Counter(label: "pantry_postgres_errors_total")
    static let registryRefreshFailures = Counter(label: "pantry_registry_refresh_failures_total")
    static let registryAge = Gauge(label: "pantry_registry_cache_age_seconds")
    static let onlineRows = Counter(label: "pantry_online_entity_rows_total")
    static let pushedRows = Counter(label: "pantry_pushed_rows_total")
}
