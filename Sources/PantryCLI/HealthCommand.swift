import ArgumentParser
import Foundation
import Postgres
import Redis

/// `pantry health`: checks that PostgreSQL and Redis answer, and reports what they are.
struct HealthCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "health", abstract: "Check that PostgreSQL and Redis are reachable.")

    @OptionGroup var global: GlobalOptions

    func run() async throws {
        let settings = try await global.settings()
        var healthy = true

        let pool = PostgresPool(configuration: settings.postgresConfiguration)
        defer { pool.close() }
        do {
            let started = Date()
            let row = try await pool.query("""
                SELECT current_setting('server_version'),
                       (SELECT extversion FROM pg_extension WHERE extname = 'vector'),
                       (SELECT count(*) FROM pg_tables WHERE tablename = 'schema_migrations')
                """, name: "health")[0]
            let version = try row.decode(String.self, at: 0)
            let vector = try row.decodeIfPresent(String.self, at: 1).map { "pgvector \($0)" } ?? "no pgvector (real[] fallback)"
            let migrated = try row.decode(Int.self, at: 2) > 0 ? "migrated" : "not migrated (run pantry migrate)"
            print("postgres: ok  PostgreSQL \(version), \(vector), \(migrated), \(milliseconds(since: started)) ms")
        } catch {
            healthy = false
            print("postgres: FAILED  \(error)")
        }

        do {
            let redis = RedisPool(configuration: try settings.redisConfiguration())
            defer { redis.close() }
            let started = Date()
            let info = try await redis.send(RedisCommand("INFO", "server")).checked(command: "INFO")
            let version = info.string?.split(separator: "\r\n").first { $0.hasPrefix("redis_version:") }?.dropFirst(14) ?? "?"
            print("redis:    ok  Redis \(version), \(milliseconds(since: started)) ms")
        } catch {
            healthy = false
            print("redis:    FAILED  \(error)")
        }
        if !healthy { throw ExitCode(1) }
    }

    private func milliseconds(since start: Date) -> String {
        String(format: "%.1f", Date().timeIntervalSince(start) * 1000)
    }
}
