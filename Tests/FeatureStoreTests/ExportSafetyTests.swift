import Core
import FeatureRegistry
import Foundation
@testable import OfflineStore
import Postgres
import Testing
import TestSupport

/// Exports under a concurrent ingest, after a killed export, and the output format.
@Suite("Training-set export: consistency, leftovers, format")
struct ExportSafetyTests {
    static let repository = FeatureRepository(
        project: "shop",
        entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int64)],
        views: [FeatureView(name: "orders", entities: ["customer"],
                            features: [Feature(name: "total", type: .double), Feature(name: "vip", type: .bool),
                                       Feature(name: "seen", type: .timestamp), Feature(name: "tags", type: .list(.string))],
                            eventTimestampColumn: "ts")])

    func table(_ connection: PostgresConnection) throws -> OfflineTable {
        OfflineTable(project: "shop", view: Self.repository.views[0], repository: Self.repository, pgvector: try OfflineTable.hasPgvector(connection))
    }

    func seed(_ connection: PostgresConnection, customers: Int, total: Double) throws {
        _ = try Ingestor(table: table(connection)).push((0..<customers).map { customer in
            ["customer_id": .integer(Int64(customer)), "ts": .string("2025-01-01T10:00:00Z"), "total": .number(total),
             "vip": .bool(customer % 2 == 0), "seen": .string("2025-02-14T01:14:12.169Z"), "tags": .array([.string("a"), .string("b")])]
        }, on: connection)
    }

    func entities(_ customers: Int) throws -> String {
        try StoreFixture.temporaryFile("e.csv", contents: "customer_id,event_timestamp\n"
            + (0..<customers).map { "\($0),2025-01-01T12:00:00Z\n" }.joined())
    }

    @Test("every worker of a parallel export reads one snapshot: an ingest committed meanwhile is entirely absent")
    func oneSnapshot() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            try seed(connection, customers: 200, total: 1)
            let output = try StoreFixture.temporaryFile("train.csv")
            var exporter = TrainingSetExporter(repository: Self.repository, workers: 4)
            let configuration = connection.configuration
            let table = try table(connection)
            // A newer value for every customer commits after the snapshot, before the shares run.
            exporter.afterSnapshot = {
                let writer = PostgresConnection(configuration: configuration)
                defer { writer.close() }
                _ = try? Ingestor(table: table).push((0..<200).map {
                    ["customer_id": .integer(Int64($0)), "ts": .string("2025-01-01T11:00:00Z"), "total": .number(2)]
                }, on: writer)
            }
            let summary = try exporter.export(.init(references: [FeatureReference(view: "orders", feature: "total")],
                                                    entities: .csvFile(try entities(200)), output: output), on: connection)
            #expect(summary.rows == 200)
            let totals = CSVReader.rows(try String(contentsOfFile: output, encoding: .utf8)).dropFirst().map { $0[2] }
            #expect(Set(totals) == ["1"], "some workers saw the ingest that committed after the snapshot")
            #expect(try StoreFixture.count(table, on: connection) == 400)
        }
    }

    @Test("scratch tables and the partial file of a killed export are removed by the next export; a live one's are kept")
    func leftoversOfKilledExport() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            try seed(connection, customers: 3, total: 1)
            // A killed export: its session is gone, its tables and partial file stay.
            let killed = PostgresConnection(configuration: connection.configuration)
            try ScratchTables.register(["pantry_work.entities_dead", "pantry_work.result_dead_0"], on: killed)
            try killed.query("CREATE UNLOGGED TABLE pantry_work.entities_dead (x int)")
            try killed.query("CREATE UNLOGGED TABLE pantry_work.result_dead_0 (x int)")
            // One left by a version before leases, never registered.
            try killed.query("CREATE UNLOGGED TABLE pantry_work.entities_legacy (x int)")
            try connection.query("SELECT pg_terminate_backend($1)", [Int(killed.backendPID)])
            killed.close()
            // A live export's table.
            let live = PostgresConnection(configuration: connection.configuration)
            defer { live.close() }
            try ScratchTables.register(["pantry_work.entities_live"], on: live)
            try live.query("CREATE UNLOGGED TABLE pantry_work.entities_live (x int)")

            let directory = NSTemporaryDirectory() + "pantry-leftovers-\(UUID().uuidString)"
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            defer { try? FileManager.default.removeItem(atPath: directory) }
            let dead = try deadPID()
            FileManager.default.createFile(atPath: "\(directory)/.train.csv.partial-\(dead)", contents: Data("half".utf8))
            FileManager.default.createFile(atPath: "\(directory)/.train.csv.partial-1", contents: Data("init's".utf8))  // pid 1 lives

            func tables() throws -> Set<String> {
                Set(try connection.query("SELECT tablename FROM pg_tables WHERE schemaname = 'pantry_work'").rows.map { try $0.decode(String.self, at: 0) })
            }
            var remaining: Set<String> = []
            for _ in 0..<50 {  // the killed backend exits asynchronously
                _ = try TrainingSetExporter(repository: Self.repository).export(
                    .init(references: [FeatureReference(view: "orders", feature: "total")], entities: .csvFile(try entities(3)),
                          output: directory + "/train.csv"), on: connection)
                remaining = try tables()
                if remaining == ["entities_live"] { break }
                try await Task.sleep(for: .milliseconds(100))
            }
            #expect(remaining == ["entities_live"])
            let files = try FileManager.default.contentsOfDirectory(atPath: directory).sorted()
            #expect(files == [".train.csv.partial-1", "train.csv"])
        }
    }

    /// A pid no process has (a child that was reaped).
    func deadPID() throws -> pid_t {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/true")
        try process.run()
        process.waitUntilExit()
        return process.processIdentifier
    }

    @Test("CSV and JSON lines carry times as RFC 3339 and booleans as true/false; lists as JSON in CSV")
    func valueFormat() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            try seed(connection, customers: 2, total: 1.5)
            let csv = try StoreFixture.temporaryFile("f.csv"), jsonl = try StoreFixture.temporaryFile("f.jsonl")
            for output in [csv, jsonl] {
                _ = try TrainingSetExporter(repository: Self.repository).export(
                    .init(references: [FeatureReference(view: "orders", feature: nil)], entities: .csvFile(try entities(2)), output: output),
                    on: connection)
            }
            let rows = CSVReader.rows(try String(contentsOfFile: csv, encoding: .utf8))
            #expect(rows[0] == ["customer_id", "event_timestamp", "total", "vip", "seen", "tags"])
            #expect(rows[1] == ["0", "2025-01-01T12:00:00Z", "1.5", "true", "2025-02-14T01:14:12.169000Z", "[\"a\",\"b\"]"])
            #expect(rows[2][3] == "false")
            let lines = try String(contentsOfFile: jsonl, encoding: .utf8).split(separator: "\n")
            let first = try JSONParser.parse(String(lines[0]))
            guard case .object(let object) = first else { Issue.record("not an object: \(first)"); return }
            #expect(object["event_timestamp"] == .string("2025-01-01T12:00:00Z"))
            #expect(object["seen"] == .string("2025-02-14T01:14:12.169000Z"))
            #expect(object["vip"] == .bool(true))
            #expect(object["tags"] == .array([.string("a"), .string("b")]))
        }
    }

    @Test("an output whose extension is not a supported format is refused, naming the supported ones; paths are normalised")
    func outputNames() throws {
        for name in ["train.parquet", "train.json", "train", "train.csv.zip"] {
            let error = #expect(throws: ExportError.self) {
                _ = try TrainingSetExporter.Request(references: [], entities: .query("SELECT 1"), output: "/tmp/\(name)")
            }
            #expect(error?.description.contains(".csv, .jsonl or .ndjson") == true, "\(name): \(String(describing: error))")
        }
        #expect(throws: ExportError.self) {
            _ = try TrainingSetExporter.Request(references: [], entities: .query("SELECT 1"), output: "/tmp/t.csv", format: .jsonl)
        }
        let request = try TrainingSetExporter.Request(references: [], entities: .query("SELECT 1"), output: "/tmp/a/./b/../t.NDJSON.gz")
        #expect(request.output == "/tmp/a/t.NDJSON.gz" && request.format == .jsonl && request.gzip)
    }
}
