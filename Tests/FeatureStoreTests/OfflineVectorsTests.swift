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

    @Test("fuzz: mutated vector text parses to exactly the dimension or is a RegistryError, never a trap")
    func fuzz() {
        var random = SplitMix64(seed: 7)
        let base = Array("[1.5,-2e-3,3,4.25]")
        let alphabet = Array("[]{},.-+e0123456789 naif")
        for _ in 0..<5_000 {
            var text = base
            for _ in 0...(random.next() % 3) {
                let at = Int(random.next() % UInt64(text.count + 1))
                switch random.next() % 3 {
                case 0: text.insert(alphabet[Int(random.next() % UInt64(alphabet.count))], at: at)
                case 1: if at < text.count { text.remove(at: at) }
                default: if at < text.count { text[at] = alphabet[Int(random.next() % UInt64(alphabet.count))] }
                }
            }
            do {
                let vector = try OfflineTable.parseVector(String(text), dimensions: 4, entity: "1")
                #expect(vector.count == 4 && vector.allSatisfy(\.isFinite), "\(String(text))")
            } catch {
                #expect(error is RegistryError)
            }
        }
    }
}
