import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres

/// Compares what the online store serves with what a point-in-time export computes for the same
/// entities at the same time: every difference is training/serving skew.
public struct SkewChecker: Sendable {
    public struct Mismatch: Sendable, CustomStringConvertible {
        public let keys: [String]
        public let feature: String
        public let online: JSONValue
        public let offline: JSONValue
        public var description: String {
            "\(keys.joined(separator: ",")) \(feature): online \(online.shown), offline \(offline.shown)"
        }
    }

    public struct Report: Sendable {
        public let entities: Int
        public let features: Int
        public let mismatches: [Mismatch]
        /// Values the online store cannot answer for at the checked time because it only keeps
        /// later versions (OUTSIDE_HISTORY): neither agreement nor skew.
        public let uncomparable: Int
    }

    public let repository: FeatureRepository
    public let store: RedisOnlineStore

    public init(repository: FeatureRepository, store: RedisOnlineStore) {
        self.repository = repository
        self.store = store
    }

    /// Checks `sample` random entities of `view` (all of a view without entities) at `time`.
    public func check(view: FeatureView, sample: Int, at time: Date, on connection: PostgresConnection) async throws -> Report {
        let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(connection))
        let keys = try table.joinKeys.map { try SQLIdentifier($0.name).quoted }
        let timestamp = Timestamp.format(time)
        let entitySQL = keys.isEmpty
            ? "SELECT timestamptz '\(timestamp)' AS event_timestamp"
            : "SELECT \(keys.joined(separator: ", ")), timestamptz '\(timestamp)' AS event_timestamp FROM (SELECT DISTINCT \(keys.joined(separator: ", ")) FROM \(try table.qualifiedName)) k ORDER BY random() LIMIT \(sample)"
        let output = NSTemporaryDirectory() + "pantry-skew-\(UUID().uuidString).jsonl"
        defer { try? FileManager.default.removeItem(atPath: output) }
        _ = try TrainingSetExporter(repository: repository).export(
            .init(references: [FeatureReference(view: view.name, feature: nil)], entities: .query(entitySQL), output: output,
                  format: .jsonl, fullFeatureNames: true), on: connection)
        let decoder = JSONDecoder()
        let rows = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
            .map { try decoder.decode([String: JSONValue].self, from: Data($0.utf8)) }

        var entities: [String: [JSONValue]] = [:]
        for key in table.joinKeys { entities[key.name] = rows.map { $0[key.name] ?? .null } }
        if keys.isEmpty { entities = [:] }
        let response = try await OnlineFeatureService(store: store, repository: repository)
            .read(.init(entities: entities, references: [FeatureReference(view: view.name, feature: nil)], fullFeatureNames: true, asOf: time), now: time)
        var mismatches: [Mismatch] = []
        var uncomparable = 0
        let count = keys.isEmpty ? 1 : rows.count
        for column in response.columns where column.name.hasPrefix("\(view.name)__") {
            for row in 0..<min(count, rows.count) {
                if column.statuses[row] == .outsideHistory {
                    uncomparable += 1
                    continue
                }
                let online = column.values[row].json
                let offline = rows[row][column.name] ?? .null
                if !Self.same(online, offline) {
                    mismatches.append(Mismatch(keys: table.joinKeys.map { rows[row][$0.name]?.shown ?? "?" }, feature: column.name,
                                               online: online, offline: offline))
                }
            }
        }
        return Report(entities: min(count, rows.count), features: view.features.count, mismatches: mismatches, uncomparable: uncomparable)
    }

    /// Equal up to representation: numbers by value (float32 precision), times by instant.
    static func same(_ a: JSONValue, _ b: JSONValue) -> Bool {
        switch (a, b) {
        case (.null, .null): return true
        case (.integer, _), (.number, _):
            guard let x = number(a), let y = number(b) else { return false }
            return x == y || abs(x - y) <= 1e-6 * max(abs(x), abs(y))
        case (.string(let x), .string(let y)):
            if x == y { return true }
            if let p = Timestamp.parse(x), let q = Timestamp.parse(y) { return abs(p.timeIntervalSince(q)) < 1e-6 }
            return false
        case (.array(let x), .array(let y)): return x.count == y.count && zip(x, y).allSatisfy(same)
        default: return a == b
        }
    }

    static func number(_ value: JSONValue) -> Double? {
        switch value {
        case .integer(let n): Double(n)
        case .number(let d): d
        default: nil
        }
    }
}
