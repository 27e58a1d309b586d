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
}
