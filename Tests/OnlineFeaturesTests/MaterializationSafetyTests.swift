import FeatureRegistry
import Foundation
import LocalServices
import OfflineStore
@testable import OnlineFeatures
import Postgres
import Redis
import Testing
import TestSupport

/// Incremental materialization under concurrent ingests, an emptied Redis and killed runs.
@Suite("Materialization safety", .serialized)
struct MaterializationSafetyTests {
    @Test("an ingest still running across an incremental run is waited for, not skipped, and does not block other writers")
    func ingestHeldOpen() async throws {
        try await OnlineFixture.withSeeded(users: 10) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            let materializer = Materializer(repository: repository, store: store)
            #expect(try materializer.materializeIncremental(view: view, postgres: connection, redis: redis).rowsRead == 10)

            let table = try OfflineTable(project: repository.project, view: view, repository: repository,
                                         pgvector: OfflineTable.hasPgvector(connection)).qualifiedName
            // A writer takes its sequence number now and commits later...
            let held = PostgresConnection(configuration: connection.configuration)
            defer { held.close() }
            try held.query("BEGIN")
            try held.query("INSERT INTO \(table) (user_id, event_ts, score) VALUES (1000, now(), 1000)")
            // ...while a later writer commits a higher one.
            let later = PostgresConnection(configuration: connection.configuration)
            defer { later.close() }
            try later.query("INSERT INTO \(table) (user_id, event_ts, score) VALUES (1001, now(), 1001)")

            let finished = Flag()
            let worker = PostgresConnection(configuration: connection.configuration)
            defer { worker.close() }
            let run = Task.detached {
                defer { finished.set() }
                return try materializer.materializeIncremental(view: view, postgres: worker, redis: RedisConnection(configuration: redis.configuration))
            }
            try await Task.sleep(for: .seconds(1.5))
            #expect(!finished.isSet, "the run must wait for the ingest in flight")
            // Other writers are not queued behind the waiting run (at most one lock_timeout).
            try later.query("SET statement_timeout = '5s'")
            try later.query("INSERT INTO \(table) (user_id, event_ts, score) VALUES (1002, now(), 1002)")
            try held.query("COMMIT")
            let summary = try await run.value
            #expect(summary.rowsRead == 3)
            let online = try await store.read([1000, 1001, 1002].map { OnlineCell(view: "stats", keys: [String($0)]) })
            #expect(online.map { $0?.versions.first?.values[0] } == [.double(1000), .double(1001), .double(1002)])
            #expect(try materializer.materializeIncremental(view: view, postgres: connection, redis: redis).rowsRead == 0)
        }
    }

    @Test("an incremental run that finds Redis emptied copies the whole history and says why")
    func emptiedRedis() async throws {
        let directory = NSTemporaryDirectory() + "pantry-redis-emptied-\(UUID().uuidString)"
        let server = LocalRedis(port: TestServers.freePort(), password: "secret", servicesDirectory: directory)
        try server.start()
        defer { try? server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        try await OnlineFixture.withSeeded(users: 40, redisURL: server.url) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            let materializer = Materializer(repository: repository, store: store)
            let first = try materializer.materializeIncremental(view: view, postgres: connection, redis: redis)
            #expect(first.rowsRead == 40 && first.fullReason == nil)
            #expect(try materializer.materializeIncremental(view: view, postgres: connection, redis: redis).rowsRead == 0)

            // Restarted without its data (this server keeps none on disk).
            try server.stop()
            try server.start()
            let again = try materializer.materializeIncremental(view: view, postgres: connection, redis: redis)
            #expect(again.rowsRead == 40)
            #expect(again.fullReason?.contains("no record") == true)
            try await MaterializationTests.check(store, users: 40)
            let next = try materializer.materializeIncremental(view: view, postgres: connection, redis: redis)
            #expect(next.rowsRead == 0 && next.fullReason == nil)
        }
    }

    @Test("a run whose process died (its session is gone) is marked failed by the next run")
    func orphanedRun() async throws {
        try await OnlineFixture.withSeeded(users: 5) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            let materializer = Materializer(repository: repository, store: store)
            // A run started by another process, which then dies: its backend goes away.
            let doomed = PostgresConnection(configuration: connection.configuration)
            let orphan = try materializer.startRun(view: view, mode: "incremental", window: nil, seqRange: (0, 1), on: doomed)
            let alive = try materializer.startRun(view: view, mode: "incremental", window: nil, seqRange: (0, 1), on: connection)
            try connection.query("SELECT pg_terminate_backend($1)", [Int(doomed.backendPID)])
            doomed.close()
            func status(_ id: Int) throws -> String {
                try connection.query("SELECT status FROM pantry.materialization_runs WHERE id = $1", [id])[0].decode(String.self, at: 0)
            }
            var marked = false
            for _ in 0..<50 where !marked {
                _ = try materializer.materializeIncremental(view: view, postgres: connection, redis: redis)
                marked = try status(orphan) == "failed"
                if !marked { try await Task.sleep(for: .milliseconds(100)) }  // the backend exits asynchronously
            }
            #expect(marked)
            #expect(try status(alive) == "running", "a run whose session lives is left alone")
        }
    }
}

