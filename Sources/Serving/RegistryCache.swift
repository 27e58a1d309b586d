import FeatureRegistry
import Foundation
import Logging
import OnlineFeatures
import Postgres
import ServiceLifecycle
import Synchronization

/// The project's registry contents, held in memory so no request waits on PostgreSQL, with the
/// online read plans resolved from them (one per distinct feature list asked for).
/// Refreshed in the background every `refreshSeconds`; a failed refresh keeps the last good copy
/// (and is counted), so serving survives a PostgreSQL outage.
public final class RegistryCache: Service, Sendable {
    public let project: String
    let pool: PostgresPool
    let refreshSeconds: Double
    let logger: Logger
    private let state: Mutex<(repository: FeatureRepository, loadedAt: Date, plans: [PlanKey: OnlineReadPlan])>
    /// Distinct feature lists cached per snapshot; beyond this, plans are resolved per request.
    let maxPlans = 1_024

    /// What a plan depends on besides the registry: the feature list (or service) and naming.
    struct PlanKey: Hashable {
        let features: [String]
        let service: String?
        let fullFeatureNames: Bool
    }

    /// Loads the registry once; fails when the project is unknown, so a server never starts empty.
    public init(project: String, pool: PostgresPool, refreshSeconds: Double, logger: Logger) async throws {
        self.project = project
        self.pool = pool
        self.refreshSeconds = refreshSeconds
        self.logger = logger
        let repository = try await Self.load(project: project, pool: pool)
        guard !repository.views.isEmpty else {
            throw RegistryError("project \"\(project)\" has no feature views in the registry: run `pantry apply` first")
        }
        state = Mutex((repository, Date(), [:]))
    }

    public var repository: FeatureRepository { state.withLock { $0.repository } }
    public var ageSeconds: Double { Date().timeIntervalSince(state.withLock { $0.loadedAt }) }

    /// The registry snapshot and the read plan for a feature list (or feature service), resolved
    /// on first use and cached until the next refresh. Unknown names throw, and are not cached.
    func plan(features: [String]?, service: String?, fullFeatureNames: Bool) throws -> (FeatureRepository, OnlineReadPlan) {
        let key = PlanKey(features: features ?? [], service: service, fullFeatureNames: fullFeatureNames)
        let (repository, cached) = state.withLock { ($0.repository, $0.plans[key]) }
        if let cached { return (repository, cached) }
        let plan = try OnlineReadPlan(references: try repository.references(features: features, service: service),
                                      repository: repository, fullFeatureNames: fullFeatureNames)
        state.withLock { state in
            // Only into the snapshot it was resolved from, and only while the cache is small.
            if state.repository == repository, state.plans.count < maxPlans { state.plans[key] = plan }
        }
        return (repository, plan)
    }

    static func load(project: String, pool: PostgresPool) async throws -> FeatureRepository {
        try await pool.withConnection { try RegistryStore().load(project: project, on: $0) }
    }

    public func refresh() async throws {
        let repository = try await Self.load(project: project, pool: pool)
        state.withLock { $0 = (repository, Date(), [:]) }
    }

    /// The background refresh loop (a ServiceLifecycle service; ends on graceful shutdown,
    /// at once: the wait between refreshes is cancelled rather than slept out).
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.refreshSeconds)) }
            guard !Task.isCancelled && !Task.isShuttingDownGracefully else { return }
            do {
                try await refresh()
                ServerMetrics.registryAge.record(0)
            } catch {
                ServerMetrics.registryRefreshFailures.increment()
                logger.warning("registry refresh failed, serving the copy from \(Int(ageSeconds)) s ago: \(error)")
            }
        }
    }
}
