import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Postgres pool")
struct PostgresPoolTests {
    @Test("64 concurrent tasks x 1,000 queries: no error, every connection returned")
    func poolUnderConcurrency() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestServers.postgresURL(), maxConnections: 8))
        defer { pool.close() }
        let sums = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<64 {
                group.addTask {
                    var sum = 0
                    for query in 0..<1_000 {
                        let row = try await pool.query("SELECT $1::int8 * 2", [task * 1_000 + query], name: "double")[0]
                        sum += try row.decode(Int.self, at: 0)
                    }
                    return sum
                }
            }
            return try await group.reduce(into: [Int]()) { $0.append($1) }
        }
        // Each task's answers are checked, so a reply routed to the wrong caller would show.
        let expected = (0..<64).map { task in (0..<1_000).reduce(0) { $0 + 2 * (task * 1_000 + $1) } }
        #expect(sums.sorted() == expected.sorted())
        #expect(pool.openConnections <= 8)
        #expect(pool.idleConnections == pool.openConnections)
    }

    @Test("a caller waits for a busy pool and times out with a clear error")
    func acquireTimeout() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestServers.postgresURL(), maxConnections: 1, acquireTimeout: 0.3))
        defer { pool.close() }
        async let slow = pool.query("SELECT pg_sleep(1.5)")
        // Wait until the only connection is lent out, however slowly the task got scheduled.
        while pool.openConnections == 0 || pool.idleConnections > 0 { try await Task.sleep(for: .milliseconds(10)) }
        let error = try #require(await #expect(throws: (any Error).self) { try await pool.query("SELECT 1") })
        #expect("\(error)".contains("no pooled connection became free"))
        _ = try await slow
        #expect(try await pool.query("SELECT 1").count == 1)
    }

    @Test("a connection left inside a transaction, or in COPY state, is replaced, never lent again")
    func brokenConnectionsAreReplaced() async throws {
        let pool = PostgresPool(configuration: PostgresConfiguration(url: try TestServers.postgresURL(), maxConnections: 1))
        defer { pool.close() }
        // A borrower that begins a transaction and walks away (no COMMIT, no ROLLBACK).
        let abandoned = try await pool.withConnection { connection in
            try connection.query("BEGIN")
            try connection.query("CREATE TEMP TABLE left_behind (x int)")
            return connection.backendPID
        }
        let next = try await pool.withConnection { connection in
            (connection.backendPID,
             try connection.query("SELECT to_regclass('pg_temp.left_behind') IS NULL")[0].decode(Bool.self, at: 0))
        }
        #expect(next.0 != abandoned, "a session inside a transaction must not be lent again")
        #expect(next.1, "the next borrower must not see the abandoned transaction's objects")
        #expect(pool.openConnections == 1)

        // A plain query that starts a COPY FROM STDIN leaves the session waiting for its data.
        await #expect(throws: PostgresError.self) {
            try await pool.withConnection { connection in
                try connection.query("CREATE TEMP TABLE copied (x int)")
                try connection.query("COPY copied FROM STDIN")
            }
        }
        #expect(try await pool.query("SELECT 41 + 1")[0].decode(Int.self, at: 0) == 42)
        #expect(pool.openConnections == 1)
    }
}
