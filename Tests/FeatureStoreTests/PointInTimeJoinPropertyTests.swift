import Core
import DemoData
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

/// Random histories exported through PostgreSQL, compared row by row with a plain in-memory
/// oracle written here, independently of the SQL.
@Suite("Point-in-time join (property)")
struct PointInTimeJoinPropertyTests {
    struct Random {
        var generator: SplitMix64
        init(state: UInt64) { generator = SplitMix64(seed: state) }
        mutating func next() -> UInt64 { generator.next() }
        mutating func below(_ n: Int) -> Int { Int(next() % UInt64(n)) }
        mutating func pick<T>(_ items: [T]) -> T { items[below(items.count)] }
        mutating func chance(_ percent: Int) -> Bool { below(100) < percent }
    }

    /// One history row as the oracle sees it.
    struct HistoryRow {
        var a: Int64?, b: String?
        var event: Int, created: Int?
        var values: [String: JSONValue]
        var sequence: Int
    }

    static let base = 1_735_689_600
    static let aKeys: [Int64] = [1, 12, 123, 7]
    /// (1,"23"), (12,"3") and (123,"") collide when keys are concatenated without a separator.
    static let bKeys = ["23", "3", "", "x,y\"q"]
    static let strings = ["alpha", "", "with,comma", "quote\"d", "multi\nline"]
    static let doubles = [0.5, 1.25, -2, 3]

    static func repository(project: String, ttls: [Int]) -> FeatureRepository {
        FeatureRepository(
            project: project,
            entities: [Entity(name: "a", joinKey: "a_id", keyType: .int64), Entity(name: "b", joinKey: "b_id", keyType: .string)],
            views: [
                FeatureView(name: "single", entities: ["a"], features: [Feature(name: "x", type: .int64), Feature(name: "y", type: .double), Feature(name: "emb", type: .vector(2))],
                            eventTimestampColumn: "ts", createdTimestampColumn: "created", ttlSeconds: ttls[0]),
                FeatureView(name: "pair", entities: ["a", "b"], features: [Feature(name: "z", type: .string)],
                            eventTimestampColumn: "ts", createdTimestampColumn: "created", ttlSeconds: ttls[1]),
                FeatureView(name: "global", entities: [], features: [Feature(name: "g", type: .int32)],
                            eventTimestampColumn: "ts", createdTimestampColumn: "created", ttlSeconds: ttls[2]),
            ])
    }

    static func history(view: String, count: Int, random: inout Random, sequence: inout Int) -> [HistoryRow] {
        var rows: [HistoryRow] = []
        for _ in 0..<count {
            if let previous = rows.last, random.chance(10) {  // an exact duplicate
                var copy = previous
                copy.sequence = sequence
                sequence += 1
                rows.append(copy)
                continue
            }
            let event = random.below(30)
            var row = HistoryRow(a: nil, b: nil, event: base + event * 60,
                                 created: random.chance(15) ? nil : base + (event + random.below(6)) * 60,
                                 values: [:], sequence: sequence)
            sequence += 1
            switch view {
            case "single":
                row.a = random.pick(aKeys)
                if !random.chance(10) { row.values["x"] = .integer(Int64(random.below(1000))) }
                if !random.chance(20) { row.values["y"] = .number(random.pick(doubles)) }
                if !random.chance(20) { row.values["emb"] = .array([.number(random.pick(doubles)), .integer(Int64(random.below(3)))]) }
            case "pair":
                row.a = random.pick(aKeys)
                row.b = random.pick(bKeys)
                if !random.chance(10) { row.values["z"] = .string(random.pick(strings)) }
            default:
                if !random.chance(10) { row.values["g"] = .integer(Int64(random.below(100))) }
            }
            rows.append(row)
        }
        return rows
    }

    static func record(_ row: HistoryRow) -> [String: JSONValue] {
        var record = row.values
        record["ts"] = .integer(Int64(row.event))
        if let created = row.created { record["created"] = .integer(Int64(created)) }
        if let a = row.a { record["a_id"] = .integer(a) }
        if let b = row.b { record["b_id"] = .string(b) }
        return record
    }

    /// The oracle: the latest eligible row by (event, created with NULL lowest, ingestion order).
    static func latest(_ rows: [HistoryRow], view: String, a: Int64?, b: String?, time: Int, ttl: Int, asOfCreated: Bool) -> HistoryRow? {
        let eligible = rows.filter { row in
            let keys: Bool = switch view {
            case "single": a != nil && row.a == a
            case "pair": a != nil && b != nil && row.a == a && row.b == b
            default: true
            }
            return keys && row.event <= time && (ttl == 0 || row.event >= time - ttl)
                && (!asOfCreated || row.created == nil || row.created! <= time)
        }
        return eligible.max { l, r in
            (l.event, l.created ?? Int.min, l.sequence) < (r.event, r.created ?? Int.min, r.sequence)
        }
    }

    /// How PostgreSQL's CSV output spells a value.
    static func text(_ value: JSONValue?) -> String? {
        switch value {
        case nil, .null?: nil
        case .integer(let n)?: String(n)
        case .number(let d)?: d == d.rounded() ? String(Int(d)) : "\(d)"
        case .string(let s)?: s
        case .array(let items)?: "[" + items.map { text($0)! }.joined(separator: ",") + "]"
        default: "?"
        }
    }

    /// How exports write times: RFC 3339, UTC.
    static func exportedTime(_ seconds: Int) -> String {
        Timestamp.format(micros: Int64(seconds) * 1_000_000, iso: true)
    }

    static func csvField(_ value: String?) -> String {
        guard let value else { return "" }
        return "\"" + value.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    @Test("random histories match the oracle row for row", arguments: StoreFixture.servers)
    func matchesOracle(server: String) async throws {
        try await StoreFixture.withStore(server) { connection in
            for seed in UInt64(1)...4 {
                var random = Random(state: seed * 7919)
                let project = "prop\(seed)"
                let ttls = [random.pick([0, 600]), random.pick([0, 900]), random.pick([0, 300])]
                let repository = Self.repository(project: project, ttls: ttls)
                try StoreFixture.apply(repository, on: connection)
                let pgvector = try OfflineTable.hasPgvector(connection)
                var sequence = 0
                var histories: [String: [HistoryRow]] = [:]
                for view in repository.views {
                    let rows = Self.history(view: view.name, count: 40 + random.below(120), random: &random, sequence: &sequence)
                    histories[view.name] = rows
                    // Several pushes, so ingestion order spans separate loads.
                    let table = OfflineTable(project: project, view: view, repository: repository, pgvector: pgvector)
                    var start = 0
                    while start < rows.count {
                        let end = min(rows.count, start + 1 + random.below(rows.count))
                        _ = try Ingestor(table: table).push(rows[start..<end].map(Self.record), on: connection)
                        start = end
                    }
                }

                var entityCSV = "a_id,b_id,event_timestamp,label\n"
                var entityRows: [(a: Int64?, b: String?, time: Int, label: String)] = []
                for index in 0..<150 {
                    let a: Int64? = random.chance(5) ? nil : random.pick(Self.aKeys + [999])
                    let b: String? = random.chance(5) ? nil : random.pick(Self.bKeys + ["zz"])
                    let time = Self.base + (random.below(38) - 2) * 60
                    entityRows.append((a, b, time, "L\(index)"))
                    entityCSV += "\(a.map(String.init) ?? ""),\(Self.csvField(b)),\(Self.exportedTime(time)),L\(index)\n"
                }
                let entities = try StoreFixture.temporaryFile("entities.csv", contents: entityCSV)
                let output = try StoreFixture.temporaryFile("train.csv")
                let asOfCreated = seed % 2 == 0
                let summary = try TrainingSetExporter(repository: repository).export(
                    .init(references: [FeatureReference(view: "single", feature: nil), FeatureReference(view: "pair", feature: "z"),
                                       FeatureReference(view: "global", feature: nil)],
                          entities: .csvFile(entities), output: output, fullFeatureNames: true, asOfCreated: asOfCreated),
                    on: connection)
                #expect(summary.rows == entityRows.count)

                let rows = CSVReader.rows(try String(contentsOfFile: output, encoding: .utf8))
                #expect(rows.first == ["a_id", "b_id", "event_timestamp", "label", "single__x", "single__y", "single__emb", "pair__z", "global__g"])
                #expect(rows.count == entityRows.count + 1)
                var mismatches: [String] = []
                for (index, entity) in entityRows.enumerated() where index + 1 < rows.count {
                    let single = Self.latest(histories["single"]!, view: "single", a: entity.a, b: entity.b, time: entity.time, ttl: ttls[0], asOfCreated: asOfCreated)
                    let pair = Self.latest(histories["pair"]!, view: "pair", a: entity.a, b: entity.b, time: entity.time, ttl: ttls[1], asOfCreated: asOfCreated)
                    let global = Self.latest(histories["global"]!, view: "global", a: nil, b: nil, time: entity.time, ttl: ttls[2], asOfCreated: asOfCreated)
                    let expected: [String?] = [entity.a.map(String.init), entity.b, Self.exportedTime(entity.time), entity.label,
                                               Self.text(single?.values["x"]), Self.text(single?.values["y"]), Self.text(single?.values["emb"]),
                                               Self.text(pair?.values["z"]), Self.text(global?.values["g"])]
                    if rows[index + 1] != expected {
                        mismatches.append("seed \(seed) row \(index): got \(rows[index + 1]) expected \(expected)")
                    }
                }
                #expect(mismatches.isEmpty, "\(mismatches.prefix(5).joined(separator: "\n"))")
            }
        }
    }
}
