import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import SchemaMigrations
import Testing
import TestSupport
import VectorIndex
@testable import Recommender

/// Through the real feature store: interactions pushed offline, read back by the recommender,
/// factors written back, a model version recorded, the index saved — on PostgreSQL 16 with
/// pgvector and on 15 without it.
@Suite("Training through the feature store")
struct TrainingTests {
    @Test("train: factors back in the offline store, versions 1 then 2, an index that answers", arguments: ["pgvector", "fallback"])
    func train(server: String) async throws {
        let url = server == "pgvector" ? try TestServers.postgresURL() : try TestServers.postgres15URL()
        try await TestServers.withTemporaryDatabase(on: url) { url in
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            defer { connection.close() }
            try Migrator.embedded().migrate(on: connection)
            let repository = try DefinitionLoader.load(path: RecommenderDefinitionTests.root + "/Config/features")
            _ = try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            let pgvector = try OfflineTable.hasPgvector(connection)
            func table(_ name: String) -> OfflineTable {
                OfflineTable(project: repository.project, view: repository.view(named: name)!, repository: repository, pgvector: pgvector)
            }
            // Two taste groups of 12 users over 20 movies; a rating of 2 is not a positive.
            var ratings: [[String: JSONValue]] = []
            for user in 1...24 {
                let base = user <= 12 ? 1 : 11
                for movie in base..<base + 10 where (user + movie) % 3 != 0 {
                    ratings.append(["user_id": .integer(Int64(user)), "movie_id": .integer(Int64(movie)), "rating": .number(movie == base ? 2 : 5),
                                    "event_ts": .string("2025-01-\(String(format: "%02d", 1 + movie))T00:00:00Z")])
                }
            }
            _ = try Ingestor(table: table("ratings")).push(ratings, on: connection)
            _ = try Ingestor(table: table("movie_info")).push((1...20).map {
                ["movie_id": .integer(Int64($0)), "title": .string("Movie \($0)"), "year": .integer(1990), "genres": .array([.string($0 <= 10 ? "Drama" : "Comedy")]),
                 "event_ts": .string("2025-01-01T00:00:00Z")]
            }, on: connection)

            // Text embeddings (as an embedding job writes them): dramas along one axis, comedies another.
            _ = try Ingestor(table: table("movie_text")).push((1...20).map { id -> [String: JSONValue] in
                var v = [Double](repeating: 0, count: 384)
                v[id <= 10 ? 0 : 1] = 1
                v[2 + id] = 0.1
                return ["movie_id": .integer(Int64(id)), "embedding": .array(v.map(JSONValue.number)), "text_hash": .string("h\(id)"),
                        "event_ts": .string("2025-01-01T00:00:00Z")]
            }, on: connection)

            var definition = try RecommenderDefinition.load(path: RecommenderDefinitionTests.root + "/Config/recommenders/movielens.yaml")
            definition.collaborative.iterations = 4
            let data = try RecommenderData.load(definition, repository: repository, on: connection)
            #expect(data.textVectors.count == 20 && data.textDimensions == 384)
            #expect(data.interactions.count == ratings.count)
            #expect(data.items.count == 20 && data.items[11]?.categories == ["Comedy"])
            #expect(data.positives(minimumWeight: 4).allSatisfy { $0.weight == 5 })

            let folder = NSTemporaryDirectory() + "pantry-train-\(UUID().uuidString)"
            defer { try? FileManager.default.removeItem(atPath: folder) }
            let resolve = { (path: String) in folder + "/" + path }
            let first = try RecommenderTraining.run(definition, data: data, repository: repository, path: resolve, on: connection)
            let indexPath = first.indexPath
            #expect(indexPath == resolve(definition.output!.index))
            #expect(first.version.version == 1)
            #expect(first.items == 20 && first.users == 24)
            let (ids, vectors) = try table("movie_als").latestVectors(feature: "factors", on: connection)
            #expect(ids == (1...20).map(Int64.init))
            #expect(vectors.allSatisfy { $0.count == 64 && $0.allSatisfy(\.isFinite) })
            #expect(try table("user_als").latestVectors(feature: "factors", on: connection).ids.count == 24)

            // The index: a drama fan's profile finds dramas first.
            let index = try HNSWIndex.load(from: indexPath)
            #expect(index.metric == .innerProduct && index.count == 20)
            let liked = [2, 3, 5].map { vectors[$0 - 1] }
            let profile = (0..<64).map { k in liked.reduce(0) { $0 + $1[k] } / 3 }
            let top = try index.search(profile, k: 5, ef: 20).map(\.id)
            #expect(top.filter { $0 <= 10 }.count >= 4, "top items for a drama profile: \(top)")

            // The served model loads every artifact the version records, and ranks with EASE.
            let served = try RecommendationModel(definition: definition, version: try #require(try ModelVersions.latest(recommender: "movielens", on: connection)),
                                                 data: data, path: { $0 })
            #expect(served.ease != nil && served.content != nil && served.similarIndex != nil && served.textIndex?.count == 20)
            var comedy = [Float](repeating: 0, count: 384)
            comedy[1] = 1
            #expect(try served.search(SearchQuery(vector: comedy, k: 10)).allSatisfy { $0.item > 10 })
            let answer = try served.recommend(RecommendationQuery(liked: [2, 3, 5], exclude: [2, 3, 5], k: 5))
            #expect(answer.items.count == 5 && answer.items.allSatisfy { ![2, 3, 5].contains($0.item) && $0.components["ease"] != nil })
            #expect(answer.items.filter { $0.item <= 10 }.count >= 4, "a drama fan's recommendations: \(answer.items.map(\.item))")

            let second = try RecommenderTraining.run(definition, data: data, repository: repository, path: resolve, on: connection)
            #expect(second.version.version == 2)
            let latest = try #require(try ModelVersions.latest(recommender: "movielens", on: connection))
            #expect(latest.version == 2 && latest.positives == data.positives(minimumWeight: 4).count)
            #expect(latest.dataWatermark == data.positives(minimumWeight: 4).map(\.time).max())
            guard case .object(let hyper) = latest.hyperparameters else { Issue.record("hyperparameters: \(latest.hyperparameters)"); return }
            #expect(hyper["confidence"] == .string("1 + alpha") && hyper["factors"] == .integer(64))
        }
    }
}
