import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import OnlineFeatures
import Postgres
import Redis
import TestSupport

/// A migrated database and a Redis namespace (a unique project name) for one test.
enum OnlineFixture {
    static func repository(project: String, ttl: Int = 0) -> FeatureRepository {
        FeatureRepository(
            project: project,
            entities: [Entity(name: "user", joinKey: "user_id", keyType: .int64), Entity(name: "item", joinKey: "item_id", keyType: .string)],
            views: [
                FeatureView(name: "stats", entities: ["user"], features: [Feature(name: "score", type: .double), Feature(name: "tags", type: .list(.string)),
                                                                           Feature(name: "seen_at", type: .timestamp), Feature(name: "emb", type: .vector(3))],
                            eventTimestampColumn: "ts", createdTimestampColumn: "created", ttlSeconds: ttl),
                FeatureView(name: "pair", entities: ["user", "item"], features: [Feature(name: "clicks", type: .int64)],
                            eventTimestampColumn: "ts", createdTimestampColumn: "created"),
                FeatureView(name: "global", entities: [], features: [Feature(name: "total", type: .int32)], eventTimestampColumn: "ts"),
            ])
    }

    static func project() -> String { "t\(UInt32.random(in: 0...UInt32.max))" }

    static func withDatabase<T>(_ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            defer { connection.close() }
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            return try await body(connection)
        }
    }

    static func store(_ repository: FeatureRepository, url: String? = nil, history: Int = 4) throws -> RedisOnlineStore {
        RedisOnlineStore(pool: RedisPool(configuration: try RedisConfiguration(url: url ?? TestServers.redisURL(), maxConnections: 8)),
                         repository: repository, historyDepth: history)
    }

    /// A migrated database seeded with `users` × two versions of `stats` (see
    /// `MaterializationTests.seed`), a store on `redisURL` (the shared Redis by default) and a
    /// Redis connection to it: where most materialization tests start.
    static func withSeeded<T>(users: Int, redisURL: String? = nil,
                              _ body: (PostgresConnection, FeatureRepository, RedisOnlineStore, RedisConnection) async throws -> T) async throws -> T {
        try await withDatabase { connection in
            let repository = repository(project: project())
            try MaterializationTests.seed(repository, users: users, on: connection)
            let store = try store(repository, url: redisURL)
            defer { store.pool.close() }
            let redis = RedisConnection(configuration: store.pool.configuration)
            defer { redis.close() }
            return try await body(connection, repository, store, redis)
        }
    }

    static func micros(_ seconds: Int) -> Int64 { Int64(seconds) * 1_000_000 }
}
