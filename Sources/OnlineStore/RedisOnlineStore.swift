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
            var keys: [any RedisArgument] = [], arguments: [any RedisArgument] = [historyDepth]
            for row in rows[start..<min(start + rowsPerCall, rows.count)] {
                let expireAt: Int64 = row.view.ttlSeconds == 0 ? 0
                    : max(row.eventMicros / 1000 + Int64(row.view.ttlSeconds) * 1000, now + Int64(staleRetentionSeconds) * 1000)
                keys.append(redisKey(view: row.view, keys: row.keys))
                let version: MessagePackValue = .array([.int(row.eventMicros), .int(row.createdMicros ?? -1),
                                                        .rawString(MessagePack.encode(.array(row.values.map(\.messagePack))))])
                arguments += [row.view.name, MessagePack.encode(.array([version])), Int(expireAt)]
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
        // One HMGET per distinct hash (views of one entity share it), all in one pipeline.
        var commandOf: [String: Int] = [:]
        var hashes: [(key: String, fields: [String])] = []
        var views: [(view: FeatureView, keyNames: [String])] = []  // looked up once per batch, not per cell
        var locations: [(command: Int, field: Int, view: Int)?] = []
        locations.reserveCapacity(cells.count)
        for cell in cells {
            let viewIndex: Int
            if let found = views.firstIndex(where: { $0.view.name == cell.view }) {
                viewIndex = found
            } else if let view = repository.view(named: cell.view) {
                viewIndex = views.count
                views.append((view, repository.joinKeys(of: view).map(\.name)))
            } else {
                locations.append(nil)
                continue
            }
            let key = redisKey(names: views[viewIndex].keyNames, keys: cell.keys)
            // Small batches (the usual lookup) search the few hashes; large ones use a dictionary.
            let command: Int
            if let existing = cells.count <= 16 ? hashes.firstIndex(where: { $0.key == key }) : commandOf[key] {
                command = existing
            } else {
                command = hashes.count
                if cells.count > 16 { commandOf[key] = command }
                hashes.append((key, []))
            }
            let field: Int
            if let existing = hashes[command].fields.firstIndex(of: cell.view) {
                field = existing
            } else {
                field = hashes[command].fields.count
                hashes[command].fields.append(cell.view)
            }
            locations.append((command, field, viewIndex))
        }
        let commands = hashes.map { hash in RedisCommand("HMGET", [hash.key as any RedisArgument] + hash.fields.map { $0 as any RedisArgument }) }
        let replies = if let multiplexer { try await multiplexer.pipeline(commands) }
            else { try await pool.withConnection { try $0.pipeline(commands) } }
        var fields: [[RedisReply]] = []
        fields.reserveCapacity(replies.count)
        for reply in replies { fields.append(try reply.checked(command: "HMGET").array ?? []) }
        return try locations.map { location in
            guard let location, location.field < fields[location.command].count,
                  let raw = fields[location.command][location.field].bytes else { return nil }
            return try decode(raw, view: views[location.view].view)
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
