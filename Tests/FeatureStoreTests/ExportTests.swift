import LocalServices
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

@Suite("Training-set export")
struct ExportTests {
    static let repository = FeatureRepository(
        project: "shop",
        entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int64)],
        views: [
            FeatureView(name: "orders", entities: ["customer"], features: [Feature(name: "total", type: .double)],
                        eventTimestampColumn: "ts", createdTimestampColumn: "written"),
            FeatureView(name: "returns", entities: ["customer"], features: [Feature(name: "total", type: .double)],
                        eventTimestampColumn: "ts"),
        ])

    /// Orders of customer 1: a value at 10:00 written at once, corrected at 12:00 for 10:00.
    func seed(_ connection: PostgresConnection) throws {
        try StoreFixture.apply(Self.repository, on: connection)
        let table = OfflineTable(project: "shop", view: Self.repository.views[0], repository: Self.repository,
                                 pgvector: try OfflineTable.hasPgvector(connection))
        _ = try Ingestor(table: table).push([
            ["customer_id": .integer(1), "ts": .string("2025-01-01T10:00:00Z"), "written": .string("2025-01-01T10:00:00Z"), "total": .number(10)],
            ["customer_id": .integer(1), "ts": .string("2025-01-01T10:00:00Z"), "written": .string("2025-01-01T12:00:00Z"), "total": .number(99)],
        ], on: connection)
    }

    func export(_ connection: PostgresConnection, entities: EntitySet, output: String, features: [FeatureReference]? = nil,
                asOfCreated: Bool = false, full: Bool = false) throws -> TrainingSetExporter.Summary {
        try TrainingSetExporter(repository: Self.repository, workers: 2).export(
            .init(references: features ?? [FeatureReference(view: "orders", feature: "total")], entities: entities,
                  output: output, fullFeatureNames: full, asOfCreated: asOfCreated), on: connection)
    }

    @Test("--as-of-created keeps a late correction out of rows dated before it was written")
    func asOfCreated() async throws {
        try await StoreFixture.withStore { connection in
            try seed(connection)
            let entities = try StoreFixture.temporaryFile("e.csv", contents: "customer_id,event_timestamp\n1,2025-01-01T11:00:00Z\n1,2025-01-01T13:00:00Z\n")
            let plain = try StoreFixture.temporaryFile("plain.csv"), strict = try StoreFixture.temporaryFile("strict.csv")
            _ = try export(connection, entities: .csvFile(entities), output: plain)
            _ = try export(connection, entities: .csvFile(entities), output: strict, asOfCreated: true)
            #expect(CSVReader.rows(try String(contentsOfFile: plain, encoding: .utf8)).dropFirst().map { $0[2] } == ["99", "99"])
            #expect(CSVReader.rows(try String(contentsOfFile: strict, encoding: .utf8)).dropFirst().map { $0[2] } == ["10", "99"])
        }
    }

    @Test("a failing export leaves no output file, no partial file and no scratch tables")
    func failureLeavesNothing() async throws {
        try await StoreFixture.withStore { connection in
            try seed(connection)
            let directory = NSTemporaryDirectory() + "pantry-export-\(UUID().uuidString)"
            let output = directory + "/train.csv"
            let badTime = try StoreFixture.temporaryFile("bad.csv", contents: "customer_id,event_timestamp,label\n1,2025-01-01,a\n2,not a time,b\n")
            let error = #expect(throws: IngestError.self) { try export(connection, entities: .csvFile(badTime), output: output) }
            #expect(error?.line == 3 && error?.column == "event_timestamp")
            #expect(try FileManager.default.contentsOfDirectory(atPath: directory).isEmpty)
            #expect(try connection.query("SELECT count(*) FROM pg_tables WHERE schemaname = 'pantry_work'")[0].decode(Int.self, at: 0) == 0)

            let noKey = try StoreFixture.temporaryFile("nokey.csv", contents: "event_timestamp\n2025-01-01\n")
            let missing = #expect(throws: IngestError.self) { try export(connection, entities: .csvFile(noKey), output: output) }
            #expect(missing?.column == "customer_id")

            #expect(throws: RegistryError.self) {
                try export(connection, entities: .csvFile(noKey), output: output, features: [FeatureReference(view: "orders", feature: "nope")])
            }
            let clash = #expect(throws: RegistryError.self) {
                try export(connection, entities: .csvFile(badTime), output: output,
                           features: [FeatureReference(view: "orders", feature: nil), FeatureReference(view: "returns", feature: nil)])
            }
            #expect(clash?.description.contains("full feature names") == true)
            #expect(!FileManager.default.fileExists(atPath: output))
        }
    }

    @Test("JSON lines, gzip, and an entity set given as SQL keep row order and pass labels through")
    func jsonLinesFromQuery() async throws {
        try await StoreFixture.withStore { connection in
            try seed(connection)
            let output = try StoreFixture.temporaryFile("train.jsonl.gz")
            let summary = try export(connection, entities: .query("""
                SELECT * FROM (VALUES (7::bigint, '2025-02-01'::timestamptz, 'x'), (1, '2025-02-01', 'y'), (1, '2024-01-01', 'z'))
                  AS v(customer_id, event_timestamp, label)
                """), output: output, full: true)
            #expect(summary.rows == 3)
            #expect(summary.nullRates.first?.rate == 2.0 / 3.0)
            let text = try Shell.run(["/bin/gzip", "-dc", output])
            let lines = text.split(separator: "\n").map(String.init)
            #expect(lines.count == 3)
            #expect(lines[0].contains("\"label\":\"x\"") && lines[0].contains("\"orders__total\":null"))
            #expect(lines[1].contains("\"label\":\"y\"") && lines[1].contains("\"orders__total\":99"))
            #expect(lines[2].contains("\"label\":\"z\"") && lines[2].contains("\"orders__total\":null"))
        }
    }
}
