import Core
import FeatureRegistry
import Foundation
import Inference
import OfflineStore
import OnlineFeatures
import Postgres
import Recommender
import Redis
import Serving
import Testing
import TestSupport

/// The recommendation door end to end: interactions in the offline store, `train`, live profiles
/// in Redis, the server's routes, and a pushed like that changes the next answer.
@Suite("Recommendation routes")
struct RecommendationRoutesTests {
    static func repository(_ project: String) -> FeatureRepository {
        FeatureRepository(
            project: project,
            entities: [Entity(name: "user", joinKey: "user_id", keyType: .int64), Entity(name: "movie", joinKey: "movie_id", keyType: .int64)],
            views: [
                FeatureView(name: "ratings", entities: ["user", "movie"], features: [Feature(name: "rating", type: .double), Feature(name: "kind", type: .string)],
                            eventTimestampColumn: "ts", ttlSeconds: 0),
                FeatureView(name: "movie_info", entities: ["movie"],
                            features: [Feature(name: "title", type: .string), Feature(name: "year", type: .int32), Feature(name: "genres", type: .list(.string))],
                            eventTimestampColumn: "ts", ttlSeconds: 0),
                FeatureView(name: "movie_als", entities: ["movie"], features: [Feature(name: "factors", type: .vector(8))], eventTimestampColumn: "ts", ttlSeconds: 0),
                FeatureView(name: "user_als", entities: ["user"], features: [Feature(name: "factors", type: .vector(8))], eventTimestampColumn: "ts", ttlSeconds: 0),
                FeatureView(name: "movie_text", entities: ["movie"], features: [Feature(name: "embedding", type: .vector(384)), Feature(name: "text_hash", type: .string)],
                            eventTimestampColumn: "ts", ttlSeconds: 0),
            ])
    }

    /// Users 1–15 like movies 1–20 (dramas), users 16–30 movies 21–40 (comedies), each some of
    /// them; user 31 only rated movie 1 with 2 stars (known, no positives).
    /// With `texts`, each movie also gets the text embedding of `texts(movie)` in `movie_text`
    /// and the definition uses them (a text index for search).
    static func prepare(project: String, postgres: PostgresPool, redis: RedisPool, registry: RegistryCache, folder: String,
                        texts: (@Sendable (Int) -> String, SentenceEncoder)? = nil, extra: String = "") async throws -> RecommendationService {
        let repository = registry.repository
        let definition = try RecommenderDefinition.load(yaml: """
            name: toy
            project: \(project)
            interactions: {view: ratings, user: user_id, item: movie_id, weight: rating, kind: kind, kinds: {like: 5, view: 1}}
            positive: {min_weight: 4}
            items: {view: movie_info, title: title, year: year, categories: genres\(texts == nil ? "" : ", text: movie_text:embedding")}
            collaborative: {factors: 8, iterations: 6, regularization: 1, alpha: 3}
            ease: {lambda: 10}
            output: {item_view: movie_als, user_view: user_als, feature: factors, index: \(folder)/toy.hnsw}
            profile: {recency_half_life: 3}
            ranking: {weights: {ease: 1, als_liked_items: 0.5, als_user_factors: 0.25, content: 0.25}}
            \(extra)
            """, file: "toy.yaml")
        try await postgres.withConnection { connection in
            let pgvector = try OfflineTable.hasPgvector(connection)
            func table(_ name: String) -> OfflineTable {
                OfflineTable(project: project, view: repository.view(named: name)!, repository: repository, pgvector: pgvector)
            }
            var ratings: [[String: JSONValue]] = []
            for user in 1...30 {
                let base = user <= 15 ? 1 : 21
                for movie in base..<base + 20 where (user + movie) % 3 != 0 {
                    ratings.append(["user_id": .integer(Int64(user)), "movie_id": .integer(Int64(movie)), "rating": .number(5),
                                    "ts": .string("2025-02-\(String(format: "%02d", 1 + movie % 20))T00:00:00Z")])
                }
            }
            ratings.append(["user_id": .integer(31), "movie_id": .integer(1), "rating": .number(2), "ts": .string("2025-03-01T00:00:00Z")])
            _ = try Ingestor(table: table("ratings")).push(ratings, on: connection)
            _ = try Ingestor(table: table("movie_info")).push((1...40).map {
                ["movie_id": .integer(Int64($0)), "title": .string("Movie \($0)"), "year": .integer(Int64(1980 + $0)),
                 "genres": .array([.string($0 <= 20 ? "Drama" : "Comedy")]), "ts": .string("2025-01-01T00:00:00Z")]
            }, on: connection)
            if let (text, encoder) = texts {
                let vectors = encoder.encode((1...40).map(text))
                _ = try Ingestor(table: table("movie_text")).push((1...40).map {
                    ["movie_id": .integer(Int64($0)), "embedding": .array(vectors[$0 - 1].map { .number(Double($0)) }),
                     "text_hash": .string("t"), "ts": .string("2025-01-01T00:00:00Z")]
                }, on: connection)
            }
            let data = try RecommenderData.load(definition, repository: repository, on: connection)
            _ = try RecommenderTraining.run(definition, data: data, repository: repository, on: connection)
            let store = RedisOnlineStore(pool: redis, repository: repository)
            let connectionToRedis = RedisConnection(configuration: redis.configuration)
            defer { connectionToRedis.close() }
            _ = try Materializer(repository: repository, store: store)
                .materialize(view: repository.view(named: "user_als")!, start: nil, end: Date(), postgres: connection, redis: connectionToRedis, progress: { _ in })
            _ = try LiveProfiles(definition).rebuild(from: data.interactions, on: connectionToRedis)
        }
        let service = RecommendationService(definitions: [definition], registry: registry, pool: postgres, logger: .init(label: "test"))
        try await service.refresh()
        return service
    }

    static func items(_ result: ServerFixture.HTTPResult) -> [[String: Any]] {
        ((result.json as? [String: Any])?["items"] as? [[String: Any]]) ?? []
    }

    static func ids(_ result: ServerFixture.HTTPResult) -> [Int] { items(result).compactMap { $0["item"] as? Int } }

    @Test("a pushed like changes the next response; seen items never return; cold start, unknown users, filters, errors")
    func routes() async throws {
        let folder = NSTemporaryDirectory() + "pantry-routes-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await ServerFixture.run(repository: Self.repository, prepare: { project, postgres, redis, registry in
            try await Self.prepare(project: project, postgres: postgres, redis: redis, registry: registry, folder: folder)
        }) { server in
            let seen = Set((1...20).filter { (1 + $0) % 3 != 0 })
            let before = try await server.get("/v1/recommendations/1?k=5")
            #expect(before.status == 200, "\(before.body)")
            let json = try #require(before.json as? [String: Any])
            #expect(json["cold_start"] as? Bool == false && json["model_version"] as? Int == 1 && json["user"] as? Int == 1)
            #expect(Self.ids(before).count == 5 && Self.ids(before).allSatisfy { !seen.contains($0) && $0 <= 20 }, "\(before.body)")
            let first = try #require(Self.items(before).first)
            #expect((first["components"] as? [String: Double])?.keys.contains("ease") == true)
            #expect((first["components"] as? [String: Double])?.keys.contains("als_user_factors") == true)
            #expect(first["title"] as? String != nil && first["sources"] as? [String] != nil)

            // Five comedies liked now: the profile follows at once, without retraining.
            let likes = (21...25).map { #"{"user_id": 1, "movie_id": \#($0), "kind": "like", "ts": "2026-06-01T00:00:\#($0)Z"}"# }
            let push = try await server.post("/v1/push", #"{"view": "ratings", "rows": [\#(likes.joined(separator: ","))]}"#, token: server.token)
            #expect(push.status == 200, "\(push.body)")
            let after = try await server.get("/v1/recommendations/1?k=5")
            #expect(Self.ids(after) != Self.ids(before))
            #expect(Self.ids(after).filter { $0 > 25 }.count >= 3, "after liking comedies: \(after.body)")
            #expect(Self.ids(after).allSatisfy { !seen.contains($0) && !(21...25).contains($0) })
            // An unknown kind is refused before anything is written.
            let bad = try await server.post("/v1/push", #"{"view": "ratings", "rows": [{"user_id": 1, "movie_id": 30, "kind": "zap", "ts": "2026-06-02T00:00:00Z"}]}"#, token: server.token)
            #expect(bad.status == 400 && bad.body.contains("zap"))

            // No text index (and no encoder) in this model: search is unavailable, not an error of the request.
            let search = try await server.get("/v1/search?q=toys")
            #expect(search.status == 503 && search.body.contains("encoder"), "\(search.body)")

            let cold = try await server.get("/v1/recommendations/31?k=3")
            #expect(cold.status == 200 && (cold.json as? [String: Any])?["cold_start"] as? Bool == true && !Self.ids(cold).contains(1), "\(cold.body)")
            let unknown = try await server.get("/v1/recommendations/777")
            #expect(unknown.status == 404 && unknown.body.contains("unknown user 777"))

            let comedies = try await server.get("/v1/recommendations/2?k=4&genre=Comedy&year_min=2005")
            #expect(comedies.status == 200 && Self.ids(comedies).count == 4 && Self.ids(comedies).allSatisfy { $0 >= 25 }, "\(comedies.body)")
            for (query, names) in [("k=abc", "k:"), ("k=101", "k:"), ("offset=-1", "offset"), ("genre=", "genre"), ("year_min=2000&year_max=1990", "year_min"),
                                   ("colour=red", "colour"), ("k=1&k=2", "k:")] {
                let response = try await server.get("/v1/recommendations/1?\(query)")
                #expect(response.status == 400 && response.body.contains(names), "\(query): \(response.body)")
            }
            #expect(try await server.get("/v1/recommendations/abc").status == 400)

            // An anonymous session: its context items shape the answer and are not returned.
            let session = try await server.post("/v1/recommendations", #"{"context": [21, 22, 23], "k": 4}"#)
            #expect(session.status == 200 && Self.ids(session).allSatisfy { $0 > 23 }, "\(session.body)")
            #expect(try await server.post("/v1/recommendations", #"{"k": 4}"#).status == 400)
            #expect(try await server.post("/v1/recommendations", #"{"context": ["x"]}"#).body.contains("context[0]"))

            let similar = try await server.get("/v1/items/21/similar?k=3")
            #expect(similar.status == 200 && Self.ids(similar).count == 3 && Self.ids(similar).allSatisfy { $0 > 20 && $0 != 21 }, "\(similar.body)")
            #expect(try await server.get("/v1/items/999/similar").status == 404)
            let popular = try await server.get("/v1/items/popular?k=2&genre=Drama")
            #expect(popular.status == 200 && Self.ids(popular).count == 2 && Self.ids(popular).allSatisfy { $0 <= 20 })
            #expect(Self.ids(try await server.get("/v1/items/latest?k=2")) == [40, 39])
            #expect(try await server.request("DELETE", "/v1/items/popular").status == 405)
            let metrics = try await server.get("/metrics")
            #expect(metrics.body.contains("pantry_recommendations_total") && metrics.body.contains("pantry_live_profile_updates_total"))
        }
    }
}
