import Foundation
import Inference
import Recommender
import Serving
import Testing
import TestSupport

/// `GET /v1/search` end to end: item texts encoded by the real sentence encoder into the
/// offline store, `train` builds the text index, the server encodes queries, caches answers,
/// personalises and refuses bad requests.
@Suite("Search routes")
struct SearchRoutesTests {
    static let encoder = Result { try SentenceEncoder(directory: TestServers.repositoryRoot + "/.pantry/models/all-MiniLM-L6-v2") }

    /// Dramas (1–20) and comedies (21–40), each with a short description; two stand out.
    static func text(_ movie: Int) -> String {
        switch movie {
        case 7: "an animated film about toys that come to life"
        case 30: "a science fiction war between spaceships in outer space"
        case ...20: ["a family drama about loss", "a drama about a long marriage", "a courtroom drama"][movie % 3]
        default: ["a comedy about two friends on a road trip", "a silly office comedy", "a comedy of errors at a wedding"][movie % 3]
        }
    }

    @Test("search: the nearest text first; exact, semantic and expired cache entries; personalisation; errors; metrics")
    func search() async throws {
        let encoder = try Self.encoder.get()
        var configuration = SearchService.Configuration()
        configuration.threshold = 0.9
        configuration.ttlSeconds = 1.5
        let service = SearchService(encoder: encoder, configuration: configuration)
        let folder = NSTemporaryDirectory() + "pantry-search-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await ServerFixture.run(search: service, repository: RecommendationRoutesTests.repository, prepare: { project, postgres, redis, registry in
            try await RecommendationRoutesTests.prepare(project: project, postgres: postgres, redis: redis, registry: registry, folder: folder,
                                                        texts: (Self.text, encoder))
        }) { server in
            func search(_ query: String) async throws -> (ids: [Int], cache: String?, result: ServerFixture.HTTPResult) {
                let result = try await server.get("/v1/search?" + query)
                return (RecommendationRoutesTests.ids(result), (result.json as? [String: Any])?["cache"] as? String, result)
            }
            let toys = try await search("q=toys+cartoon&k=3")
            #expect(toys.result.status == 200 && toys.ids.first == 7 && toys.ids.count == 3 && toys.cache == "miss", "\(toys.result.body)")
            let first = try #require(RecommendationRoutesTests.items(toys.result).first)
            #expect((first["sources"] as? [String]) == ["text"] && first["title"] as? String == "Movie 7")
            #expect(try await search("q=toys+cartoon&k=3").cache == "exact")
            #expect(try await search("q=%20Toys%20%20CARTOON&k=3").cache == "exact", "case and spaces are normalised")
            let again = try await search("q=toy+cartoons&k=3")
            #expect(again.cache == "semantic" && again.ids == toys.ids, "\(again.result.body)")
            #expect(try await search("q=toys+cartoon&k=4").cache == "miss", "another k is another scope")
            #expect(try await search("q=battles+of+spaceships&k=1").ids == [30])

            // Genre filter inside the walk; a comedy fan's neutral query leans to comedies.
            let comedies = try await search("q=a+film&k=5&genre=Comedy")
            #expect(comedies.ids.count == 5 && comedies.ids.allSatisfy { $0 > 20 }, "\(comedies.result.body)")
            let personal = try await search("q=a+film&k=5&user=16&personalization=3")
            #expect(personal.cache == "personalised" && personal.ids.allSatisfy { $0 > 20 }, "\(personal.result.body)")
            let drama = try await search("q=a+film&k=5&user=2&personalization=3")
            #expect(drama.ids.allSatisfy { $0 <= 20 }, "\(drama.result.body)")

            // Expiry: after the TTL the same query is encoded and searched again.
            try await Task.sleep(for: .seconds(1.6))
            #expect(try await search("q=toys+cartoon&k=3").cache == "miss")

            for (query, status, mentions) in [
                ("k=3", 400, "q:"), ("q=%20%20", 400, "empty"), ("q=" + String(repeating: "a", count: 1001), 400, "1001 bytes"),
                ("q=x&user=1&personalization=abc", 400, "personalization"), ("q=x&user=1&personalization=11", 400, "personalization"),
                ("q=x&personalization=1", 400, "without a user"),
                ("q=x&k=0", 400, "k:"), ("q=x&colour=red", 400, "unknown parameter"), ("q=x&user=abc", 400, "user"),
                ("q=x&user=777", 404, "unknown user"), ("q=x&q=y", 400, "more than once"), ("q=x&year_min=2000&year_max=1990", 400, "year_min"),
            ] {
                let result = try await server.get("/v1/search?" + query)
                #expect(result.status == status && result.body.contains(mentions), "\(query): \(result.status) \(result.body)")
            }
            let metrics = try await server.get("/metrics")
            for line in [#"pantry_searches_total{cache="exact"} 2"#, #"pantry_searches_total{cache="semantic"} 1"#, "pantry_search_cache_entries", "pantry_search_cache_hit_ratio"] {
                #expect(metrics.body.contains(line), "\(line)")
            }
        }
    }
}
