import ArgumentParser
import FeatureServer
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

    func run() async throws {
        let settings = try await global.settings()
        let metrics = PrometheusCollectorRegistry()
        MetricsSystem.bootstrap(PrometheusMetricsFactory(registry: metrics))
        let logger = Logger(label: "pantry.serve")
        let postgres = PostgresPool(configuration: settings.postgresConfiguration)
        let redis = RedisPool(configuration: try settings.redisConfiguration())
        defer { postgres.close(); redis.close() }
        let registry = try await RegistryCache(project: project ?? settings.project, pool: postgres,
                                               refreshSeconds: settings.server.registryRefreshSeconds, logger: logger)
        let server = FeatureServer(
            configuration: ServerConfiguration(host: host ?? settings.server.host, port: port ?? settings.server.port,
                                               writeToken: settings.server.token.isEmpty ? nil : settings.server.token,
                                               maxBodyBytes: settings.server.maxBodyBytes, maxBatchRows: settings.server.maxBatchRows,
                                               registryRefreshSeconds: settings.server.registryRefreshSeconds, project: registry.project),
            registry: registry, redis: redis, postgres: postgres, metrics: metrics,
            historyDepth: settings.online.historyDepth, staleRetentionSeconds: settings.online.staleRetentionSeconds, logger: logger)
        defer { server.close() }
        try await server.application().runService()
    }
}
