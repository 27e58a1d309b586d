import FeatureRegistry
import Foundation
import Migrator
import OfflineStore
import Postgres
import Testing
import TestSupport

/// `pantry serve` runs Swift concurrency on its event loops: a large push is parsed on the
/// thread pool, so lookups keep being answered while it is processed.
@Suite("pantry serve, a large push beside lookups")
struct ServeLargePushTests {
    @Test("lookups are answered while a multi-megabyte push is processed")
    func lookupsDuringLargePush() async throws {
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let project = "big\(UInt32.random(in: 0...UInt32.max))"
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            try RegistryStore().apply(ServerFixture.repository(project), allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            connection.close()

            let port = TestServers.freePort()
            let (process, _) = try ServeShutdownTests.launch(["serve", "--port", "\(port)", "--project", project], environment: [
                "PANTRY_POSTGRES_URL": url, "PANTRY_REDIS_URL": try TestServers.redisURL(), "PANTRY_SERVER_TOKEN": "t0ken",
            ])
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let server = ServerFixture(port: port, project: project)
            var up = false
            for _ in 0..<200 where !up {
                up = (try? await server.get("/health"))?.status == 200
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(up, "pantry serve did not answer /health")

            let now = ISO8601DateFormatter().string(from: Date())
            let label = String(repeating: "x", count: 250)
            let rows = (0..<10_000).map { "{\"user_id\": \($0), \"ts\": \"\(now)\", \"score\": \($0).5, \"label\": \"\(label)\"}" }
            let push = "{\"view\": \"stats\", \"to\": \"online\", \"rows\": [\(rows.joined(separator: ","))]}"
            #expect(push.utf8.count > 2 << 20)
            async let pushed = server.post("/v1/push", push, token: "t0ken")
            var lookups: [Int] = []
            for user in 0..<20 {
                lookups.append(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [\(user)]}, \"features\": [\"stats:score\"]}").status)
            }
            let pushAnswer = try await pushed
            #expect(pushAnswer.status == 200, "\(pushAnswer.body.prefix(300))")
            #expect(lookups.allSatisfy { $0 == 200 }, "\(lookups)")
        }
    }
}
