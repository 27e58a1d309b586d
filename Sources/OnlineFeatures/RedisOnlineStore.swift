import Core
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

    public func write(_ rows: [OnlineRow]) async throws -> OnlineWriteSummary {
        try await pool.withConnection { try write(rows, on: $0) }
    }

    /// The synchronous core of `write`, for callers that own a connection (materialization).
    public func write(_ rows: [OnlineRow], on connection: RedisConnection) throws -> OnlineWriteSummary {
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var calls: [(keys: [any RedisArgument], arguments: [any RedisArgument])] = []
        calls.reserveCapacity(rows.count / rowsPerCall + 1)
        var start = 0
        var keyNames: (view: String, names: [String]) = ("", [])  // rows come in runs of one view: look up once per run
        while start < rows.count {
            var keys: [any RedisArgument] = [], arguments: [any RedisArgument] = [historyDepth]
            for row in rows[start..<min(start + rowsPerCall, rows.count)] {
                if keyNames.view != row.view.name { keyNames = (row.view.name, repository.joinKeys(of: row.view).map(\.name)) }
                let expireAt: Int64 = row.view.ttlSeconds == 0 ? 0
                    : max(row.eventMicros / 1000 + Int64(row.view.ttlSeconds) * 1000, now + Int64(staleRetentionSeconds) * 1000)
                var key: [UInt8] = []
                OnlineKey.appendRedisKey(project: repository.project, names: keyNames.names, values: row.keys, to: &key)
                keys.append(key)
                let version: MessagePackValue = .array([.int(row.eventMicros), .int(row.createdMicros ?? -1),
                                                        .rawString(MessagePack.encode(.array(row.values.map(\.messagePack))))])
                arguments += [row.view.name, MessagePack.encode(.array([version])), Int(expireAt)]
            }
            calls.append((keys, arguments))
            start += rowsPerCall
        }
        var summary = OnlineWriteSummary()
        start = 0
        var row = 0
        while start < calls.count {
            let replies = try connection.evalsha(OnlineWriteScript.script, calls: Array(calls[start..<min(start + callsPerPipeline, calls.count)]))
            for reply in replies {
                for outcome in try reply.checked(command: "EVALSHA online write").array ?? [] {
                    switch outcome {
                    case .integer(1): summary.current += 1
                    case .integer(0): summary.history += 1
                    case .integer(-1): summary.dropped += 1
                    default:
                        summary.corrupt += 1
                        if summary.corruptKeys.count < OnlineWriteSummary.keptCorruptKeys {
                            summary.corruptKeys.append(OnlineKey.redisKey(
                                project: repository.project,
                                keys: Array(zip(repository.joinKeys(of: rows[row].view).map(\.name), rows[row].keys))) + " " + rows[row].view.name)
                        }
                    }
                    row += 1
                }
            }
            start += callsPerPipeline
        }
        return summary
    }

    /// Reads cells through the plan read below: one plan over the cells' views, one entity row
    /// per cell carrying only its own view's keys.
    public func read(_ cells: [OnlineCell]) async throws -> [OnlineVersions?] {
        var names: [String] = []
        for cell in cells where !names.contains(cell.view) && repository.view(named: cell.view) != nil { names.append(cell.view) }
        guard !names.isEmpty else { return cells.map { _ in nil } }
        let plan = try OnlineReadPlan(references: names.map { FeatureReference(view: $0, feature: nil) }, repository: repository,
                                      fullFeatureNames: true)
        let viewOf = cells.map { cell in plan.views.firstIndex { $0.view.name == cell.view } }
        let keys: [[String?]] = plan.requiredKeys.map { key in
            cells.indices.map { row in
                guard let view = viewOf[row], let position = plan.views[view].keyNames.firstIndex(of: key.name) else { return nil }
                return cells[row].keys[position]
            }
        }
        let results = try await read(plan, keys: keys, rowCount: cells.count)
        return cells.indices.map { row in viewOf[row].flatMap { results[$0][row] } }
    }

    /// One `HMGET` per (row, key group), written straight into RESP bytes from the plan's
    /// encoded commands, all in one pipeline.
    public func read(_ plan: OnlineReadPlan, keys: [[String?]], rowCount: Int) async throws -> [[OnlineVersions?]] {
        var wire: [UInt8] = []
        wire.reserveCapacity(rowCount * plan.keyGroups.count * 96)
        var sent: [(group: Int, row: Int)] = []
        sent.reserveCapacity(rowCount * plan.keyGroups.count)
        var key: [UInt8] = []
        var values: [String] = []
        for row in 0..<rowCount {
            for (index, group) in plan.keyGroups.enumerated() {
                values.removeAll(keepingCapacity: true)
                for position in group.keyPositions {
                    guard let text = keys[position][row] else { break }
                    values.append(text)
                }
                guard values.count == group.keyPositions.count else { continue }
                key.removeAll(keepingCapacity: true)
                OnlineKey.appendRedisKey(project: plan.project, names: group.keyNames, values: values, to: &key)
                wire.append(contentsOf: group.commandHeader)
                RedisCommand.appendBulk(&wire, key)
                wire.append(contentsOf: group.commandFields)
                sent.append((index, row))
            }
        }
        let replies: [RedisReply]
        if let multiplexer {
            replies = try await multiplexer.pipeline(encoded: wire, count: sent.count)
        } else {
            replies = try await pool.withConnection { [wire, count = sent.count] in try $0.pipeline(encoded: wire, count: count, name: "HMGET") }
        }
        var results = [[OnlineVersions?]](repeating: [OnlineVersions?](repeating: nil, count: rowCount), count: plan.views.count)
        for ((group, row), reply) in zip(sent, replies) {
            guard let fields = try reply.checked(command: "HMGET").array else { continue }
            for (field, view) in zip(fields, plan.keyGroups[group].views) {
                if let raw = field.bytes { results[view][row] = try decode(raw, view: plan.views[view].view) }
            }
        }
        return results
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
