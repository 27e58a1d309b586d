import ArgumentParser
import COpenBLAS
import Foundation
import Inference
import Recommender
import Reranking
import Settings
import Serving
import Logging
import Metrics
import Postgres
import Prometheus
import Redis

/// `pantry serve`: the HTTP API (online features, push, registry, health, metrics).
struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Serve online features over HTTP (stateless; run as many replicas as needed).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Address to listen on (default from settings: 127.0.0.1).") var host: String?
    @Option(help: "Port (default from settings: 6566).") var port: Int?
    @Option(help: "Folder of recommender definitions served (those of the served project).") var recommenders = "Config/recommenders"
    @Option(help: "Sentence encoder for GET /v1/search (loaded when a served recommender has items.text).") var textEncoder = ".pantry/models/all-MiniLM-L6-v2"
    @Option(help: "Search cache: cosine similarity at which a cached query's answer is reused (0...1).") var searchCacheThreshold: Float = SearchService.Configuration().threshold
    @Option(help: "Search cache: most queries kept (least recently used evicted).") var searchCacheSize = SearchService.Configuration().capacity
    @Option(help: "Search cache: seconds an answer is kept.") var searchCacheTtl = SearchService.Configuration().ttlSeconds
    @Option(help: "GGUF model of the recommendations' LLM stage (rerank=true, explain=true); \"none\" to serve without it.")
    var llm = bundledLLMPath
    @Option(help: "Threads of the LLM engine (default: all processors).") var llmThreads: Int?
    @Option(help: "LLM stage budget of a request without deadline_ms (milliseconds, 1...60000).") var llmDeadlineMs = LLMService.Configuration().defaultDeadlineMilliseconds
    @Option(help: "Rerank requests waiting for the engine before others take the no-LLM path at once.") var llmQueue = LLMStage.Configuration().rerankQueue
    @Option(help: "Explanations kept in the cache (least recently used evicted).") var explanationCacheSize = LLMStage.Configuration().explanationCacheEntries

    func run() async throws {
        let settings = try await global.settings()
        let logger = Logger(label: "pantry.serve")
        let configuration = ServerConfiguration(
            host: host ?? settings.server.host, port: port ?? settings.server.port,
            writeToken: settings.server.token.isEmpty ? nil : settings.server.token,
            readToken: settings.server.readToken.isEmpty ? nil : settings.server.readToken,
            maxBodyBytes: settings.server.maxBodyBytes, maxBatchRows: settings.server.maxBatchRows,
            registryRefreshSeconds: settings.server.registryRefreshSeconds, project: project ?? settings.project,
            maxConnections: settings.server.maxConnections, headerTimeoutSeconds: settings.server.headerTimeoutSeconds,
            bodyTimeoutSeconds: settings.server.bodyTimeoutSeconds, idleTimeoutSeconds: settings.server.idleTimeoutSeconds,
            shutdownGraceSeconds: settings.server.shutdownGraceSeconds, healthTimeoutSeconds: settings.server.healthTimeoutSeconds)
        do {
            try configuration.checkExposure()
        } catch {
            throw ValidationError(error.description)
        }
        if configuration.writesAreOpen {
            logger.warning("writes (/v1/push, /push) are open to anyone who can connect to \(configuration.host): set server.token to require a bearer token")
        }
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let postgres = PostgresPool(configuration: settings.postgresConfiguration)
        let redis = RedisPool(configuration: try settings.redisConfiguration())
        defer { postgres.close(); redis.close() }
        let registry = try await RegistryCache(project: configuration.project, pool: postgres,
                                               refreshSeconds: settings.server.registryRefreshSeconds, logger: logger)
        // Descriptors for accepted connections, after those the pools, the listener, logs and
        // files need: out of descriptors must mean "wait in the backlog", never a failed accept.
        let reserved = settings.postgres.poolSize + 2 * settings.redis.poolSize + 64
        let descriptors = ConnectionLimit.raiseDescriptorLimit()
        let connectionLimit = ConnectionLimit.effective(configured: configuration.maxConnections, descriptorLimit: descriptors, reserved: reserved)
        if connectionLimit < configuration.maxConnections {
            logger.warning("serving at most \(connectionLimit) connections (server.max_connections is \(configuration.maxConnections), but RLIMIT_NOFILE is \(descriptors ?? 0))")
        }
        // Requests run side by side; BLAS calls inside one (EASE scores) must not fan out threads.
        openblas_set_num_threads(1)
        let recommendations = try await recommendationService(settings: settings, registry: registry, postgres: postgres, logger: logger)
        let search = try searchService(recommendations, root: settings.rootDirectory, logger: logger)
        let llmService = try llmService(recommendations, root: settings.rootDirectory, logger: logger)
        defer { llmService?.shutdown() }
        let server = FeatureServer(
            configuration: configuration,
            registry: registry, redis: redis, postgres: postgres, metrics: metrics,
            historyDepth: settings.online.historyDepth, staleRetentionSeconds: settings.online.staleRetentionSeconds,
            recommendations: recommendations, search: search, llm: llmService, logger: logger)
        defer { server.close() }
        try await server.application(connectionLimit: connectionLimit).runService()
    }

    /// The sentence encoder and search cache, when a served recommender has item texts (a
    /// missing encoder is logged; searches then answer 503).
    func searchService(_ recommendations: RecommendationService?, root: String, logger: Logger) throws -> SearchService? {
        guard (0...1).contains(searchCacheThreshold), searchCacheSize >= 1, searchCacheTtl > 0 else {
            throw ValidationError("--search-cache-threshold must be 0...1, --search-cache-size at least 1, --search-cache-ttl positive")
        }
        guard let recommendations, recommendations.definitions.contains(where: { $0.items?.text != nil }) else { return nil }
        let directory = textEncoder.hasPrefix("/") ? textEncoder : URL(fileURLWithPath: root).appendingPathComponent(textEncoder).path
        do {
            var configuration = SearchService.Configuration()
            (configuration.threshold, configuration.capacity, configuration.ttlSeconds) = (searchCacheThreshold, searchCacheSize, searchCacheTtl)
            return SearchService(encoder: try SentenceEncoder(directory: directory), configuration: configuration)
        } catch {
            logger.warning("search disabled: no sentence encoder in \(directory) (\(error)); scripts/setup.sh fetches it")
            return nil
        }
    }

    /// The LLM stage when recommenders are served and the model is there (a missing model is
    /// logged; requests asking for it then get plain answers saying `llm_not_loaded`).
    func llmService(_ recommendations: RecommendationService?, root: String, logger: Logger) throws -> LLMService? {
        guard (1...60_000).contains(llmDeadlineMs), (1...10_000).contains(llmQueue),
              (1...10_000_000).contains(explanationCacheSize), (1...256).contains(llmThreads ?? 1) else {
            throw ValidationError("--llm-deadline-ms must be 1...60000, --llm-queue 1...10000, --explanation-cache-size 1...10000000, --llm-threads 1...256")
        }
        guard recommendations != nil, llm != "none" else { return nil }
        let path = llm.hasPrefix("/") ? llm : URL(fileURLWithPath: root).appendingPathComponent(llm).path
        guard FileManager.default.fileExists(atPath: path) else {
            logger.warning("LLM stage disabled: no model at \(path) (scripts/setup.sh fetches it)")
            return nil
        }
        var stageConfiguration = LLMStage.Configuration()
        (stageConfiguration.rerankQueue, stageConfiguration.explanationCacheEntries) = (llmQueue, explanationCacheSize)
        let engine = try LLMEngine(modelPath: path, threads: llmThreads, prefixCacheEntries: 64)
        var configuration = LLMService.Configuration()
        configuration.defaultDeadlineMilliseconds = llmDeadlineMs
        logger.info("LLM stage: \(URL(fileURLWithPath: path).lastPathComponent) on \(engine.threads) threads")
        return LLMService(stage: try LLMStage(engine: engine, configuration: stageConfiguration), configuration: configuration)
    }

    /// The served project's recommenders, with their latest trained models loaded (a recommender
    /// not trained yet answers 503 until `pantry train` records a version; the server picks it up).
    func recommendationService(settings: PantrySettings, registry: RegistryCache, postgres: PostgresPool, logger: Logger) async throws -> RecommendationService? {
        let root = settings.rootDirectory
        let resolve: @Sendable (String) -> String = { $0.hasPrefix("/") ? $0 : URL(fileURLWithPath: root).appendingPathComponent($0).path }
        let folder = resolve(recommenders)
        guard let files = try? FileManager.default.contentsOfDirectory(atPath: folder) else { return nil }
        let definitions = try files.filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted()
            .map { try RecommenderDefinition.load(path: folder + "/" + $0) }.filter { $0.project == registry.project }
        guard !definitions.isEmpty else { return nil }
        let service = RecommendationService(definitions: definitions, registry: registry, pool: postgres,
                                            refreshSeconds: max(settings.server.registryRefreshSeconds, 10), resolve: resolve, logger: logger)
        do { try await service.refresh() } catch {
            logger.warning("recommenders \(definitions.map(\.name).joined(separator: ", ")): no model loaded yet (\(error))")
        }
        return service
    }
}
