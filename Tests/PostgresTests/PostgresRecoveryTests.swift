import LocalServices
import Foundation
import Postgres
import Settings
import Testing
import TestSupport

@Suite("Postgres failures", .serialized)
struct PostgresRecoveryTests {
    @Test("the pool recovers after the server is killed and restarted, without a new pool")
    func recoversAfterRestart() async throws {
        let settings = try await PantrySettings.load(configFile: TestServers.repositoryRoot + "/Config/pantry.yaml")
        let directory = NSTemporaryDirectory() + "pantry-pg-restart-\(UUID().uuidString)"
        let server = try LocalPostgres(flavor: "pgvector", port: TestServers.freePort(), password: "secret",
                                       servicesDirectory: directory)
        try server.start()
        defer { try? server.stop(); try? FileManager.default.removeItem(atPath: directory) }

        let pool = PostgresPool(configuration: PostgresConfiguration(url: server.url, maxConnections: 4))
        defer { pool.close() }
        // Open several connections so that all of them go stale when the server dies.
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<4 { group.addTask { _ = try await pool.query("SELECT pg_sleep(0.05)") } }
            try await group.waitForAll()
        }
        #expect(pool.openConnections == 4)

        let pid = try #require(server.pid)
        kill(pid, SIGKILL)
        #expect(waitUntil(seconds: 20) { !Shell.isAlive(pid) })
        await #expect(throws: (any Error).self) { try await pool.query("SELECT 1") }
        // Orphaned backends exit once they notice the postmaster is gone; then it can restart.
        #expect(waitUntil(seconds: 30) { (try? server.start()) != nil })

        // Every stale connection reconnects on its next use.
        for attempt in 0..<8 {
            let row = try await pool.query("SELECT $1::int", [attempt])[0]
            #expect(try row.decode(Int.self, at: 0) == attempt)
        }
    }

    @Test("wrong port, wrong password and a silent server fail clearly within the timeout")
    func clearConnectionErrors() async throws {
        let good = try TestServers.postgresURL()
        let start = Date()
        let refused = PostgresConnection(configuration: PostgresConfiguration(url: "postgres://pantry:pantry@127.0.0.1:\(TestServers.freePort())/pantry"))
        let refusedError = #expect(throws: PostgresError.self) { try refused.ensureConnected() }
        #expect(refusedError?.kind == .connection)
        #expect(refusedError?.message.contains("Connection refused") == true)

        let badPassword = good.replacingOccurrences(of: "pantry:pantry@", with: "pantry:wrong@")
        let wrong = PostgresConnection(configuration: PostgresConfiguration(url: badPassword))
        let passwordError = #expect(throws: PostgresError.self) { try wrong.ensureConnected() }
        #expect(passwordError?.message.contains("password authentication failed") == true)
        #expect(passwordError?.message.contains("wrong") == false, "the password must not leak into errors")
        #expect(Date().timeIntervalSince(start) < 15, "must fail, not hang")

        let silent = SilentListener()
        defer { silent.close() }
        let hanging = PostgresConnection(configuration: PostgresConfiguration(
            url: "postgres://pantry:pantry@127.0.0.1:\(silent.port)/pantry", connectTimeout: 2))
        let began = Date()
        let timeoutError = #expect(throws: PostgresError.self) { try hanging.ensureConnected() }
        #expect(timeoutError?.kind == .connection)
        #expect(Date().timeIntervalSince(began) < 15, "must give up after connect_timeout, not hang")

        let malformed = PostgresConnection(configuration: PostgresConfiguration(url: "postgres://[nonsense"))
        #expect(throws: PostgresError.self) { try malformed.ensureConnected() }
    }
}

func waitUntil(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(100_000)
    }
    return condition()
}
