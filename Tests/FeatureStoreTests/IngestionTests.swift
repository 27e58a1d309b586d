import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

@Suite("Offline ingestion")
struct IngestionTests {
    static let repository = FeatureRepository(
        project: "shop",
        entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int64)],
        views: [FeatureView(name: "orders", entities: ["customer"],
                            features: [Feature(name: "total", type: .double), Feature(name: "note", type: .string),
                                       Feature(name: "tags", type: .list(.string)), Feature(name: "embedding", type: .vector(3))],
                            eventTimestampColumn: "ts", createdTimestampColumn: "written")])

    func table(_ connection: PostgresConnection) throws -> OfflineTable {
        try StoreFixture.apply(Self.repository, on: connection)
        return OfflineTable(project: "shop", view: Self.repository.views[0], repository: Self.repository,
                            pgvector: try OfflineTable.hasPgvector(connection))
    }

    @Test("CSV and JSON lines load on both storage paths; embeddings and SQL-looking values come back intact",
          arguments: StoreFixture.servers)
    func roundTrip(server: String) async throws {
        try await StoreFixture.withStore(server) { connection in
            let table = try table(connection)
            #expect(table.pgvector == (server == "pgvector"))
            let csv = try StoreFixture.temporaryFile("orders.csv", contents: """
                customer_id,ts,written,total,note,tags,embedding
                1,2025-01-01T10:00:00Z,2025-01-01T10:05:00Z,12.5,"x'); DROP TABLE pantry.projects; --","{a,b}","[1,2.5,-3]"
                2,2025-03-01 00:00:00+02,,7,,,

                """)
            #expect(try Ingestor(table: table).ingestCSV(file: csv, on: connection) == 2)
            let jsonl = try StoreFixture.temporaryFile("orders.jsonl", contents: """
                {"customer_id": 3, "ts": "2025-02-01T00:00:00Z", "total": 1.25, "tags": ["c", null], "embedding": [0.5, 0, 1]}
                {"customer_id": 4, "ts": 1735689600, "note": "ünïcödé \\"quoted\\"\\ttab"}

                """)
            #expect(try Ingestor(table: table).ingestJSONLines(file: jsonl, on: connection) == 2)
            let embedding = table.pgvector ? "embedding::text" : "'[' || array_to_string(embedding, ',') || ']'"
            let rows = try connection.query("SELECT customer_id, total, note, tags::text, \(embedding), event_ts, created_ts FROM pantry_offline.shop__orders ORDER BY customer_id").rows
            #expect(rows.count == 4)
            #expect(try rows[0].decode(String.self, at: 2) == "x'); DROP TABLE pantry.projects; --")
            #expect(try rows[0].decode(String.self, at: 3) == "{a,b}")
            #expect(try rows[0].decode(String.self, at: 4) == "[1,2.5,-3]")
            #expect(try rows[1].decode(Date.self, at: 5) == Timestamp.parse("2025-02-28T22:00:00Z"))
            #expect(try rows[1].decodeIfPresent(Date.self, at: 6) == nil)
            #expect(try rows[2].decode(String.self, at: 4) == "[0.5,0,1]")
            #expect(try rows[2].decode(String.self, at: 3) == "{c,NULL}")
            #expect(try rows[3].decode(String.self, at: 2) == "ünïcödé \"quoted\"\ttab")
            #expect(try rows[3].decode(Date.self, at: 5) == Date(timeIntervalSince1970: 1_735_689_600))
            // Rows went into a yearly partition, not the default one.
            #expect(try connection.query("SELECT count(*) FROM pantry_offline.shop__orders__default")[0].decode(Int.self, at: 0) == 0)
            let year = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date()).year!
            let partitions = Set(try connection.query("SELECT inhrelid::regclass::text FROM pg_inherits WHERE inhparent = 'pantry_offline.shop__orders'::regclass")
                .rows.map { try $0.decode(String.self, at: 0) })
            // The default, the data's year, and (created at apply) this year's and the next.
            #expect(partitions == Set(["default", "2025", String(year), String(year + 1)].map { "pantry_offline.shop__orders__\($0)" }))
        }
    }

    @Test("bad input is refused with its line and column, and the store is unchanged", arguments: StoreFixture.servers)
    func badInput(server: String) async throws {
        try await StoreFixture.withStore(server) { connection in
            let table = try table(connection)
            let ingestor = Ingestor(table: table)
            let good = try StoreFixture.temporaryFile("good.csv", contents: "customer_id,ts,total\n1,2025-01-01,1.0\n")
            #expect(try ingestor.ingestCSV(file: good, on: connection) == 1)

            func refused(_ name: String, _ contents: String) throws -> IngestError {
                try StoreFixture.refusedIngest(name, contents, into: table, rows: 1, on: connection)
            }
            let wrongType = try refused("wrong-type.csv", "customer_id,ts,total\n2,2025-01-02,3.5\n3,2025-01-03,abc\n")
            #expect(wrongType.line == 3 && wrongType.column == "total")
            #expect(wrongType.description.contains("nothing was ingested"))

            let malformed = try refused("malformed.csv", "customer_id,ts,total\n2,2025-01-02,\"unterminated\n")
            #expect(malformed.message.contains("unterminated") || malformed.message.contains("quoted"))

            let missingTimestamp = try refused("no-ts.csv", "customer_id,total\n2,1.0\n")
            #expect(missingTimestamp.column == "ts" && missingTimestamp.message.contains("required column is missing"))

            let nullTimestamp = try refused("null-ts.csv", "customer_id,ts,total\n2,2025-01-02,1\n3,,2\n")
            #expect(nullTimestamp.column == "ts" || nullTimestamp.message.contains("\"ts\""))

            let unknown = try refused("unknown.csv", "customer_id,ts,\"total; DROP TABLE x\"\n2,2025-01-02,1\n")
            #expect(unknown.column == "total; DROP TABLE x" && unknown.message.contains("unknown column"))

            let badVector = try refused("vector.csv", "customer_id,ts,embedding\n2,2025-01-02,\"[1,2]\"\n")
            #expect(badVector.column == "embedding" || badVector.message.contains("dimensions"))

            let badJSON = try refused("bad.jsonl", "{\"customer_id\": 2, \"ts\": \"2025-01-02\"}\n{\"customer_id\": \"two\", \"ts\": \"2025-01-02\"}\n")
            #expect(badJSON.line == 2 && badJSON.column == "customer_id" && badJSON.message.contains("expected int64"))

            let notJSON = try refused("not.jsonl", "{\"customer_id\": 2, \"ts\": \"2025-01-02\"}\nnot json\n")
            #expect(notJSON.line == 2)
        }
    }

    @Test("offline push appends events, checked like files")
    func push() async throws {
        try await StoreFixture.withStore { connection in
            let table = try table(connection)
            let pushed = try Ingestor(table: table).push([
                ["customer_id": .integer(9), "ts": .string("2025-05-05T05:05:05Z"), "total": .number(9.5)],
                ["customer_id": .integer(9), "ts": .string("2025-05-06T05:05:05Z"), "note": .string("second")],
            ], on: connection)
            #expect(pushed == 2)
            #expect(throws: IngestError.self) {
                try Ingestor(table: table).push([["customer_id": .integer(9), "total": .number(1)]], on: connection)
            }
            #expect(try StoreFixture.count(table, on: connection) == 2)
        }
    }
}
