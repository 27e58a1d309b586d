import FeatureRegistry
import Foundation
import Logging
import Postgres
import ServiceLifecycle
import Synchronization

/// The project's registry contents, held in memory so no request waits on PostgreSQL.
/// Refreshed in the background every `refreshSeconds`; a failed refresh keeps the last good copy
/// (and is counted), so serving survives a PostgreSQL outage.
public final class RegistryCache: Service, Sendable {
    public let project: String
    let pool: PostgresPool
    let refreshSeconds: Double
    let logger: Logger
    private let state: Mutex<(repository: FeatureRepository, loadedAt: Date)>

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
        state = Mutex((repository, Date()))
    }

    public var repository: FeatureRepository { state.withLock { $0.repository } }
    public var ageSeconds: Double { Date().timeIntervalSince(state.withLock { $0.loadedAt }) }

    static func load(project: String, pool: PostgresPool) async throws -> FeatureRepository {
        try await pool.withConnection { try RegistryStore().load(project: project, on: $0) }
    }

    public func refresh() async throws {
        let repository = try await Self.load(project: project, pool: pool)
        state.withLock { $0 = (repository, Date()) }
    }

    /// The background refresh loop (a ServiceLifecycle service; ends on graceful shutdown).
    public func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            try? await Task.sleep(for: .seconds(refreshSeconds))
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
