import Core
import FeatureRegistry
import Foundation
import Inference
import OfflineStore
import Postgres
import SchemaMigrations
import Testing
import TestSupport
@testable import TextEmbeddings

/// The embedding job through the real offline store, with the real encoder: vectors written as
/// features equal the encoder's, a second run encodes nothing, a changed text is re-encoded
/// alone — on PostgreSQL 16 with pgvector and on 15 without it.
@Suite("Embedding jobs")
struct EmbeddingJobTests {
    static let repository = FeatureRepository(
        project: "shop",
        entities: [Entity(name: "item", joinKey: "item_id", keyType: .int64)],
        views: [
            FeatureView(name: "item_info", entities: ["item"], features: [
                Feature(name: "title", type: .string), Feature(name: "tags", type: .list(.string)), Feature(name: "price", type: .double),
            ], eventTimestampColumn: "event_ts"),
            FeatureView(name: "item_text", entities: ["item"], features: [
                Feature(name: "embedding", type: .vector(384)), Feature(name: "text_hash", type: .string),
            ], eventTimestampColumn: "event_ts"),
            FeatureView(name: "small_text", entities: ["item"], features: [
                Feature(name: "embedding", type: .vector(8)), Feature(name: "text_hash", type: .string),
            ], eventTimestampColumn: "event_ts"),
        ])

    static let encoder = Result { try SentenceEncoder(directory: TestServers.repositoryRoot + "/.pantry/models/all-MiniLM-L6-v2") }

    @Test("incremental: unchanged texts are not encoded again, a changed one is", arguments: ["pgvector", "fallback"])
    func incremental(server: String) async throws {
        let encoder = try Self.encoder.get()
        let url = server == "pgvector" ? try TestServers.postgresURL() : try TestServers.postgres15URL()
        try await TestServers.withTemporaryDatabase(on: url) { url in
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            defer { connection.close() }
            try Migrator.embedded().migrate(on: connection)
            let repository = Self.repository
            _ = try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            let pgvector = try OfflineTable.hasPgvector(connection)
            let info = OfflineTable(project: "shop", view: repository.view(named: "item_info")!, repository: repository, pgvector: pgvector)
            let titles = ["Red wool scarf", "Cast iron pan", "Hiking boots", "Espresso machine"]
            _ = try Ingestor(table: info).push(titles.enumerated().map { i, title in
                ["item_id": .integer(Int64(i + 1)), "title": .string(title), "tags": .array([.string("tag\(i)")]), "price": .number(10),
                 "event_ts": .string("2025-01-01T00:00:00Z")]
            } + [["item_id": .integer(5), "title": .null, "event_ts": .string("2025-01-01T00:00:00Z")]], on: connection)

            var request = EmbeddingJob.Request(view: "item_info", template: try TextTemplate("{title}. Tags: {tags}."), outView: "item_text")
            request.batch = 3
            request.chunk = 2  // several transactions
            let job = try EmbeddingJob(request, repository: repository, dimensions: 384, pgvector: pgvector)
            var reported: [(Int, Int)] = []
            let first = try job.run(encoder: encoder, model: "minilm", on: connection) { reported.append(($0, $1)) }
            #expect(first == .init(items: 5, encoded: 4, unchanged: 0, empty: 1))
            #expect(reported.last.map { $0 == (4, 4) } == true)

            let text = OfflineTable(project: "shop", view: repository.view(named: "item_text")!, repository: repository, pgvector: pgvector)
            let (ids, vectors) = try text.latestVectors(feature: "embedding", on: connection)
            #expect(ids == [1, 2, 3, 4])
            let expected = encoder.encode(titles.enumerated().map { "\($1). Tags: tag\($0)." })
            for (got, want) in zip(vectors, expected) {
                #expect(zip(got, want).map { abs($0 - $1) }.max()! < 1e-6)
            }

            #expect(try job.run(encoder: encoder, model: "minilm", on: connection) == .init(items: 5, encoded: 0, unchanged: 4, empty: 1))
            // A newer row for item 2 with a new title: only it is encoded again; a newer row
            // with the same text (price changed) is not.
            _ = try Ingestor(table: info).push([
                ["item_id": .integer(2), "title": .string("Carbon steel wok"), "tags": .array([.string("tag1")]), "event_ts": .string("2025-02-01T00:00:00Z")],
                ["item_id": .integer(3), "title": .string("Hiking boots"), "tags": .array([.string("tag2")]), "price": .number(12), "event_ts": .string("2025-02-01T00:00:00Z")],
            ], on: connection)
            #expect(try job.run(encoder: encoder, model: "minilm", on: connection) == .init(items: 5, encoded: 1, unchanged: 3, empty: 1))
            let after = try text.latestVectors(feature: "embedding", on: connection)
            let wok = encoder.encode(["Carbon steel wok. Tags: tag1."])[0]
            #expect(zip(after.vectors[1], wok).map { abs($0 - $1) }.max()! < 1e-6)
            // Another encoder name re-encodes everything.
            #expect(try job.run(encoder: encoder, model: "other", on: connection).encoded == 4)
        }
    }

    @Test("requests that do not fit the registry are refused before anything runs")
    func refused() throws {
        let template = try TextTemplate("{title}")
        func attempt(_ request: EmbeddingJob.Request) -> String {
            do { _ = try EmbeddingJob(request, repository: Self.repository, dimensions: 384, pgvector: true); return "accepted" } catch { return "\(error)" }
        }
        #expect(attempt(.init(view: "nope", template: template, outView: "item_text")).contains("source view nope is not in project shop"))
        #expect(attempt(.init(view: "item_info", template: try TextTemplate("{colour}"), outView: "item_text")).contains("text feature colour is not in item_info"))
        #expect(attempt(.init(view: "item_info", template: template, outView: "small_text")).contains("is vector(8); the encoder gives vector(384)"))
        var noHash = EmbeddingJob.Request(view: "item_info", template: template, outView: "item_text")
        noHash.hashFeature = "missing"
        #expect(attempt(noHash).contains("needs a string feature missing"))
        #expect(attempt(.init(view: "item_info", template: template, outView: "item_text")) == "accepted")
    }
}
