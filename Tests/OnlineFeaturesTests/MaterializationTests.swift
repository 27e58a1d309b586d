import Core
import LocalServices
import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Postgres
import Redis
import Testing
import TestSupport

@Suite("Materialization", .serialized)
struct MaterializationTests {
    /// Offline history for `count` users with several versions each, some late and tied.
    static func seed(_ repository: FeatureRepository, users: Int, on connection: PostgresConnection) throws {
        try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
        let table = OfflineTable(project: repository.project, view: repository.view(named: "stats")!, repository: repository,
                                 pgvector: try OfflineTable.hasPgvector(connection))
        var records: [[String: JSONValue]] = []
        for user in 0..<users {
            for version in 0..<4 {
                records.append(["user_id": .integer(Int64(user)), "ts": .integer(Int64(1_735_689_600 + (version / 2) * 3_600)),
                                "created": .integer(Int64(1_735_689_600 + version * 60)), "score": .number(Double(user * 10 + version)),
                                "tags": .array([.string("v\(version)")]), "emb": .array([.integer(Int64(version)), .number(0.5), .integer(-1)])])
            }
        }
        _ = try Ingestor(table: table).push(records.shuffled(), on: connection)
    }

    /// The expected online value of each user: version 3 (latest event, then largest created).
    static func check(_ store: RedisOnlineStore, users: Int) async throws {
        let cells = (0..<users).map { OnlineCell(view: "stats", keys: [String($0)]) }
        let results = try await store.read(cells)
        for (user, result) in results.enumerated() {
            let head = try #require(result?.versions.first, "user \(user) missing online")
            #expect(head.values[0] == .double(Double(user * 10 + 3)))
            #expect(head.values[1] == .list([.string("v3")]))
            #expect(head.values[3] == .vector([3, 0.5, -1]))
        }
    }

    static func snapshot(_ redis: RedisConnection, project: String) throws -> [String: [RedisReply]] {
        var state: [String: [RedisReply]] = [:]
        var cursor = "0"
        repeat {
            let reply = try redis.send(RedisCommand("SCAN", cursor, "MATCH", "pantry:{\(project):*", "COUNT", 1000)).checked()
            cursor = reply.array?[0].string ?? "0"
            for key in reply.array?[1].array ?? [] {
                state[key.string!] = try redis.send(RedisCommand("HGETALL", key.string!)).checked().array
            }
        } while cursor != "0"
        return state
    }

    @Test("materializing twice gives the same state; incremental picks up late rows and nothing else")
    func idempotentAndIncremental() async throws {
        try await OnlineFixture.withSeeded(users: 300) { connection, repository, store, redis in
            let materializer = Materializer(repository: repository, store: store)
            let view = repository.view(named: "stats")!
            let first = try materializer.materialize(view: view, start: nil, end: Date(), postgres: connection, redis: redis)
            #expect(first.rowsRead == 300 && first.written.current == 300)
            let before = try Self.snapshot(redis, project: repository.project)
            _ = try materializer.materialize(view: view, start: nil, end: Date(), postgres: connection, redis: redis)
            #expect(try Self.snapshot(redis, project: repository.project) == before)
            try await Self.check(store, users: 300)

            #expect(try materializer.materializeIncremental(view: view, postgres: connection, redis: redis).rowsRead == 300)
            #expect(try materializer.materializeIncremental(view: view, postgres: connection, redis: redis).rowsRead == 0)
            // A late row with an event time inside the already-materialized window.
            let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(connection))
            _ = try Ingestor(table: table).push([["user_id": .integer(5), "ts": .integer(1_735_693_200), "created": .integer(1_735_700_000), "score": .number(-1)]], on: connection)
            let late = try materializer.materializeIncremental(view: view, postgres: connection, redis: redis)
            #expect(late.rowsRead == 1 && late.written.current == 1)
            #expect(try await store.read([OnlineCell(view: "stats", keys: ["5"])])[0]?.versions.first?.values[0] == .double(-1))
            let runs = try connection.query("SELECT count(*) FILTER (WHERE status = 'succeeded') FROM pantry.materialization_runs")[0].decode(Int.self, at: 0)
            #expect(runs == 5)
        }
    }

    @Test("Redis killed in the middle of a materialization: the rerun completes it correctly")
    func redisKilledMidway() async throws {
        let users = 20_000
        let directory = NSTemporaryDirectory() + "pantry-redis-materialize-\(UUID().uuidString)"
        let server = LocalRedis(port: TestServers.freePort(), password: "secret", servicesDirectory: directory)
        try server.start()
        defer { try? server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        try await OnlineFixture.withSeeded(users: users, redisURL: server.url) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            let pid = try #require(server.pid)
            var killed = false
            #expect(throws: (any Error).self) {
                _ = try Materializer(repository: repository, store: store).materializeIncremental(view: view, postgres: connection, redis: redis) { rows in
                    if rows >= 5_000 && !killed { kill(pid, SIGKILL); killed = true }
                }
            }
            #expect(killed)
            let failed = try connection.query("SELECT status, error FROM pantry.materialization_runs ORDER BY id DESC LIMIT 1")[0]
            #expect(try failed.decode(String.self, at: 0) == "failed")
            // The watermark did not move, so the rerun does everything again.
            try server.start()
            let rerun = try Materializer(repository: repository, store: store).materializeIncremental(view: view, postgres: connection, redis: redis)
            #expect(rerun.rowsRead == users)
            try await Self.check(store, users: users)
        }
    }

    @Test("clear-online removes only the chosen views of its project, drops emptied hashes, and resets the watermark")
    func clearViews() async throws {
        try await OnlineFixture.withDatabase { connection in
            let repository = OnlineFixture.repository(project: OnlineFixture.project())
            let other = OnlineFixture.repository(project: OnlineFixture.project())
            try Self.seed(repository, users: 50, on: connection)
            let store = try OnlineFixture.store(repository), otherStore = try OnlineFixture.store(other)
            defer { store.pool.close(); otherStore.pool.close() }
            let redis = RedisConnection(configuration: store.pool.configuration)
            defer { redis.close() }
            let materializer = Materializer(repository: repository, store: store)
            #expect(try materializer.materializeIncremental(view: repository.view(named: "stats")!, postgres: connection, redis: redis).rowsRead == 50)
            let (pair, global) = (repository.view(named: "pair")!, repository.view(named: "global")!)
            _ = try await store.write([OnlineRow(view: pair, keys: ["1", "x"], eventMicros: 1, createdMicros: nil, values: [.int(5)]),
                                       OnlineRow(view: global, keys: [], eventMicros: 1, createdMicros: nil, values: [.int(9)])])
            _ = try await otherStore.write([OnlineRow(view: other.view(named: "stats")!, keys: ["1"], eventMicros: 1, createdMicros: nil,
                                                      values: [.double(1), .null, .null, .null])])

            // One view: its fields go, the other views and the other project stay.
            #expect(try store.clear(views: [repository.view(named: "stats")!], on: redis) == 50)
            #expect(try await store.read([OnlineCell(view: "stats", keys: ["1"])])[0] == nil)
            #expect(try await store.read([OnlineCell(view: "pair", keys: ["1", "x"])])[0]?.versions.first?.values == [.int(5)])
            #expect(try await otherStore.read([OnlineCell(view: "stats", keys: ["1"])])[0] != nil)
            #expect(try Self.snapshot(redis, project: repository.project).count == 2)  // pair's hash and the global one

            // Clearing the last views of a hash deletes it.
            #expect(try store.clear(views: [global, pair], on: redis) == 2)
            #expect(try Self.snapshot(redis, project: repository.project).isEmpty)
            #expect(try Self.snapshot(redis, project: other.project).count == 1)

            // Clearing alone keeps the watermark (nothing new to copy); with it reset (as
            // `pantry clear-online` does), the next incremental run copies the whole history again.
            #expect(try materializer.materializeIncremental(view: repository.view(named: "stats")!, postgres: connection, redis: redis).rowsRead == 0)
            try materializer.resetWatermarks(views: [repository.view(named: "stats")!], postgres: connection)
            #expect(try materializer.materializeIncremental(view: repository.view(named: "stats")!, postgres: connection, redis: redis).rowsRead == 50)
            try await Self.check(store, users: 50)
        }
    }
}
