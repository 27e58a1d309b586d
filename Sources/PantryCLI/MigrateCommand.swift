import ArgumentParser
import Core
import SchemaMigrations
import Postgres

/// `pantry migrate [--status]`: applies Pantry's schema migrations.
struct MigrateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Apply Pantry's schema migrations, embedded in the binary (or list their state with --status).")

    @OptionGroup var global: GlobalOptions

    @Flag(help: "List each migration as applied, pending or changed, and apply nothing.")
    var status = false

    func run() async throws {
        let settings = try await global.settings()
        let migrator = try settings.migrationsDirectory.map { try Migrator(directory: $0) } ?? Migrator.embedded()
        let pool = PostgresPool(configuration: settings.postgresConfiguration)
        defer { pool.close() }
        if status {
            let statuses = try await pool.withConnection { try migrator.status(on: $0) }
            for entry in statuses {
                let when = entry.appliedAt.map { "  \(Timestamp.format($0))" } ?? ""
                print("\(entry.state.rawValue.padding(toLength: 8, withPad: " ", startingAt: 0)) \(String(format: "%04d", entry.version))_\(entry.name)\(when)")
            }
            if statuses.contains(where: { $0.state == .changed }) { throw ExitCode(1) }
            return
        }
        let applied = try await pool.withConnection { try migrator.migrate(on: $0) }
        print(applied.isEmpty ? "schema is up to date (\(migrator.migrations.count) migrations)"
                              : "applied \(applied.count) migration(s): \(applied.map { String(format: "%04d", $0) }.joined(separator: ", "))")
    }
}
