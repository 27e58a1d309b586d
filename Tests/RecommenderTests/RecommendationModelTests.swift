import Foundation
import Testing
import VectorIndex
@testable import Recommender

@Suite("The served model: candidates from the indexes, ranked by the blend")
struct RecommendationModelTests {
    /// 40 items in two clusters along the axes (1–20 near e0, 21–40 near e1); odd ids are dramas
    /// from the 1990s, even ids comedies from the 1980s. Item i has i % 13 + 1 positives.
    static func model(weights: [String: Float] = ["als_liked_items": 1, "content": 0.25, "popularity": 0.1], text: Bool = false) throws -> RecommendationModel {
        let collaborative = try HNSWIndex(dimensions: 4, metric: .innerProduct, parameters: .init(M: 8, efConstruction: 50))
        let content = try HNSWIndex(dimensions: 2, metric: .cosine, parameters: .init(M: 8, efConstruction: 50))
        var items: [Int64: ItemContent] = [:]
        var positives: [Interaction] = []
        for id in Int64(1)...40 {
            let t = Float(id % 7) / 20
            try collaborative.add(id: id, vector: id <= 20 ? [1, t, 0.1, 0] : [t, 1, 0, 0.1])
            try content.add(id: id, vector: id % 2 == 1 ? [1, 0.1] : [0.1, 1])
            items[id] = ItemContent(title: "Item \(id)", year: id % 2 == 1 ? 1990 + Int(id % 10) : 1980 + Int(id % 10),
                                    categories: [id % 2 == 1 ? "Drama" : "Comedy"])
            for user in 0..<(id % 13 + 1) { positives.append(Interaction(user: user, item: id, weight: 5, time: id)) }
        }
        var definition = try RecommenderDefinition.load(yaml: """
            name: toy
            project: toy
            interactions: {view: events, user: user_id, item: item_id}
            profile: {recency_half_life: 6}
            """, file: "toy.yaml")
        definition.ranking.weights = weights
        // Text vectors: item i points at angle i° (texts of nearby ids are alike); items 39 and 40 have none.
        let textIndex = try HNSWIndex(dimensions: 2, metric: .cosine, parameters: .init(M: 8, efConstruction: 50))
        for id in Int64(1)...38 { try textIndex.add(id: id, vector: Self.angle(Float(id))) }
        return try RecommendationModel(definition: definition, version: 1, data: RecommenderData(interactions: positives, items: items),
                                       positives: positives, collaborative: collaborative, content: content, similarIndex: nil,
                                       textIndex: text ? textIndex : nil, ease: nil, easeIds: nil)
    }

    static func angle(_ degrees: Float) -> [Float] { [cos(degrees * .pi / 180), sin(degrees * .pi / 180)] }

    @Test("search: nearest texts by cosine, filters inside the walk, a profile reorders the matches; errors")
    func search() throws {
        let model = try Self.model(text: true)
        let near10 = try model.search(SearchQuery(vector: Self.angle(10.2), k: 5))
        #expect(near10.map(\.item) == [10, 11, 9, 12, 8])
        #expect(near10.allSatisfy { $0.sources == ["text"] && $0.components["text_cosine"] == $0.score })
        #expect(try model.search(SearchQuery(vector: Self.angle(10.2), k: 3, offset: 2)).map(\.item) == [9, 12, 8])
        // Comedies (even ids) of the 1980s only.
        let comedies = try model.search(SearchQuery(vector: Self.angle(10.2), k: 4, filter: ItemFilter(category: "Comedy")))
        #expect(comedies.map(\.item) == [10, 12, 8, 14])
        // Near the cluster boundary (ids 19–22): a profile in cluster 21–40 moves that cluster up.
        let plain = try model.search(SearchQuery(vector: Self.angle(20.4), k: 4)).map(\.item)
        #expect(plain == [20, 21, 19, 22])
        let personal = try model.search(SearchQuery(vector: Self.angle(20.4), k: 10, liked: [30, 31, 33], personalization: 0.3))
        let order = personal.map(\.item)
        #expect(order.first.map { $0 > 20 } == true && order.firstIndex(of: 21)! < (order.firstIndex(of: 20) ?? 10), "\(order)")
        #expect(personal.allSatisfy { $0.components["als_liked_items"] != nil && $0.components["text"] != nil })
        // Without personalisation the profile changes nothing.
        #expect(try model.search(SearchQuery(vector: Self.angle(20.4), k: 4, liked: [30], personalization: 0)).map(\.item) == plain)

        #expect(throws: RecommendationError(.badParameter, "query vector: 3 finite values expected 2")) { try model.search(SearchQuery(vector: [1, 0, 0])) }
        #expect(throws: RecommendationError.self) { try model.search(SearchQuery(vector: [.nan, 0])) }
        #expect(throws: RecommendationError.self) { try model.search(SearchQuery(vector: [1, 0], k: 0)) }
        let error = #expect(throws: RecommendationError.self) { try Self.model().search(SearchQuery(vector: [1, 0])) }
        #expect(error?.kind == .unavailable)
    }

    @Test("a profile finds its cluster; seen items never come back; components and sources are kept")
    func seenExcluded() throws {
        let model = try Self.model()
        let liked: [Int64] = [1, 2, 3, 4, 5]
        let answer = try model.recommend(RecommendationQuery(liked: liked, exclude: Set(liked), k: 10))
        #expect(!answer.coldStart && answer.items.count == 10)
        #expect(answer.items.allSatisfy { $0.item <= 20 && !liked.contains($0.item) })
        #expect(answer.items.allSatisfy { $0.components["als_liked_items"] != nil && $0.components["content"] != nil && !$0.sources.isEmpty })
        #expect(zip(answer.items, answer.items.dropFirst()).allSatisfy { $0.score >= $1.score })
        // Paging: offset 3 continues the same ranking.
        let page = try model.recommend(RecommendationQuery(liked: liked, exclude: Set(liked), k: 4, offset: 3))
        #expect(page.items.map(\.item) == answer.items[3..<7].map(\.item))
    }

    @Test("component scores are standardised over the whole catalogue, as the evaluation's hybrid does")
    func exactStandardisation() throws {
        let model = try Self.model()
        let liked: [Int64] = [22, 7, 30]
        let answer = try model.recommend(RecommendationQuery(liked: liked, exclude: Set(liked), k: 20))
        let scorer = EmbeddingScorer(name: "p", query: .likedItems, dimensions: 4, itemVectors: model.alsVectors, recencyHalfLife: 6)
        var full: [Float] = []
        scorer.scores(user: nil, liked: liked.map { model.catalogue.position(of: $0)! }, into: &full)
        let z = HybridScorer.standardised(full)
        for item in answer.items {
            let expected = z[Int(model.catalogue.position(of: item.item)!)]
            #expect(abs(item.components["als_liked_items"]! - expected) < 1e-3, "item \(item.item)")
        }
    }

    @Test("filters hold inside the search and still fill k when they are selective")
    func filters() throws {
        let model = try Self.model()
        let filter = ItemFilter(category: "Drama", years: 1995...1999)
        let answer = try model.recommend(RecommendationQuery(liked: [1, 3], exclude: [1, 3], k: 5, filter: filter))
        #expect(answer.items.count == 5)
        for c in answer.items {
            let item = try #require(model.items[c.item])
            #expect(item.categories == ["Drama"] && (1995...1999).contains(item.year!) && c.item != 1 && c.item != 3)
        }
        let similar = try model.similar(to: 21, k: 5, filter: ItemFilter(category: "Comedy"))
        #expect(similar.count == 5 && similar.allSatisfy { $0.item != 21 && $0.item % 2 == 0 })
    }

    @Test("no usable likes: the most popular allowed unseen items, marked cold start; bad k, offset and unknown items are errors")
    func coldStart() throws {
        let model = try Self.model()
        let answer = try model.recommend(RecommendationQuery(liked: [999], exclude: [12], k: 3, filter: ItemFilter(category: "Comedy")))
        // Comedies by positives (id % 13 + 1; ties by id), 12 excluded: 38 (13), 24 (12), 10 (11).
        #expect(answer.coldStart && answer.items.map(\.item) == [38, 24, 10] && answer.items.allSatisfy { $0.sources == ["popular"] })
        #expect(throws: RecommendationError.self) { try model.recommend(RecommendationQuery(liked: [1], exclude: [], k: 0)) }
        #expect(throws: RecommendationError.self) { try model.recommend(RecommendationQuery(liked: [1], exclude: [], k: 10, offset: 995)) }
        #expect(throws: RecommendationError(.notFound, "unknown item 999")) { try model.similar(to: 999, k: 3) }
        #expect(try model.list(.popular, k: 2).map(\.item) == [12, 25])
    }

    @Test("user factors alone (no likes) still search the collaborative space")
    func userFactors() throws {
        let model = try Self.model(weights: ["als_user_factors": 1])
        let answer = try model.recommend(RecommendationQuery(liked: [], exclude: [], userFactors: [0, 1, 0, 0], k: 5))
        #expect(!answer.coldStart && answer.items.allSatisfy { $0.item > 20 && $0.components["als_user_factors"] != nil })
        // Malformed factors (wrong length) are ignored: cold start.
        #expect(try model.recommend(RecommendationQuery(liked: [], exclude: [], userFactors: [1], k: 5)).coldStart)
    }
}
