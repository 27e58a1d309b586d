import FeatureRegistry
import Foundation
import Testing
@testable import Recommender

@Suite("Recommender definitions")
struct RecommenderDefinitionTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().path

    @Test("the shipped MovieLens recommender loads and fits the shipped feature definitions")
    func shipped() throws {
        let definition = try RecommenderDefinition.load(path: Self.root + "/Config/recommenders/movielens.yaml")
        #expect(definition.interactions.view == "ratings")
        #expect(definition.minimumPositiveWeight == 4)
        #expect(definition.collaborative.factors == 64)
        let repository = try DefinitionLoader.load(path: Self.root + "/Config/features")
        try definition.check(against: repository)
        #expect(definition.easeLambda == 300 && definition.ranking.weights["ease"] == 1)
        // Interaction weights: the rating when present, else the kind's weight; neither: not an interaction.
        #expect(try definition.interactions.weight(value: 3, kind: "like") == 3)
        #expect(try definition.interactions.weight(value: nil, kind: "like") == 5)
        #expect(try definition.interactions.weight(value: nil, kind: nil) == nil)
        #expect(throws: RecommenderError.self) { try definition.interactions.weight(value: nil, kind: "zap") }
        #expect(definition.output?.easeMatrix == "out/movielens-als-ease.f32")
        #expect(definition.rerank == RecommenderDefinition.RerankSettings(candidates: 20, weight: 0, likes: 8))
    }

    @Test("errors name the file, line and key", arguments: [
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\ncollaborative: {factors: 12}\n", "collaborative", "factors"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nevaluation: {k: 0}\n", "evaluation.k", "1...1000"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u}\n", "interactions.item", "item join key"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\npositve: {min_weight: 4}\n", "positve", "unknown key"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i, kinds: {like: 5}}\n", "interactions.kinds", "interactions.kind"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nranking: {weights: {eese: 1}}\n", "ranking.weights.eese", "unknown key"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nranking: {weights: {ease: 1}}\n", "ranking.weights", "ease.lambda"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nranking: {weights: {content: -1}}\n", "ranking.weights.content", "≥ 0"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nprofile: {max_items: 0}\n", "profile.max_items", "1...100000"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nitems: {view: m, text: movie_text}\n", "items.text", "view:feature"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nitems: {view: m, text_weight: -1}\n", "items.text_weight", "0...100"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {candidates: 0}\n", "rerank.candidates", "an integer in 1...100"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {candidates: 101}\n", "rerank.candidates", "an integer in 1...100"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {candidates: many}\n", "rerank.candidates", "an integer in 1...100"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {likes: 51}\n", "rerank.likes", "an integer in 1...50"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {weight: -0.1}\n", "rerank.weight", "a finite weight ≥ 0"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {weight: .inf}\n", "rerank.weight", "a finite weight ≥ 0"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: {wieght: 1}\n", "rerank.wieght", "unknown key"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nrerank: 3\n", "rerank", "a mapping"),
    ])
    func errors(yaml: String, path: String, mentions: String) {
        let error = #expect(throws: DefinitionError.self) { try RecommenderDefinition.load(yaml: yaml, file: "r.yaml") }
        #expect(error?.path == path)
        #expect(error?.line != nil)
        #expect(error.map { "\($0)".contains(mentions) } == true, "\(String(describing: error))")
    }

    @Test("the rerank block: absent is nil, given keys override the defaults (candidates 20, likes 8, weight 0)")
    func rerank() throws {
        let base = "name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\n"
        #expect(try RecommenderDefinition.load(yaml: base, file: "r.yaml").rerank == nil)
        #expect(try RecommenderDefinition.load(yaml: base + "rerank: {}\n", file: "r.yaml").rerank
                == RecommenderDefinition.RerankSettings(candidates: 20, weight: 0, likes: 8))
        let full = try RecommenderDefinition.load(yaml: base + "rerank:\n  candidates: 100\n  weight: 0.3\n  likes: 1\n", file: "r.yaml")
        #expect(full.rerank == RecommenderDefinition.RerankSettings(candidates: 100, weight: 0.3, likes: 1))
        #expect(try RecommenderDefinition.load(yaml: base + "rerank: {weight: 2}\n", file: "r.yaml").rerank
                == RecommenderDefinition.RerankSettings(candidates: 20, weight: 2, likes: 8))
    }

    @Test("checks against the feature definitions name the field and what exists")
    func check() throws {
        var definition = try RecommenderDefinition.load(path: Self.root + "/Config/recommenders/movielens.yaml")
        let repository = try DefinitionLoader.load(path: Self.root + "/Config/features")
        definition.interactions.weight = "stars"
        #expect(throws: RecommenderError("recommender movielens: interactions.weight: ratings has no feature stars")) { try definition.check(against: repository) }
        definition.interactions.weight = nil
        definition.items?.title = "genres"
        let error = #expect(throws: RecommenderError.self) { try definition.check(against: repository) }
        #expect(error?.message.contains("items.title: genres is list<string>, expected string") == true, "\(String(describing: error))")
        definition.items?.title = "title"
        #expect(definition.items?.text == FeatureReference(view: "movie_text", feature: "embedding"))
        definition.items?.text = FeatureReference(view: "movie_text", feature: "text_hash")
        #expect(throws: RecommenderError("recommender movielens: items.text: movie_text:text_hash is string, expected vector(n)")) { try definition.check(against: repository) }
        definition.items?.text = FeatureReference(view: "ratings", feature: "rating")
        let keyed = #expect(throws: RecommenderError.self) { try definition.check(against: repository) }
        #expect(keyed?.message.contains("items.text: ratings must be keyed by movie_id alone") == true, "\(String(describing: keyed))")
    }
}
