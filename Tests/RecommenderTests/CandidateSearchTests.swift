import Testing
import VectorIndex
@testable import Recommender

@Suite("Candidates from the item index")
struct CandidateSearchTests {
    /// 40 items in two clusters along the axes (1–20 near e0, 21–40 near e1); odd ids are dramas
    /// from the 1990s, even ids comedies from the 1980s.
    static func search() throws -> CandidateSearch {
        let index = try HNSWIndex(dimensions: 4, metric: .innerProduct, parameters: .init(M: 8, efConstruction: 50))
        var content: [Int64: ItemContent] = [:]
        for id in Int64(1)...40 {
            let t = Float(id % 7) / 20
            try index.add(id: id, vector: id <= 20 ? [1, t, 0.1, 0] : [t, 1, 0, 0.1])
            content[id] = ItemContent(title: "Item \(id)", year: id % 2 == 1 ? 1990 + Int(id % 10) : 1980 + Int(id % 10),
                                      categories: [id % 2 == 1 ? "Drama" : "Comedy"])
        }
        return CandidateSearch(index: index, popular: (1...40).reversed(), content: content, recencyHalfLife: 6)
    }

    @Test("a profile finds its cluster; seen items never come back")
    func seenExcluded() throws {
        let search = try Self.search()
        let liked: [Int64] = [1, 2, 3, 4, 5]
        let (found, cold) = try search.recommend(liked: liked, k: 10)
        #expect(!cold && found.count == 10)
        #expect(found.allSatisfy { $0.item <= 20 && !liked.contains($0.item) && $0.source == "collaborative" })
        #expect(zip(found, found.dropFirst()).allSatisfy { $0.score >= $1.score })
    }

    @Test("filters hold inside the search and still fill k when they are selective")
    func filters() throws {
        let search = try Self.search()
        let filter = ItemFilter(category: "Drama", years: 1995...1999)
        let (found, _) = try search.recommend(liked: [1, 3], k: 5, filter: filter)
        #expect(found.count == 5)
        for c in found {
            let item = try #require(search.content[c.item])
            #expect(item.categories == ["Drama"] && (1995...1999).contains(item.year!) && c.item != 1 && c.item != 3)
        }
        let similar = try search.similar(to: 21, k: 5, filter: ItemFilter(category: "Comedy"))
        #expect(similar.count == 5 && similar.allSatisfy { $0.item != 21 && $0.item % 2 == 0 })
    }

    @Test("no usable likes: the most popular allowed items, marked cold start; bad k and unknown items are errors")
    func coldStart() throws {
        let search = try Self.search()
        let (found, cold) = try search.recommend(liked: [999], k: 3, filter: ItemFilter(category: "Comedy"))
        #expect(cold && found.map(\.item) == [40, 38, 36] && found.allSatisfy { $0.source == "popular" })
        #expect(throws: RecommenderError.self) { try search.recommend(liked: [1], k: 0) }
        #expect(throws: RecommenderError.self) { try search.similar(to: 999, k: 3) }
    }
}
