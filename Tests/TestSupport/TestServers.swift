import Foundation
import Postgres
import Redis

/// The real servers the test run talks to. `scripts/test.sh` starts them and exports their
/// URLs; a missing variable fails the test that needs it (tests never skip silently).
public enum TestServers {
    public struct Missing: Error, CustomStringConvertible {
        public let description: String
    }

    static func variable(_ name: String) throws -> String {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else {
            throw Missing(description: "\(name) is not set: run the tests through scripts/test.sh, which starts the servers")
        }
        return value
    }

    /// PostgreSQL 16 with pgvector.
    public static func postgresURL() throws -> String { try variable("PANTRY_POSTGRES_URL") }
    /// Debian's PostgreSQL 15, without pgvector.
    public static func postgres15URL() throws -> String { try variable("PANTRY_POSTGRES15_URL") }
    public static func redisURL() throws -> String { try variable("PANTRY_REDIS_URL") }

    /// Both PostgreSQL servers, for tests that must pass on the pgvector and the fallback path.
    public static func allPostgresURLs() throws -> [String] { [try postgresURL(), try postgres15URL()] }

    /// The repository root, found from this file's location.
    public static var repositoryRoot: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path
    }

    /// Replaces the database name at the end of a PostgreSQL URL.
    public static func url(_ url: String, database: String) -> String {
        guard let slash = url.lastIndex(of: "/") else { return url }
        return String(url[..<slash]) + "/" + database
    }

    /// Creates a fresh database on the server of `url`, runs `body` with its URL, and drops it.
    ///
    /// The admin statements run on the admin connection's own queue, not on the (two-thread)
    /// cooperative pool: `DROP DATABASE ... WITH (FORCE)` can wait for another test's session
    /// to end, and that test may need a cooperative thread to end it.
    public static func withTemporaryDatabase<T>(on url: String, _ body: (String) async throws -> T) async throws -> T {
        let database = "pantry_test_\(UInt32.random(in: 0...UInt32.max))"
        let name = try SQLIdentifier(database).quoted
        let admin = PostgresConnection(configuration: PostgresConfiguration(url: Self.url(url, database: "postgres")))
        defer { admin.close() }
        try await run(on: admin, "CREATE DATABASE \(name)")
        do {
            let value = try await body(Self.url(url, database: database))
            try await run(on: admin, "DROP DATABASE \(name) WITH (FORCE)")
            return value
        } catch {
            try? await run(on: admin, "DROP DATABASE \(name) WITH (FORCE)")
            throw error
        }
    }

    /// Runs one statement on the connection's queue while the calling task is suspended.
    static func run(on connection: PostgresConnection, _ sql: String) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            connection.queue.async { continuation.resume(with: Result { try connection.query(sql) }.map { _ in }) }
        }
    }

    /// A free TCP port on 127.0.0.1 (bound and released; good enough for a test).
    public static func freePort() -> Int {
        let listener = SilentListener()
        defer { listener.close() }
        return listener.port
    }
}
