import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Settings

/// What the feature-store commands share: settings, a connection, and the registry contents.
struct StoreContext {
    let settings: PantrySettings
    let connection: PostgresConnection

    init(_ global: GlobalOptions) async throws {
        settings = try await global.settings()
        connection = PostgresConnection(configuration: settings.postgresConfiguration)
    }

    /// The project's definitions as applied to the registry.
    func registry(project: String?) throws -> FeatureRepository {
        let name = project ?? settings.project
        let repository = try RegistryStore().load(project: name, on: connection)
        guard !repository.entities.isEmpty || !repository.views.isEmpty else {
            throw RegistryError("project \"\(name)\" has nothing in the registry: run `pantry apply` first")
        }
        return repository
    }

    /// An offline table of a registered view.
    func table(view name: String, project: String?) throws -> OfflineTable {
        let repository = try registry(project: project)
        guard let view = repository.view(named: name) else {
            throw RegistryError("unknown feature view \"\(name)\" (views: \(repository.views.map(\.name).joined(separator: ", ")))")
        }
        return OfflineTable(project: repository.project, view: view, repository: repository,
                            pgvector: try OfflineTable.hasPgvector(connection))
    }

    /// Resolves a path relative to the project root.
    func path(_ path: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: settings.rootDirectory).appendingPathComponent(path).path
    }

}
