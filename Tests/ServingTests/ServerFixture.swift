import FeatureRegistry
import Serving
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Hummingbird
import Metrics
import SchemaMigrations
import OfflineStore
import Postgres
import Prometheus
import Redis
import TestSupport

/// A real `FeatureServer` on a free loopback port, over a fresh database and a real Redis.
struct ServerFixture {
    let port: Int
    let project: String
    let token = "s3cret"

    /// Metrics can be bootstrapped once per process; every fixture shares this registry.
    static let metrics: PrometheusCollectorRegistry = {
        let registry = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: registry))
        return registry
    }()

    static func repository(_ project: String) -> FeatureRepository {
        FeatureRepository(
            project: project,
            entities: [Entity(name: "user", joinKey: "user_id", keyType: .int64)],
            views: [FeatureView(name: "stats", entities: ["user"], features: [Feature(name: "score", type: .double), Feature(name: "label", type: .string)],
                                eventTimestampColumn: "ts", createdTimestampColumn: "created", ttlSeconds: 3_600)])
    }

    /// Starts a server, runs `body`, then shuts the server down gracefully.
    /// - Parameters:
    ///   - serverPostgresURL: the PostgreSQL the server itself uses (pushes, /health); the
    ///     registry is always loaded from the fixture's real database.
    ///   - configure: adjusts the server's configuration (tokens, limits, timeouts).
    ///   - repository: the project's definitions (default: one `stats` view).
    ///   - prepare: runs after `apply`, before the server starts (loads data, trains), and may
    ///     return the recommendation service the server gets.
    ///   - search: the search service (sentence encoder and cache) the server gets.
    static func run(redisURL: String? = nil, serverPostgresURL: String? = nil, maxBatchRows: Int = 100, search: SearchService? = nil, llm: LLMService? = nil,
                    repository makeRepository: (String) -> FeatureRepository = Self.repository,
                    prepare: (String, PostgresPool, RedisPool, RegistryCache) async throws -> RecommendationService? = { _, _, _, _ in nil },
                    configure: (inout ServerConfiguration) -> Void = { _ in }, _ body: (ServerFixture) async throws -> Void) async throws {
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let project = "srv\(UInt32.random(in: 0...UInt32.max))"
            let postgres = PostgresPool(configuration: PostgresConfiguration(url: url, maxConnections: 4))
            defer { postgres.close() }
            let repository = makeRepository(project)
            try await postgres.withConnection { connection in
                try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
                try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            }
            let redis = RedisPool(configuration: try RedisConfiguration(url: redisURL ?? TestServers.redisURL(), connectTimeout: 1, commandTimeout: 1))
            defer { redis.close() }
            let port = TestServers.freePort()
            let registry = try await RegistryCache(project: project, pool: postgres, refreshSeconds: 60, logger: .init(label: "test"))
            let recommendations = try await prepare(project, postgres, redis, registry)
            var configuration = ServerConfiguration(port: port, writeToken: "s3cret", maxBodyBytes: 64 * 1024, maxBatchRows: maxBatchRows, project: project)
            configure(&configuration)
            let serverPostgres = serverPostgresURL.map { PostgresPool(configuration: PostgresConfiguration(url: $0, maxConnections: 4)) }
            defer { serverPostgres?.close() }
            let server = FeatureServer(
                configuration: configuration,
                registry: registry, redis: redis, postgres: serverPostgres ?? postgres, metrics: Self.metrics, historyDepth: 4, staleRetentionSeconds: 3_600,
                recommendations: recommendations, search: search, llm: llm)
            defer { server.close() }
            let application = server.application()
            let task = Task { try await application.run() }
            defer { task.cancel() }
            let fixture = ServerFixture(port: port, project: project)
            for _ in 0..<100 {
                if (try? await fixture.get("/health")) != nil { break }
                try await Task.sleep(for: .milliseconds(50))
            }
            try await body(fixture)
        }
    }

    struct HTTPResult {
        let status: Int
        let body: String
        /// Response header fields, names lowercased.
        var headers: [String: String] = [:]
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    }

    func request(_ method: String, _ path: String, body: String? = nil, token: String? = nil) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let body { request.httpBody = Data(body.utf8); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        if let token { request.setValue("Bearer \(token)", forHTTPHeaderField: "Authorization") }
        return try await send(request)
    }

    func request(_ method: String, _ path: String, body: String? = nil, authorization: String) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.httpMethod = method
        request.timeoutInterval = 10
        if let body { request.httpBody = Data(body.utf8); request.setValue("application/json", forHTTPHeaderField: "Content-Type") }
        request.setValue(authorization, forHTTPHeaderField: "Authorization")
        return try await send(request)
    }

    private func send(_ request: URLRequest) async throws -> HTTPResult {
        let (data, response) = try await URLSession.shared.data(for: request)
        let http = response as! HTTPURLResponse
        var headers: [String: String] = [:]
        for (name, value) in http.allHeaderFields {
            if let name = name as? String, let value = value as? String { headers[name.lowercased()] = value }
        }
        return HTTPResult(status: http.statusCode, body: String(decoding: data, as: UTF8.self), headers: headers)
    }

    func get(_ path: String) async throws -> HTTPResult { try await request("GET", path) }
    /// A GET that may take long (the LLM stage in a debug build).
    func slowGet(_ path: String) async throws -> HTTPResult {
        var request = URLRequest(url: URL(string: "http://127.0.0.1:\(port)\(path)")!)
        request.timeoutInterval = 300
        return try await send(request)
    }
    func post(_ path: String, _ body: String, token: String? = nil) async throws -> HTTPResult { try await request("POST", path, body: body, token: token) }
}
