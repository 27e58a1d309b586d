import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

/// Inputs that are streams, and SQL from job files: read once and really read (a pipe once
/// "ingested 0 rows" with exit 0), and never able to change the store.
@Suite("Pipes and read-only entity queries")
struct InputStreamTests {
    /// Writes `text` into a new FIFO from a background thread and returns the FIFO's path.
    func fifo(_ text: String) throws -> String {
        let path = NSTemporaryDirectory() + "pantry-fifo-\(UUID().uuidString)"
        guard mkfifo(path, 0o600) == 0 else { throw CocoaError(.fileWriteUnknown) }
        Thread.detachNewThread {
            guard let handle = FileHandle(forWritingAtPath: path) else { return }
            handle.write(Data(text.utf8))
            try? handle.close()
        }
        return path
    }

    @Test("CSV ingest from a FIFO loads every row; errors keep their input line numbers")
    func ingestFromFIFO() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(ExportTests.repository, on: connection)
            let table = OfflineTable(project: "shop", view: ExportTests.repository.views[1], repository: ExportTests.repository,
                                     pgvector: try OfflineTable.hasPgvector(connection))
            let rows = (1...5_000).map { "\($0),2025-01-01T00:00:00Z,\($0).5" }.joined(separator: "\n")
            let path = try fifo("customer_id,ts,total\n" + rows + "\n")
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(try Ingestor(table: table).ingestCSV(file: path, on: connection) == 5_000)
            #expect(try StoreFixture.count(table, on: connection) == 5_000)

            let bad = try fifo("customer_id,ts,total\n1,2025-01-01,1\n2,2025-01-01,x\n")
            defer { try? FileManager.default.removeItem(atPath: bad) }
            let error = #expect(throws: IngestError.self) { try Ingestor(table: table).ingestCSV(file: bad, on: connection) }
            #expect(error?.line == 3 && error?.column == "total", "\(String(describing: error))")
        }
    }

    @Test("an export's entity set from a FIFO is read whole")
    func exportFromFIFO() async throws {
        try await StoreFixture.withStore { connection in
            try ExportTests().seed(connection)
            let entities = try fifo("customer_id,event_timestamp\n1,2025-01-01T11:00:00Z\n1,2025-01-01T13:00:00Z\n2,2025-01-01T13:00:00Z\n")
            defer { try? FileManager.default.removeItem(atPath: entities) }
            let output = try StoreFixture.temporaryFile("out.csv")
            let summary = try ExportTests().export(connection, entities: .csvFile(entities), output: output)
            #expect(summary.rows == 3)
            #expect(CSVReader.rows(try String(contentsOfFile: output, encoding: .utf8)).count == 4)
        }
    }

    @Test("an entities_query runs read-only: a query that writes fails and changes nothing")
    func readOnlyQuery() async throws {
        try await StoreFixture.withStore { connection in
            try ExportTests().seed(connection)
            try connection.query("""
                CREATE FUNCTION pantry_test_wipe() RETURNS int LANGUAGE sql AS 'DELETE FROM pantry_offline.shop__orders; SELECT 1'
                """)
            let output = try StoreFixture.temporaryFile("out.csv")
            #expect(throws: PostgresError.self) {
                try ExportTests().export(connection, entities: .query("SELECT 1::bigint AS customer_id, now() AS event_timestamp, pantry_test_wipe() AS x"),
                                         output: output)
            }
            #expect(try connection.query("SELECT count(*) FROM pantry_offline.shop__orders")[0].decode(Int.self, at: 0) == 2)
            // A reading query still works.
            let summary = try ExportTests().export(connection, entities: .query("SELECT 1::bigint AS customer_id, '2025-01-02'::timestamptz AS event_timestamp"),
                                                   output: output)
            #expect(summary.rows == 1)
        }
    }
}
