import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

/// The value rules every path shares (see `ValueCheck`): out-of-range times, NaN and
/// infinities, NUL in text. Refused with line and column, nothing written.
@Suite("Ingestion rules for hostile values")
struct IngestionRulesTests {
    static let repository = FeatureRepository(
        project: "rules",
        entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int32)],
        views: [FeatureView(name: "orders", entities: ["customer"],
                            features: [Feature(name: "total", type: .double), Feature(name: "note", type: .string),
                                       Feature(name: "when", type: .timestamp), Feature(name: "scores", type: .list(.float)),
                                       Feature(name: "embedding", type: .vector(2))],
                            eventTimestampColumn: "ts")])

    @Test("CSV, JSON lines and push refuse the same hostile values", arguments: StoreFixture.servers)
    func hostile(server: String) async throws {
        try await StoreFixture.withStore(server) { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            let table = OfflineTable(project: "rules", view: Self.repository.views[0], repository: Self.repository,
                                     pgvector: try OfflineTable.hasPgvector(connection))
            let ingestor = Ingestor(table: table)
            func refused(_ name: String, _ contents: String) throws -> IngestError {
                try StoreFixture.refusedIngest(name, contents, into: table, rows: 0, on: connection)
            }
            for value in ["NaN", "Infinity", "-Infinity", "nan", "inf"] {
                let error = try refused("nan.csv", "customer_id,ts,total\n1,2025-01-01,1\n2,2025-01-02,\(value)\n")
                #expect(error.line == 3 && error.column == "total", "\(value): \(error)")
            }
            let list = try refused("list.csv", "customer_id,ts,scores\n1,2025-01-01,\"{1,NaN}\"\n")
            #expect(list.line == 2 && list.column == "scores", "\(list)")
            let vector = try refused("vector.csv", "customer_id,ts,embedding\n1,2025-01-01,\"[1,NaN]\"\n")
            #expect(vector.column == "embedding", "\(vector)")
            for time in ["infinity", "20000-01-01", "0044-03-15 BC"] {
                let error = try refused("time.csv", "customer_id,ts,total\n1,2025-01-01,1\n2,\(time),1\n")
                #expect(error.line == 3 && error.column == "ts", "\(time): \(error)")
            }

            let cases: [(String, String, String)] = [
                (#"{"customer_id": 1, "ts": 10000000000000}"#, "ts", "looks like epoch milliseconds"),
                (#"{"customer_id": 1, "ts": -10000000000000}"#, "ts", "outside the accepted range"),
                (#"{"customer_id": 1, "ts": 1e300}"#, "ts", "outside the accepted range"),
                (#"{"customer_id": 1, "ts": "2025-02-31"}"#, "ts", "day 31"),
                (#"{"customer_id": 1, "ts": "2025-01-01", "when": 9223372036854775807}"#, "when", "outside the accepted range"),
                (#"{"customer_id": 1, "ts": "2025-01-01", "note": "a\u0000b"}"#, "note", "NUL"),
                (#"{"customer_id": 3000000000, "ts": "2025-01-01"}"#, "customer_id", "does not fit int32"),
                (#"{"customer_id": 1, "ts": "2025-01-01", "scores": [1e39]}"#, "scores", "does not fit a float"),
                (#"{"customer_id": 1, "ts": "2025-01-01", "embedding": [1, 1e39]}"#, "embedding", "element 1"),
            ]
            for (line, column, text) in cases {
                let error = try refused("bad.jsonl", "{\"customer_id\": 1, \"ts\": \"2025-01-01\"}\n\(line)\n")
                #expect(error.line == 2 && error.column == column && error.message.contains(text), "\(line): \(error)")
            }
            let parse = try refused("parse.jsonl", "{\"customer_id\": 1, \"ts\": 1e999}\n")
            #expect(parse.line == 1 && parse.message.contains("ts"), "\(parse)")
            let duplicate = try refused("dup.jsonl", "{\"customer_id\": 1, \"customer_id\": 2, \"ts\": \"2025-01-01\"}\n")
            #expect(duplicate.message.contains("appears twice"), "\(duplicate)")

            #expect(throws: IngestError.self) {
                try ingestor.push([["customer_id": .integer(1), "ts": .integer(.max)]], on: connection)
            }
            #expect(try StoreFixture.count(table, on: connection) == 0)
        }
    }
}
