import Foundation
import PackagePlugin

/// Embeds the package's `Migrations/*.sql` into the `SchemaMigrations` module at build time, so
/// the `pantry` binary carries Pantry's schema and a user's project needs no `Migrations/`
/// folder. `Migrations/` stays the one source of truth; the generated file is never committed.
@main
struct EmbedMigrations: BuildToolPlugin {
    func createBuildCommands(context: PluginContext, target: Target) throws -> [Command] {
        let folder = context.package.directoryURL.appending(path: "Migrations")
        let files = try FileManager.default.contentsOfDirectory(atPath: folder.path())
            .filter { $0.hasSuffix(".sql") }
            .sorted()
            .map { folder.appending(path: $0) }
        let output = context.pluginWorkDirectoryURL.appending(path: "EmbeddedMigrations.swift")
        return [.buildCommand(
            displayName: "Embedding \(files.count) migrations",
            executable: try context.tool(named: "MigrationEmbedder").url,
            arguments: [output.path()] + files.map { $0.path() },
            inputFiles: files,
            outputFiles: [output])]
    }
}
