import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

/// Reading the latest embedding per entity: the input of `pantry index build`.
@Suite("Offline vectors for an index")
struct OfflineVectorsTests {
    @Test("the latest vector per entity by the offline tie-break, NULLs left out, on pgvector and on real[]",
          arguments: StoreFixture.servers)
    func latestVectors(server: String) async throws {
        try await StoreFixture.withStore(server) { connection in
            let table = try IngestionTests().table(connection)
            let csv = try StoreFixture.temporaryFile("vectors.csv", contents: """
                customer_id,ts,written,total,note,tags,embedding
                1,2025-01-01T00:00:00Z,2025-01-01T00:00:00Z,,,,"[1,0,0]"
                1,2025-02-01T00:00:00Z,2025-02-01T00:00:00Z,,,,"[0,1,0]"
                1,2025-02-01T00:00:00Z,2025-01-15T00:00:00Z,,,,"[9,9,9]"
                2,2025-01-01T00:00:00Z,,,,,"[0.5,-2.25,3e-3]"
                3,2025-01-01T00:00:00Z,,,,,"[1,1,1]"
                3,2025-03-01T00:00:00Z,,,,,

                """)
            _ = try Ingestor(table: table).ingestCSV(file: csv, on: connection)
            let (ids, vectors) = try table.latestVectors(feature: "embedding", on: connection)
            #expect(ids == [1, 2], "entity 3's latest value is NULL")
            #expect(vectors == [[0, 1, 0], [0.5, -2.25, 0.003]], "later event wins; at equal event time the later created time")
            #expect(throws: RegistryError.self) { try table.latestVectors(feature: "total", on: connection) }
            #expect(throws: RegistryError.self) { try table.latestVectors(feature: "nope", on: connection) }
        }
    }

    @Test("vector text is parsed strictly: both forms, exact dimension, finite numbers")
    func parsing() throws {
        #expect(try OfflineTable.parseVector("[1,2.5,-3]", dimensions: 3, entity: "1") == [1, 2.5, -3])
        #expect(try OfflineTable.parseVector("{1,2.5,-3}", dimensions: 3, entity: "1") == [1, 2.5, -3])
        #expect(try OfflineTable.parseVector("[1, 2e-3 ,-3]", dimensions: 3, entity: "1") == [1, 0.002, -3])
        for bad in ["[1,2]", "[1,2,3,4]", "1,2,3", "[1,NaN,3]", "[1,inf,3]", "[1,,3]", "[a,b,c]", "", "[", "[]", "[1,2,3,]",
                    "[1 2 3]", "[1,2,3]]", "{1,2,3]", "[1,2,3", "[1,2,3e99]"] {
            #expect(throws: RegistryError.self, "\(bad)") { try OfflineTable.parseVector(bad, dimensions: 3, entity: "1") }
        }
    }
}
