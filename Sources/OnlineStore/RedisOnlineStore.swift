import FeatureRegistry
import Foundation
import Redis

/// The online store in Redis (layout: see `OnlineKey`; write rule: see `OnlineWriteScript`).
public struct RedisOnlineStore: OnlineStore {
    public let pool: RedisPool
    public let repository: FeatureRepository
    /// Versions kept per (entity, view) for as-of reads.
    public let historyDepth: Int
    /// How long a value past its TTL stays readable (reported OUTSIDE_MAX_AGE) before its
    /// hash may expire.
    public let staleRetentionSeconds: Int
    /// Rows per script call: many in standalone Redis; one under Redis Cluster, where a
    /// call's keys must share a slot.
    public let rowsPerCall: Int
    /// Script calls per pipeline.
    let callsPerPipeline = 64

    /// When set, reads share connections with concurrent readers through pipelining.
    public let multiplexer: RedisMultiplexer?

    public init(pool: RedisPool, repository: FeatureRepository, historyDepth: Int = 4, staleRetentionSeconds: Int = 86_400,
                cluster: Bool = false, multiplexer: RedisMultiplexer? = nil) {
        self.pool = pool
        self.multiplexer = multiplexer
        self.repository = repository
        self.historyDepth = max(1, historyDepth)
        self.staleRetentionSeconds = staleRetentionSeconds
        self.rowsPerCall = cluster ? 1 : 100
    }

    func redisKey(view: FeatureView, keys: [String]) -> String {
        redisKey(names: repository.joinKeys(of: view).map(\.name), keys: keys)
    }

    func redisKey(names: [String], keys: [String]) -> String {
        OnlineKey.redisKey(project: repository.project, keys: Array(zip(names, keys)))
    }

    public func write(_ rows: [OnlineRow]) async throws -> OnlineWriteSummary {
        try await pool.withConnection { try write(rows, on: $0) }
    }

    /// The synchronous core of `write`, for callers that own a connection (materialization).
    public func write(_ rows: [OnlineRow], on connection: RedisConnection) throws -> OnlineWriteSummary {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var calls: [(keys: [any RedisArgument], arguments: [any RedisArgument])] = []
        calls.reserveCapacity(rows.count / rowsPerCall + 1)
        var start = 0
        while start < rows.count {
            var keys: [any RedisArgument] = [], arguments: [any RedisArgument] = []
            for row in rows[start..<min(start + rowsPerCall, rows.count)] {
                let expireAt: Int64 = row.view.ttlSeconds == 0 ? 0
                    : max(row.eventMicros / 1000 + Int64(row.view.ttlSeconds) * 1000, now + Int64(staleRetentionSeconds) * 1000)
                keys.append(redisKey(view: row.view, keys: row.keys))
                let version: MessagePackValue = .array([.int(row.eventMicros), .int(row.createdMicros ?? -1),
                                                        .rawString(MessagePack.encode(.array(row.values.map(\.messagePack))))])
                arguments += [row.view.name, Int(row.eventMicros), Int(row.createdMicros ?? -1),
                              MessagePack.encode(.array([version])), historyDepth, Int(expireAt)]
            }
            calls.append((keys, arguments))
            start += rowsPerCall
        }
        var summary = OnlineWriteSummary()
        start = 0
        while start < calls.count {
            let replies = try connection.evalsha(OnlineWriteScript.script, calls: Array(calls[start..<min(start + callsPerPipeline, calls.count)]))
            for reply in replies {
                for outcome in try reply.checked(command: "EVALSHA online write").array ?? [] {
                    switch outcome {
                    case .integer(1): summary.current += 1
                    case .integer(0): summary.history += 1
                    default: summary.dropped += 1
                    }
                }
            }
            start += callsPerPipeline
        }
        return summary
    }

    public func read(_ cells: [OnlineCell]) async throws -> [OnlineVersions?] {
        // One HMGET per distinct hash, all in one pipeline.
        var hashes: [String: [String]] = [:]
        var order: [String] = []
        var views: [String: FeatureView] = [:]
        var keyNames: [String: [String]] = [:]  // join key names per view, looked up once per batch
        var locations: [(String, String)?] = []
        for cell in cells {
            guard let view = views[cell.view] ?? repository.view(named: cell.view) else { locations.append(nil); continue }
            views[cell.view] = view
            let names = keyNames[cell.view] ?? repository.joinKeys(of: view).map(\.name)
            keyNames[cell.view] = names
            let key = redisKey(names: names, keys: cell.keys)
            if hashes[key] == nil { hashes[key] = []; order.append(key) }
            if !hashes[key]!.contains(view.name) { hashes[key]!.append(view.name) }
            locations.append((key, view.name))
        }
        let commands = order.map { key in RedisCommand("HMGET", [key as any RedisArgument] + hashes[key]!.map { $0 as any RedisArgument }) }
        let replies = if let multiplexer { try await multiplexer.pipeline(commands) }
            else { try await pool.withConnection { try $0.pipeline(commands) } }
        var fields: [String: [String: [UInt8]]] = [:]
        for (key, reply) in zip(order, replies) {
            guard let values = try reply.checked(command: "HMGET").array else { continue }
            for (field, value) in zip(hashes[key]!, values) { if let bytes = value.bytes { fields[key, default: [:]][field] = bytes } }
        }
        return try locations.map { location in
            guard let (key, field) = location, let raw = fields[key]?[field], let view = views[field] else { return nil }
            return try decode(raw, view: view)
        }
    }

    func decode(_ raw: [UInt8], view: FeatureView) throws -> OnlineVersions {
        guard case .array(let entries) = try MessagePack.decode(raw, stringsAsBinary: true) else {
            throw MessagePack.DecodingError(description: "online value of view \(view.name) is not a version list")
        }
        let versions = try entries.map { entry -> OnlineVersions.Version in
            guard case .array(let parts) = entry, parts.count == 3, case .int(let event) = parts[0], case .int(let created) = parts[1],
                  case .binary(let payload) = parts[2], case .array(let values) = try MessagePack.decode(payload) else {
                throw MessagePack.DecodingError(description: "malformed online version of view \(view.name)")
            }
            // Views gain features over time: older versions lack the new ones (NULL).
            let decoded = view.features.enumerated().map { index, feature in
                index < values.count ? FeatureValue(messagePack: values[index], type: feature.type) : .null
            }
            return .init(eventMicros: event, createdMicros: created < 0 ? nil : created, values: decoded)
        }
        return OnlineVersions(versions: versions, truncated: versions.count >= historyDepth)
    }
}
