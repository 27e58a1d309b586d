import FeatureRegistry
import Foundation
import OnlineFeatures
import Redis
import Testing
import TestSupport

/// The online write script's expiry rule when views change, and corrupt fields.
@Suite("Online expiry and corrupt values")
struct OnlineExpiryTests {
    static func view(_ name: String, ttl: Int) -> FeatureView {
        FeatureView(name: name, entities: ["user"], features: [Feature(name: "score", type: .double)], eventTimestampColumn: "ts", ttlSeconds: ttl)
    }

    static func repository(_ project: String, _ views: [FeatureView]) -> FeatureRepository {
        FeatureRepository(project: project, entities: [Entity(name: "user", joinKey: "user_id", keyType: .int64)], views: views)
    }

    func row(_ view: FeatureView, _ user: Int, value: Double, ago seconds: Int = 60) -> OnlineRow {
        OnlineRow(view: view, keys: [String(user)], eventMicros: OnlineFixture.micros(Int(Date().timeIntervalSince1970) - seconds),
                  createdMicros: nil, values: [.double(value)])
    }

    func expiry(_ redis: RedisConnection, _ key: String) throws -> Int {
        try redis.send(RedisCommand("PEXPIRETIME", key)).checked().integer ?? -3
    }

    @Test("a view that had no TTL and is given one lets its hash expire again")
    func ttlAddedLater() async throws {
        let project = OnlineFixture.project()
        let forever = Self.repository(project, [Self.view("stats", ttl: 0)])
        let store = try OnlineFixture.store(forever)
        defer { store.pool.close() }
        let redis = RedisConnection(configuration: store.pool.configuration)
        defer { redis.close() }
        _ = try await store.write([row(forever.views[0], 1, value: 1)])
        let key = OnlineKey.redisKey(project: project, keys: [("user_id", "1")])
        #expect(try expiry(redis, key) == -1)

        let expiring = Self.repository(project, [Self.view("stats", ttl: 3_600)])
        let later = try OnlineFixture.store(expiring)
        defer { later.pool.close() }
        _ = try await later.write([row(expiring.views[0], 1, value: 2, ago: 30)])
        #expect(try expiry(redis, key) > 0, "the hash must expire once its only view has a TTL")
    }

    @Test("clearing the view without TTL leaves the hash expiring as the remaining view asks; clearing all deletes it")
    func clearRecomputes() async throws {
        let project = OnlineFixture.project()
        let repository = Self.repository(project, [Self.view("forever", ttl: 0), Self.view("hourly", ttl: 3_600)])
        let store = try OnlineFixture.store(repository, history: 2)
        defer { store.pool.close() }
        let redis = RedisConnection(configuration: store.pool.configuration)
        defer { redis.close() }
        _ = try await store.write([row(repository.views[0], 1, value: 1), row(repository.views[1], 1, value: 2)])
        let key = OnlineKey.redisKey(project: project, keys: [("user_id", "1")])
        #expect(try expiry(redis, key) == -1)
        #expect(try store.clear(views: [repository.views[0]], on: redis) == 1)
        #expect(try expiry(redis, key) > 0)
        #expect(try await store.read([OnlineCell(view: "hourly", keys: ["1"])])[0]?.versions.first?.values == [.double(2)])
        #expect(try store.clear(views: [repository.views[1]], on: redis) == 1)
        #expect(try redis.send(RedisCommand("EXISTS", key)).checked().integer == 0)
    }

    @Test("a corrupt stored field fails only its own key, reported; the batch's other rows are written")
    func corruptField() async throws {
        let project = OnlineFixture.project()
        let repository = Self.repository(project, [Self.view("stats", ttl: 0)])
        let store = try OnlineFixture.store(repository)
        defer { store.pool.close() }
        let redis = RedisConnection(configuration: store.pool.configuration)
        defer { redis.close() }
        let view = repository.views[0]
        let broken = OnlineKey.redisKey(project: project, keys: [("user_id", "2")])
        let garbage: [UInt8] = [0xC1, 0xFF, 0x00]  // 0xC1 is never valid MessagePack
        for bad in [garbage, Array("not msgpack".utf8), [0x93, 0x01, 0x02, 0x03]] {  // the last: a list of numbers, not of versions
            try redis.send(RedisCommand("HSET", broken, "stats", bad)).checked()
            let summary = try await store.write((1...3).map { row(view, $0, value: Double($0)) })
            #expect(summary.corrupt == 1 && summary.current == 2)
            #expect(summary.corruptKeys == ["\(broken) stats"])
            #expect(try redis.send(RedisCommand("HGET", broken, "stats")).checked().bytes == bad, "a corrupt field is left as it was")
            let values = try await store.read([1, 3].map { OnlineCell(view: "stats", keys: [String($0)]) })
            #expect(values.map { $0?.versions.first?.values } == [[.double(1)], [.double(3)]])
        }
    }
}
