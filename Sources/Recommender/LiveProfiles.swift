import Redis

/// Each user's recent interactions, held online so that a profile follows a like at once.
///
/// Two sorted sets per (recommender, user), members item ids scored by event time (µs):
/// `pantry-profile:{<project>:<user key>=<user>}:<recommender>:likes` (positives) and `…:seen`
/// (interactions below the positive threshold). The braces are the user's entity hash tag, so
/// in Redis Cluster a profile sits in the slot of the user's online features. Each set keeps
/// its newest `limit` items. Updates follow the point-in-time rule of the offline store: an
/// event older than the item's stored event is ignored, so late or replayed events cannot
/// undo a newer one; a positive moves the item to `likes`, anything else to `seen`.
public struct LiveProfiles: Sendable {
    /// A user's profile: liked items oldest first, and every item they interacted with.
    public struct Profile: Sendable, Equatable {
        public var liked: [Int64]
        public var seen: Set<Int64>
        public var isEmpty: Bool { seen.isEmpty }
        public init(liked: [Int64], seen: Set<Int64>) {
            self.liked = liked
            self.seen = seen
        }
    }

    public let project: String
    public let recommender: String
    public let userKey: String
    public let limit: Int
    public let minimumPositiveWeight: Double

    public init(_ definition: RecommenderDefinition) {
        project = definition.project
        recommender = definition.name
        userKey = definition.interactions.user
        limit = definition.profileLimit
        minimumPositiveWeight = definition.minimumPositiveWeight
    }

    public func keys(user: Int64) -> (likes: String, seen: String) {
        let base = "pantry-profile:{\(project):\(userKey)=\(user)}:\(recommender)"
        return (base + ":likes", base + ":seen")
    }

    static let applyScript = RedisScript("""
        local item, t, limit = ARGV[1], tonumber(ARGV[2]), tonumber(ARGV[4])
        for _, key in ipairs(KEYS) do
          local stored = redis.call('ZSCORE', key, item)
          if stored and tonumber(stored) > t then return 0 end
        end
        local into, from = KEYS[1], KEYS[2]
        if ARGV[3] ~= '1' then into, from = KEYS[2], KEYS[1] end
        redis.call('ZREM', from, item)
        redis.call('ZADD', into, t, item)
        redis.call('ZREMRANGEBYRANK', into, 0, -limit - 1)
        return 1
        """)

    /// Applies interactions (pushed, or replayed) in order; returns how many changed a profile.
    /// An interaction is a positive when its weight reaches the definition's minimum.
    public func apply(_ events: [Interaction], on connection: RedisConnection) throws(RedisError) -> Int {
        guard !events.isEmpty else { return 0 }
        let calls = events.map { e -> (keys: [any RedisArgument], arguments: [any RedisArgument]) in
            let (likes, seen) = keys(user: e.user)
            return ([likes, seen], [String(e.item), String(e.time), e.weight >= minimumPositiveWeight ? "1" : "0", limit])
        }
        var changed = 0
        for reply in try connection.evalsha(Self.applyScript, calls: calls) {
            changed += try reply.checked(command: "live profile update").integer ?? 0
        }
        return changed
    }

    /// The commands reading one user's profile (send them in one pipeline; see ``profile(from:)``).
    public func readCommands(user: Int64) -> [RedisCommand] {
        let (likes, seen) = keys(user: user)
        return [RedisCommand("ZRANGE", likes, "0", "-1"), RedisCommand("ZRANGE", seen, "0", "-1")]
    }

    public func profile(from replies: [RedisReply]) throws(RedisError) -> Profile {
        func ids(_ reply: RedisReply) throws(RedisError) -> [Int64] {
            guard let items = try reply.checked(command: "ZRANGE").array else {
                throw RedisError(.unexpectedReply, "live profile: expected a list, got \(reply)", command: "ZRANGE")
            }
            var ids: [Int64] = []
            ids.reserveCapacity(items.count)
            for item in items {
                guard case .bulk(let bytes) = item, let id = Self.integer(bytes) else {
                    throw RedisError(.unexpectedReply, "live profile: item \(item) is not an integer id", command: "ZRANGE")
                }
                ids.append(id)
            }
            return ids
        }
        guard replies.count == 2 else { throw RedisError(.unexpectedReply, "live profile: \(replies.count) replies, expected 2") }
        let liked = try ids(replies[0]), others = try ids(replies[1])
        var seen = Set<Int64>(minimumCapacity: liked.count + others.count)
        for id in liked { seen.insert(id) }
        for id in others { seen.insert(id) }
        return Profile(liked: liked, seen: seen)
    }

    /// A decimal integer from a reply's bytes (no String in between: profiles are read on
    /// every recommendation request).
    static func integer(_ bytes: [UInt8]) -> Int64? {
        guard !bytes.isEmpty, bytes.count <= 20 else { return nil }
        var negative = false, value: Int64 = 0, index = 0
        if bytes[0] == UInt8(ascii: "-") { negative = true; index = 1 }
        guard index < bytes.count else { return nil }
        while index < bytes.count {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit < 10 else { return nil }
            let (times, o1) = value.multipliedReportingOverflow(by: 10)
            let (next, o2) = negative ? times.subtractingReportingOverflow(Int64(digit)) : times.addingReportingOverflow(Int64(digit))
            guard !o1, !o2 else { return nil }
            value = next
            index += 1
        }
        return value
    }

    /// Replaces every user's profile with the newest `limit` likes and seen items of
    /// `interactions` (the latest per user and item), one atomic `MULTI` per user.
    public func rebuild(from interactions: [Interaction], on connection: RedisConnection) throws(RedisError) -> Int {
        var byUser: [Int64: [Interaction]] = [:]
        for i in interactions { byUser[i.user, default: []].append(i) }
        var commands: [RedisCommand] = []
        for (user, events) in byUser {
            let (likes, seen) = keys(user: user)
            commands.append(RedisCommand("MULTI"))
            commands.append(RedisCommand("DEL", likes, seen))
            for (key, positive) in [(likes, true), (seen, false)] {
                let chosen = events.filter { ($0.weight >= minimumPositiveWeight) == positive }
                    .sorted { ($0.time, $0.item) > ($1.time, $1.item) }.prefix(limit)
                guard !chosen.isEmpty else { continue }
                commands.append(RedisCommand("ZADD", [key] + chosen.flatMap { [String($0.time), String($0.item)] as [any RedisArgument] }))
            }
            commands.append(RedisCommand("EXEC"))
            if commands.count > 4_000 {
                try check(try connection.pipeline(commands))
                commands.removeAll(keepingCapacity: true)
            }
        }
        try check(try connection.pipeline(commands))
        return byUser.count
    }

    private func check(_ replies: [RedisReply]) throws(RedisError) {
        for reply in replies { _ = try reply.checked(command: "live profile rebuild") }
    }
}
