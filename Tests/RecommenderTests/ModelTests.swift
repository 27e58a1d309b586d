import Foundation
import Testing
@testable import Recommender

@Suite("Recommender models")
struct ModelTests {
    /// Two taste groups: users 0–19 like items 0–9, users 20–39 like items 10–19, each missing some.
    static func groups() -> InteractionMatrix {
        var positives: [Interaction] = []
        for user in Int64(0)..<40 {
            let base: Int64 = user < 20 ? 0 : 10
            for item in base..<base + 10 where (user + item) % 4 != 0 {
                positives.append(Interaction(user: user, item: item, weight: 1, time: 0))
            }
        }
        return InteractionMatrix(positives, users: IdIndex(0..<40), items: IdIndex(0..<20))
    }

    @Test("ALS: the loss decreases every iteration, factors stay finite, and a user's unseen in-group items rank first")
    func als() throws {
        let matrix = Self.groups()
        var p = ALSParameters()
        (p.factors, p.iterations, p.regularization, p.alpha) = (8, 1, 0.1, 10)
        let als = try ImplicitALS(matrix: matrix, parameters: p)
        var previous = als.loss()
        for _ in 0..<8 {
            als.iterate()
            let loss = als.loss()
            #expect(loss < previous, "loss \(loss) after \(previous)")
            previous = loss
        }
        #expect(als.userFactors.allSatisfy(\.isFinite) && als.itemFactors.allSatisfy(\.isFinite))
        let scorer = EmbeddingScorer(name: "als", query: .userFactors, dimensions: 8, itemVectors: als.itemFactors, userVectors: als.userFactors)
        var scores: [Float] = []
        let liked = Array(matrix.items(of: 0))
        scorer.scores(user: 0, liked: liked, into: &scores)
        let top = topItems(scores, k: 10 - liked.count, excluding: Set(liked))
        #expect(top.allSatisfy { $0 < 10 }, "user 0's unseen items should come from its group: \(top)")
    }

    @Test("ALS rejects bad hyperparameters with the field's name")
    func alsValidation() {
        var p = ALSParameters()
        p.factors = 12
        #expect(throws: RecommenderError.self) { try p.validate() }
        p.factors = 16
        p.alpha = .nan
        let error = #expect(throws: RecommenderError.self) { try p.validate() }
        #expect(error?.message.hasPrefix("alpha") == true)
    }

    @Test("EASE: B = I − P·diag(1/diag P) for P = (XᵀX + λI)⁻¹, zero diagonal (checked against a direct inverse)")
    func ease() throws {
        let matrix = Self.groups()
        let lambda = 3.0
        let model = try EASE(matrix: matrix, lambda: lambda)
        let n = 20
        var g = [[Double]](repeating: [Double](repeating: 0, count: n), count: n)
        for u in 0..<40 { for i in matrix.items(of: u) { for j in matrix.items(of: u) { g[Int(i)][Int(j)] += 1 } } }
        for i in 0..<n { g[i][i] += lambda }
        let p = Self.inverse(g)
        for i in 0..<n {
            #expect(model.weights[i * n + i] == 0)
            for j in 0..<n where i != j {
                #expect(abs(Double(model.weights[i * n + j]) - (-p[i][j] / p[j][j])) < 1e-5)
            }
        }
        #expect(throws: RecommenderError.self) { try EASE(matrix: matrix, lambda: 0) }
    }

    @Test("EASE file: saved and loaded bit for bit; truncated, corrupt or hostile files are errors")
    func easeFile() throws {
        let model = try EASE(matrix: Self.groups(), lambda: 3)
        let path = NSTemporaryDirectory() + "pantry-ease-\(UUID().uuidString).f32"
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ids = (1...20).map { Int64($0 * 10) }
        try model.save(ids: ids, to: path)
        let (loaded, loadedIds) = try EASE.load(from: path)
        #expect(loaded.weights == model.weights && loadedIds == ids && loaded.lambda == 3)
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        for (name, damaged) in [("truncated", bytes.dropLast(9)), ("flipped", { var b = bytes; b[100] ^= 1; return b }()),
                                ("huge count", { var b = bytes; b[15] = 0x7f; return b }()), ("not EASE", Data("hello".utf8))] {
            try Data(damaged).write(to: URL(fileURLWithPath: path))
            #expect(throws: RecommenderError.self, "\(name)") { try EASE.load(from: path) }
        }
    }

    @Test("hybrid: standardised components blend by weight; one component at weight 1 ranks like it alone")
    func hybrid() {
        let matrix = Self.groups()
        let popularity = PopularityScorer(matrix: matrix)
        let hybrid = HybridScorer(components: [(popularity, 1)])
        var a: [Float] = [], b: [Float] = []
        popularity.scores(user: 0, liked: [], into: &a)
        hybrid.scores(user: 0, liked: [], into: &b)
        #expect(topItems(a, k: 20, excluding: []) == topItems(b, k: 20, excluding: []))
        let z = HybridScorer.standardised([1, 2, 3, -.infinity])
        #expect(abs(z[0] + z[2]) < 1e-6 && z[1] == 0 && z[3] == 0)
    }

    @Test("content vectors: unit length; same genres and decade are closer than different ones")
    func content() {
        let items = [ItemContent(title: "Toy Story", year: 1995, categories: ["Animation", "Comedy"]),
                     ItemContent(title: "Toy Story 2", year: 1999, categories: ["Animation", "Comedy"]),
                     ItemContent(title: "Heat", year: 1995, categories: ["Crime", "Thriller"])]
        let embedding = ContentEmbedding(items: items)
        let v = items.map { embedding.vector($0) }
        func dot(_ a: [Float], _ b: [Float]) -> Float { zip(a, b).reduce(0) { $0 + $1.0 * $1.1 } }
        for x in v { #expect(abs(dot(x, x) - 1) < 1e-5) }
        #expect(dot(v[0], v[1]) > dot(v[0], v[2]))
        #expect(ContentEmbedding.words("The Lion King (1994)") == ["lion", "king"])

        // A text block: texts that agree pull items together; a wrong-length text is ignored.
        var weights = ContentEmbedding.Weights()
        weights.text = 4
        let withText = ContentEmbedding(items: items, textDimensions: 2, weights: weights)
        #expect(withText.dimensions == embedding.dimensions + 2)
        let t = [withText.vector(items[0], text: [1, 0]), withText.vector(items[1], text: [0, 1]), withText.vector(items[2], text: [1, 0])]
        for x in t { #expect(abs(dot(x, x) - 1) < 1e-5) }
        #expect(dot(t[0], t[2]) > dot(t[0], t[1]), "the text outweighs genres at weight 4")
        #expect(withText.vector(items[0], text: [1, 0, 0]).suffix(2) == [0, 0])
    }

    static func inverse(_ m: [[Double]]) -> [[Double]] {
        let n = m.count
        var a = m, inv = (0..<n).map { i in (0..<n).map { $0 == i ? 1.0 : 0.0 } }
        for c in 0..<n {
            let pivot = (c..<n).max { abs(a[$0][c]) < abs(a[$1][c]) }!
            a.swapAt(c, pivot); inv.swapAt(c, pivot)
            let d = a[c][c]
            for k in 0..<n { a[c][k] /= d; inv[c][k] /= d }
            for r in 0..<n where r != c {
                let f = a[r][c]
                for k in 0..<n { a[r][k] -= f * a[c][k]; inv[r][k] -= f * inv[c][k] }
            }
        }
        return inv
    }
}
