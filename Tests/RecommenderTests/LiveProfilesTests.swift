import Foundation
import Redis
import Testing
import TestSupport
@testable import Recommender

/// Against a real Redis: the point-in-time rule and the bound of live profiles.
@Suite("Live profiles in Redis")
struct LiveProfilesTests {
    static func profiles(limit: Int = 3) throws -> LiveProfiles {
        var definition = try RecommenderDefinition.load(yaml: """
            name: r\(UInt32.random(in: 0...UInt32.max))
            project: p
            interactions: {view: events, user: user_id, item: item_id, weight: rating}
            positive: {min_weight: 4}
            """, file: "r.yaml")
        definition.profileLimit = limit
        return LiveProfiles(definition)
    }

    func read(_ profiles: LiveProfiles, _ user: Int64, _ redis: RedisConnection) throws -> LiveProfiles.Profile {
        try profiles.profile(from: try redis.pipeline(profiles.readCommands(user: user)))
    }

    @Test("a like enters, an older event cannot undo it, a newer dislike moves it to seen; each set keeps its newest items")
    func pointInTime() throws {
        let redis = RedisConnection(configuration: try RedisConfiguration(url: try TestServers.redisURL()))
        defer { redis.close() }
        let profiles = try Self.profiles()
        defer { _ = try? redis.send(RedisCommand("DEL", profiles.keys(user: 7).likes, profiles.keys(user: 7).seen)) }
        #expect(try profiles.apply([Interaction(user: 7, item: 1, weight: 5, time: 100)], on: redis) == 1)
        #expect(try read(profiles, 7, redis) == .init(liked: [1], seen: [1]))
        // An older low rating arrives late: ignored.
        #expect(try profiles.apply([Interaction(user: 7, item: 1, weight: 2, time: 50)], on: redis) == 0)
        #expect(try read(profiles, 7, redis).liked == [1])
        // A newer low rating: no longer liked, still seen (never recommended again).
        #expect(try profiles.apply([Interaction(user: 7, item: 1, weight: 2, time: 150)], on: redis) == 1)
        #expect(try read(profiles, 7, redis) == .init(liked: [], seen: [1]))
        // Bounded: the newest 3 likes stay, oldest first.
        _ = try profiles.apply((2...6).map { Interaction(user: 7, item: $0, weight: 4, time: 200 + $0) }, on: redis)
        #expect(try read(profiles, 7, redis).liked == [4, 5, 6])
        #expect(try read(profiles, 99, redis).isEmpty)
    }

    @Test("rebuild replaces each user's profile from the latest interactions")
    func rebuild() throws {
        let redis = RedisConnection(configuration: try RedisConfiguration(url: try TestServers.redisURL()))
        defer { redis.close() }
        let profiles = try Self.profiles()
        defer { for u: Int64 in [1, 2] { _ = try? redis.send(RedisCommand("DEL", profiles.keys(user: u).likes, profiles.keys(user: u).seen)) } }
        _ = try profiles.apply([Interaction(user: 1, item: 99, weight: 5, time: 1)], on: redis)
        let interactions = [Interaction(user: 1, item: 10, weight: 5, time: 3), Interaction(user: 1, item: 11, weight: 1, time: 4),
                            Interaction(user: 1, item: 12, weight: 4, time: 2), Interaction(user: 2, item: 10, weight: 3, time: 1)]
        #expect(try profiles.rebuild(from: interactions, on: redis) == 2)
        #expect(try read(profiles, 1, redis) == .init(liked: [12, 10], seen: [10, 11, 12]))
        #expect(try read(profiles, 2, redis) == .init(liked: [], seen: [10]))
    }
}
