import Foundation
import Logging
import Postgres

/// Applies `Migrations/NNNN_name.sql` in order, each in its own transaction, and records each
/// in `schema_migrations` with a SHA-256 checksum of its text.
///
/// - An applied file whose text changed is refused: migrations are history, not documents.
/// - Concurrent runners (two `pantry migrate`, several replicas starting) serialise on a
///   session-level advisory lock; the second finds the work done and applies nothing.
public struct Migrator: Sendable {
    /// `pg_advisory_lock` key; any constant unlikely to clash with an application's own locks.
    static let lockKey = 7_360_281_920_117

    public enum State: String, Sendable {
        case applied, pending, changed
    }

    public struct Status: Sendable {
        public let version: Int
        public let name: String
        public let state: State
        public let appliedAt: Date?
    }

    public let migrations: [Migration]
    let logger: Logger

    public init(migrations: [Migration], logger: Logger = Logger(label: "pantry.migrate")) {
        self.migrations = migrations
        self.logger = logger
    }

    public init(directory: String, logger: Logger = Logger(label: "pantry.migrate")) throws {
        self.init(migrations: try Migration.load(from: directory), logger: logger)
    }

    /// Pantry's own schema as embedded in this binary.
    public static func embedded(logger: Logger = Logger(label: "pantry.migrate")) throws -> Migrator {
        Migrator(migrations: try Migration.embedded(), logger: logger)
    }

    /// Applies what is pending; returns the versions applied now.
    @discardableResult
    public func migrate(on connection: PostgresConnection) throws -> [Int] {
        try connection.query("SELECT pg_advisory_lock($1)", [Self.lockKey], name: "migrate: lock")
        defer { _ = try? connection.query("SELECT pg_advisory_unlock($1)", [Self.lockKey], name: "migrate: unlock") }
        try createTable(on: connection)
        let statuses = try status(on: connection)
        if let changed = statuses.first(where: { $0.state == .changed }) {
            let migration = migrations.first { $0.version == changed.version }!
            throw MigrationError("""
                migration \(migration.path) was changed after it was applied (its checksum differs from \
                the one recorded in schema_migrations). Applied migrations must not be edited: restore \
                the file and put the change in a new migration.
                """)
        }
        var applied: [Int] = []
        for status in statuses where status.state == .pending {
            let migration = migrations.first { $0.version == status.version }!
            let started = Date()
            do {
                try connection.transaction { connection in
                    try connection.execute(script: migration.sql, name: "migration \(migration.path)")
                    try connection.query("""
                        INSERT INTO public.schema_migrations (version, name, checksum, duration_ms)
                        VALUES ($1, $2, encode(sha256(convert_to($3, 'UTF8')), 'hex'), $4)
                        """, [migration.version, migration.name, migration.sql, Int(Date().timeIntervalSince(started) * 1000)],
                        name: "migrate: record")
                }
            } catch let error as PostgresError {
                var error = error
                error.message = "migration \(migration.path) failed, nothing of it was applied: \(error.message)"
                throw error
            }
            logger.info("applied migration \(migration.version)_\(migration.name)")
            applied.append(migration.version)
        }
        return applied
    }

    /// Each migration with its state: applied, pending, or changed since it was applied.
    public func status(on connection: PostgresConnection) throws -> [Status] {
        try createTable(on: connection)
        var recorded: [Int: (checksum: String, appliedAt: Date?)] = [:]
        for row in try connection.query("SELECT version, checksum, applied_at FROM public.schema_migrations", name: "migrate: status").rows {
            recorded[try row.decode(Int.self, at: 0)] = (try row.decode(String.self, at: 1), try row.decodeIfPresent(Date.self, at: 2))
        }
        let checksums = try localChecksums(on: connection)
        var statuses = migrations.map { migration -> Status in
            guard let record = recorded[migration.version] else {
                return Status(version: migration.version, name: migration.name, state: .pending, appliedAt: nil)
            }
            let state: State = record.checksum == checksums[migration.version] ? .applied : .changed
            return Status(version: migration.version, name: migration.name, state: state, appliedAt: record.appliedAt)
        }
        // A version recorded in the database but missing locally is reported as changed.
        for (version, record) in recorded where !migrations.contains(where: { $0.version == version }) {
            statuses.append(Status(version: version, name: "(file missing)", state: .changed, appliedAt: record.appliedAt))
        }
        return statuses.sorted { $0.version < $1.version }
    }

    private func createTable(on connection: PostgresConnection) throws {
        try connection.query("""
            CREATE TABLE IF NOT EXISTS public.schema_migrations (
                version     integer PRIMARY KEY,
                name        text NOT NULL,
                checksum    text NOT NULL,
                applied_at  timestamptz NOT NULL DEFAULT now(),
                duration_ms integer NOT NULL DEFAULT 0
            )
            """, name: "migrate: create schema_migrations")
    }

    /// SHA-256 of each local file, computed by the server with the same expression used when
    /// recording, so the comparison cannot drift between two implementations.
    private func localChecksums(on connection: PostgresConnection) throws -> [Int: String] {
        guard !migrations.isEmpty else { return [:] }
        let result = try connection.query("""
            SELECT encode(sha256(convert_to(t, 'UTF8')), 'hex') FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY n
            """, [PostgresArray(migrations.map(\.sql))], name: "migrate: checksums")
        var checksums: [Int: String] = [:]
        for (migration, row) in zip(migrations, result.rows) { checksums[migration.version] = try row.decode(String.self, at: 0) }
        return checksums
    }
}
