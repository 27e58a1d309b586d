import FeatureRegistry
import Foundation
import Logging
import Postgres
import Recommender
import ServiceLifecycle
import Synchronization

/// The trained recommenders of the served project, held in memory. At start, and every
/// `refreshSeconds`, each definition's latest model version is looked up; a newer one is loaded
/// (indexes, EASE matrix, catalogue from the offline store) off the event loops and swapped in,
/// so `pantry train` on any machine reaches every replica without a restart. A failed load
/// keeps the previous model (and is logged).
public final class RecommendationService: Service, Sendable {
    public let definitions: [RecommenderDefinition]
    let registry: RegistryCache
    let pool: PostgresPool
    let refreshSeconds: Double
    let resolve: @Sendable (String) -> String
    let logger: Logger
    private let models = Mutex<[String: RecommendationModel]>([:])

    /// - Parameter resolve: turns a model version's artifact paths into files (relative paths
    ///   are from the project root).
    public init(definitions: [RecommenderDefinition], registry: RegistryCache, pool: PostgresPool, refreshSeconds: Double = 30,
                resolve: @escaping @Sendable (String) -> String = { $0 }, logger: Logger) {
        self.definitions = definitions.filter { $0.project == registry.project }.sorted { $0.name < $1.name }
        self.registry = registry
        self.pool = pool
        self.refreshSeconds = refreshSeconds
        self.resolve = resolve
        self.logger = logger
    }

    /// The loaded model of `name` (the first definition by name when nil).
    public func model(_ name: String? = nil) -> RecommendationModel? {
        guard let name = name ?? definitions.first?.name else { return nil }
        return models.withLock { $0[name] }
    }

    /// The definitions whose interactions are `view` (pushes to it update live profiles).
    func definitions(interactionsView view: String) -> [RecommenderDefinition] {
        definitions.filter { $0.interactions.view == view }
    }

    /// Loads every definition whose latest model version is newer than the one in memory.
    public func refresh() async throws {
        let repository = registry.repository
        for definition in definitions {
            let loaded = model(definition.name)?.version
            let resolve = self.resolve
            let fresh: RecommendationModel? = try await pool.withConnection { connection in
                guard let latest = try ModelVersions.latest(recommender: definition.name, on: connection), latest.version != loaded else { return nil }
                let data = try RecommenderData.load(definition, repository: repository, on: connection)
                return try RecommendationModel(definition: definition, version: latest, data: data, path: resolve)
            }
            if let fresh {
                models.withLock { $0[definition.name] = fresh }
                logger.info("recommender \(definition.name): model version \(fresh.version) loaded (\(fresh.itemCount) items)")
                ServerMetrics.modelVersion(definition.name).record(fresh.version)
            }
        }
    }

    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.refreshSeconds)) }
            do { try await refresh() } catch {
                logger.warning("recommender refresh failed (keeping the loaded models): \(error)")
            }
        }
    }
}
