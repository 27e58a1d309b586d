import Foundation
import Logging
import OfflineStore
import Postgres
import ServiceLifecycle

/// Creates the offline partitions of the current and the next year for every view of the
/// served project, at start and every `intervalSeconds`, so pushes (which never run DDL)
/// find their year's partition in place when a new year begins. A failure is logged and
/// retried at the next interval; meanwhile rows land in the default partition, still correct.
final class PartitionKeeper: Service, Sendable {
    let registry: RegistryCache
    let pool: PostgresPool
    let intervalSeconds: Double
    let logger: Logger

    init(registry: RegistryCache, pool: PostgresPool, intervalSeconds: Double = 6 * 3_600, logger: Logger) {
        self.registry = registry
        self.pool = pool
        self.intervalSeconds = intervalSeconds
        self.logger = logger
    }

    func ensure() async throws {
        let repository = registry.repository
        try await pool.withConnection { connection in
            let pgvector = try OfflineTable.hasPgvector(connection)
            for view in repository.views {
                try OfflineTable(project: repository.project, view: view, repository: repository, pgvector: pgvector)
                    .ensureUpcomingPartitions(on: connection)
            }
        }
    }

    func run() async throws {
        while !Task.isCancelled && !Task.isShuttingDownGracefully {
            do { try await ensure() } catch {
                logger.warning("could not create the coming year's offline partitions (retrying in \(Int(intervalSeconds)) s): \(error)")
            }
            try? await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(self.intervalSeconds)) }
        }
    }
}
