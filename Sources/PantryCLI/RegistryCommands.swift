import ArgumentParser
import FeatureRegistry
import Foundation
import OfflineStore

/// `pantry plan`: what `apply` would change.
struct PlanCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "plan", abstract: "Show what apply would create, update or delete (breaking or not).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Definitions file or folder (default: features_directory from settings).")
    var definitions: String?

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let desired = try DefinitionLoader.load(path: definitions.map(context.path) ?? context.settings.featuresDirectory)
        let plan = try RegistryStore().plan(desired, on: context.connection)
        plan.summary.forEach { print($0) }
    }
}

/// `pantry apply`: makes the registry and offline tables match the definitions.
struct ApplyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "apply", abstract: "Apply the feature definitions to the registry, in one transaction.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Definitions file or folder (default: features_directory from settings).")
    var definitions: String?
    @Flag(help: "Apply breaking changes too (rebuilds affected offline tables; their history is lost).")
    var allowBreaking = false

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let desired = try DefinitionLoader.load(path: definitions.map(context.path) ?? context.settings.featuresDirectory)
        let plan = try RegistryStore().apply(desired, allowBreaking: allowBreaking, hooks: [OfflineTablesHook()], on: context.connection)
        plan.summary.forEach { print($0) }
        if !plan.isEmpty { print("applied \(plan.changes.count) change(s) to project \(plan.project)") }
    }
}

/// `pantry registry list|describe|history`.
struct RegistryCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "registry", abstract: "Read the feature registry.",
        subcommands: [List.self, Describe.self, History.self])

    struct List: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List entities, feature views and feature services.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Project (default from settings).") var project: String?

        func run() async throws {
            let context = try await StoreContext(global)
            defer { context.connection.close() }
            let repository = try context.registry(project: project)
            let versions = try RegistryStore().versions(project: repository.project, on: context.connection)
            print("project \(repository.project)")
            for entity in repository.entities {
                print("entity          \(entity.name)  v\(versions["entity:\(entity.name)"] ?? 0)  key \(entity.joinKey) \(entity.keyType)")
            }
            for view in repository.views {
                print("feature_view    \(view.name)  v\(versions["feature_view:\(view.name)"] ?? 0)  entities [\(view.entities.joined(separator: ", "))]  \(view.features.count) features  ttl \(view.ttlSeconds)s")
            }
            for service in repository.services {
                print("feature_service \(service.name)  v\(versions["feature_service:\(service.name)"] ?? 0)  \(service.features.map(\.description).joined(separator: ", "))")
            }
        }
    }

    struct Describe: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Print one object's definition as JSON.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Project (default from settings).") var project: String?
        @Argument(help: "Name of an entity, feature view or feature service.") var name: String

        func run() async throws {
            let context = try await StoreContext(global)
            defer { context.connection.close() }
            let repository = try context.registry(project: project)
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
            let data: Data
            if let view = repository.view(named: name) { data = try encoder.encode(view) }
            else if let entity = repository.entity(named: name) { data = try encoder.encode(entity) }
            else if let service = repository.service(named: name) { data = try encoder.encode(service) }
            else { throw ValidationError("nothing named \"\(name)\" in project \(repository.project)") }
            print(String(decoding: data, as: UTF8.self))
        }
    }

    struct History: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Show the latest applies.")
        @OptionGroup var global: GlobalOptions
        @Option(help: "Project (default from settings).") var project: String?

        func run() async throws {
            let context = try await StoreContext(global)
            defer { context.connection.close() }
            for (id, date, user, summary) in try RegistryStore().history(project: project ?? context.settings.project, on: context.connection) {
                print("apply \(id) at \(date) by \(user)")
                summary.split(separator: "\n").forEach { print("  \($0)") }
            }
        }
    }
}
