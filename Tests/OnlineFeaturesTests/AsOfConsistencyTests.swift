import Core
import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Postgres
import Testing
import TestSupport

@Suite("Online as-of reads agree with the offline point-in-time join")
struct AsOfConsistencyTests {
    @Test("inside the history window, as-of values equal the exported training set's")
    func asOfMatchesOffline() async throws {
        try await OnlineFixture.withDatabase { connection in
            let repository = OnlineFixture.repository(project: OnlineFixture.project(), ttl: 600)
            try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            let view = repository.view(named: "stats")!
            let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(connection))
            let store = try OnlineFixture.store(repository, history: 8)
            defer { store.pool.close() }
            let base = 1_735_689_600
            var random = SystemRandomNumberGenerator()
            var records: [[String: JSONValue]] = []
            var rows: [OnlineRow] = []
            for user in 0..<30 {
                for _ in 0..<Int.random(in: 1...6, using: &random) {  // at most 6 versions: all kept (history 8)
                    let event = base + Int.random(in: 0..<20, using: &random) * 60
                    let created: Int? = Bool.random(using: &random) ? nil : event + Int.random(in: 0..<3, using: &random) * 60
                    let score = Double(Int.random(in: 0..<100, using: &random))
                    var record: [String: JSONValue] = ["user_id": .integer(Int64(user)), "ts": .integer(Int64(event)), "score": .number(score)]
                    if let created { record["created"] = .integer(Int64(created)) }
                    records.append(record)
                    rows.append(OnlineRow(view: view, keys: [String(user)], eventMicros: OnlineFixture.micros(event),
                                          createdMicros: created.map(OnlineFixture.micros), values: [.double(score), .null, .null, .null]))
                }
            }
            _ = try Ingestor(table: table).push(records, on: connection)  // same order as the online writes
            for start in stride(from: 0, to: rows.count, by: 7) { _ = try await store.write(Array(rows[start..<min(start + 7, rows.count)])) }

            let times = (0..<8).map { base - 120 + $0 * 200 }
            var csv = "user_id,event_timestamp\n"
            for time in times { for user in 0..<31 { csv += "\(user),\(FeatureValue.rfc3339(micros: OnlineFixture.micros(time)))\n" } }
            let entities = NSTemporaryDirectory() + "asof-\(UUID().uuidString).csv", output = entities + ".out.csv"
            try csv.write(toFile: entities, atomically: true, encoding: .utf8)
            _ = try TrainingSetExporter(repository: repository).export(
                .init(references: [FeatureReference(view: "stats", feature: "score")], entities: .csvFile(entities), output: output), on: connection)
            let offline = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n").dropFirst()
                .map { $0.split(separator: ",", omittingEmptySubsequences: false).last.map(String.init) ?? "" }

            let service = OnlineFeatureService(store: store, repository: repository)
            var online: [String] = []
            for time in times {
                let response = try await service.read(.init(entities: ["user_id": (0..<31).map { .integer(Int64($0)) }],
                                                            references: [FeatureReference(view: "stats", feature: "score")],
                                                            asOf: Date(timeIntervalSince1970: Double(time))))
                online += response.columns[1].values.map { value in
                    if case .double(let d) = value { return d == d.rounded() ? String(Int(d)) : "\(d)" }
                    return ""
                }
            }
            #expect(online.count == offline.count)
            #expect(online == offline)
        }
    }
}
