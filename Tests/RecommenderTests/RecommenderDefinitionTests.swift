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
    }

    @Test("errors name the file, line and key", arguments: [
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\ncollaborative: {factors: 12}\n", "collaborative", "factors"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\nevaluation: {k: 0}\n", "evaluation.k", "1...1000"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u}\n", "interactions.item", "item join key"),
        ("name: r\nproject: p\ninteractions: {view: v, user: u, item: i}\npositve: {min_weight: 4}\n", "positve", "unknown key"),
    ])
    func errors(yaml: String, path: String, mentions: String) {
        let error = #expect(throws: DefinitionError.self) { try RecommenderDefinition.load(yaml: yaml, file: "r.yaml") }
        #expect(error?.path == path)
        #expect(error?.line != nil)
        #expect(error.map { "\($0)".contains(mentions) } == true, "\(String(describing: error))")
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
    }
}
