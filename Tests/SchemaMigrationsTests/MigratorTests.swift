import Foundation
import SchemaMigrations
import Postgres
import Testing
import TestSupport

@Suite("Migrations")
struct MigratorTests {
    /// A folder of migrations written for one test.
    final class MigrationFolder {
        let path = NSTemporaryDirectory() + "pantry-migrations-\(UUID().uuidString)"
        init(_ files: [String: String]) throws {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            for (name, sql) in files { try write(name, sql) }
        }
        func write(_ name: String, _ sql: String) throws {
            try sql.write(toFile: "\(path)/\(name)", atomically: true, encoding: .utf8)
        }
        deinit { try? FileManager.default.removeItem(atPath: path) }
    }

    static let basics = [
        "0001_create_items.sql": "CREATE TABLE items (id int PRIMARY KEY, name text);",
        "0002_add_price.sql": "ALTER TABLE items ADD COLUMN price numeric;\nINSERT INTO items VALUES (1, 'bread', 2.5);",
    ]

    func connect(_ url: String) -> PostgresConnection {
        PostgresConnection(configuration: PostgresConfiguration(url: url))
    }

    @Test("the shipped migrations apply on PostgreSQL 16 + pgvector and on 15 without it",
          arguments: ["PANTRY_POSTGRES_URL", "PANTRY_POSTGRES15_URL"])
    func shippedMigrations(variable: String) async throws {
        let server = variable == "PANTRY_POSTGRES_URL" ? try TestServers.postgresURL() : try TestServers.postgres15URL()
        try await TestServers.withTemporaryDatabase(on: server) { url in
            let connection = connect(url)
            defer { connection.close() }
            let migrator = try Migrator.embedded()
            #expect(try migrator.migrate(on: connection).count == migrator.migrations.count)
            // The folder they were embedded from finds the same checksums: nothing changed.
            let folder = try Migrator(directory: TestServers.repositoryRoot + "/Migrations")
            #expect(try folder.status(on: connection).allSatisfy { $0.state == .applied })
            let storage = try connection.query("SELECT value FROM pantry.capabilities WHERE name = 'embedding_storage'")[0].decode(String.self, at: 0)
            let hasVector = try connection.query("SELECT count(*) FROM pg_available_extensions WHERE name = 'vector'")[0].decode(Int.self, at: 0) > 0
            #expect(storage == (hasVector ? "vector" : "real[]"))
            #expect(hasVector == (variable == "PANTRY_POSTGRES_URL"))
        }
    }

    @Test("the binary embeds Migrations/ exactly: every file, in order, with its text")
    func embeddedMatchesFolder() throws {
        let embedded = try Migration.embedded(), folder = try Migration.load(from: TestServers.repositoryRoot + "/Migrations")
        #expect(embedded.map(\.version) == folder.map(\.version))
        #expect(embedded.map(\.name) == folder.map(\.name))
        #expect(embedded.map(\.sql) == folder.map(\.sql))
        #expect(embedded.count >= 5)
    }

    @Test("applying twice is a no-op; status reports every migration applied")
    func idempotent() async throws {
        let folder = try MigrationFolder(Self.basics)
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let connection = connect(url)
            defer { connection.close() }
            let migrator = try Migrator(directory: folder.path)
            #expect(try migrator.status(on: connection).map(\.state) == [.pending, .pending])
            #expect(try migrator.migrate(on: connection) == [1, 2])
            #expect(try migrator.migrate(on: connection) == [])
            #expect(try connection.query("SELECT count(*) FROM items")[0].decode(Int.self, at: 0) == 1)
            #expect(try migrator.status(on: connection).map(\.state) == [.applied, .applied])
        }
    }

    @Test("an applied file that changed is refused with a clear message")
    func tamperedFileDetected() async throws {
        let folder = try MigrationFolder(Self.basics)
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let connection = connect(url)
            defer { connection.close() }
            try Migrator(directory: folder.path).migrate(on: connection)
            try folder.write("0001_create_items.sql", "CREATE TABLE items (id bigint PRIMARY KEY, name text);")
            try folder.write("0003_more.sql", "CREATE TABLE more (id int);")
            let migrator = try Migrator(directory: folder.path)
            let error = #expect(throws: MigrationError.self) { try migrator.migrate(on: connection) }
            #expect(error?.description.contains("0001_create_items.sql was changed after it was applied") == true)
            #expect(try migrator.status(on: connection).map(\.state) == [.changed, .applied, .pending])
            // Nothing after the tampered file ran.
            #expect(try connection.query("SELECT to_regclass('public.more') IS NULL")[0].decode(Bool.self, at: 0))
        }
    }

    @Test("a failing migration leaves nothing of itself and is not recorded")
    func failingMigrationRollsBack() async throws {
        let folder = try MigrationFolder([
            "0001_ok.sql": "CREATE TABLE first (id int);",
            "0002_broken.sql": "CREATE TABLE second (id int);\nINSERT INTO second VALUES (1);\nSELECT no_such_function();",
        ])
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let connection = connect(url)
            defer { connection.close() }
            let migrator = try Migrator(directory: folder.path)
            let error = #expect(throws: PostgresError.self) { try migrator.migrate(on: connection) }
            #expect(error?.sqlState == "42883")
            #expect(error?.message.contains("0002_broken.sql failed, nothing of it was applied") == true)
            #expect(try connection.query("SELECT to_regclass('public.second') IS NULL")[0].decode(Bool.self, at: 0))
            #expect(try migrator.status(on: connection).map(\.state) == [.applied, .pending])
        }
    }

    @Test("concurrent runners serialise: each migration is applied exactly once")
    func concurrentRunners() async throws {
        let folder = try MigrationFolder(Self.basics.merging([
            "0003_slow.sql": "SELECT pg_sleep(0.3);\nCREATE TABLE slow (id int);",
        ]) { a, _ in a })
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let migrator = try Migrator(directory: folder.path)
            let pool = PostgresPool(configuration: PostgresConfiguration(url: url, maxConnections: 4))
            defer { pool.close() }
            let applied = try await withThrowingTaskGroup(of: [Int].self) { group in
                for _ in 0..<4 { group.addTask { try await pool.withConnection { try migrator.migrate(on: $0) } } }
                return try await group.reduce(into: [Int]()) { $0 += $1 }
            }
            #expect(applied.sorted() == [1, 2, 3])
            #expect(try await pool.query("SELECT count(*) FROM public.schema_migrations")[0].decode(Int.self, at: 0) == 3)
        }
    }

    @Test("badly named files and duplicate versions are refused")
    func badNames() throws {
        let misnamed = try MigrationFolder(["1_short.sql": "SELECT 1;"])
        #expect(throws: MigrationError.self) { try Migration.load(from: misnamed.path) }
        let duplicate = try MigrationFolder(["0001_a.sql": "SELECT 1;", "0001_b.sql": "SELECT 2;"])
        let error = #expect(throws: MigrationError.self) { try Migration.load(from: duplicate.path) }
        #expect(error?.description.contains("share version 1") == true)
    }
}
