import Core
import Foundation

/// What a content embedding is built from, per item: its categories (genres), year and title.
public struct ItemContent: Sendable, Equatable {
    public var title: String
    public var year: Int?
    public var categories: [String]

    public init(title: String, year: Int?, categories: [String]) {
        self.title = title
        self.year = year
        self.categories = categories
    }
}

/// Content vectors from item features, so items nobody has liked yet can be recommended: one
/// block per categorical vocabulary (genres, release decade), a hashed bag of title words and,
/// when the items have them, their text embeddings (an embedding job's output); each block
/// L2-normalised and weighted, the whole vector L2-normalised (cosine space).
public struct ContentEmbedding: Sendable {
    public struct Weights: Sendable, Equatable, Codable {
        public var categories: Float = 1
        public var decade: Float = 0.5
        public var title: Float = 0.3
        public var text: Float = 1
        public init() {}
    }

    public let categories: [String]
    public let decades: [Int]
    public let titleBuckets: Int
    /// The text embeddings' length (0: no text block).
    public let textDimensions: Int
    public let weights: Weights

    public init(items: [ItemContent], titleBuckets: Int = 64, textDimensions: Int = 0, weights: Weights = Weights()) {
        categories = Array(Set(items.flatMap(\.categories))).sorted()
        decades = Array(Set(items.compactMap { $0.year.map { $0 / 10 * 10 } })).sorted()
        self.titleBuckets = titleBuckets
        self.textDimensions = textDimensions
        self.weights = weights
    }

    /// The content space of a recommender's data (text block included when it has text vectors).
    public init(_ data: RecommenderData, textWeight: Float) {
        var weights = Weights()
        weights.text = textWeight
        self.init(items: Array(data.items.values), textDimensions: textWeight > 0 ? data.textDimensions : 0, weights: weights)
    }

    public var dimensions: Int { categories.count + decades.count + titleBuckets + textDimensions }

    /// An item's content vector; `text` is its text embedding (ignored unless it has
    /// `textDimensions` values; a missing one leaves the block zero).
    public func vector(_ item: ItemContent, text: [Float]? = nil) -> [Float] {
        var v = [Float](repeating: 0, count: dimensions)
        var block = [Float](repeating: 0, count: categories.count)
        for c in item.categories { if let k = categories.firstIndex(of: c) { block[k] = 1 } }
        put(block, at: 0, weight: weights.categories, into: &v)
        block = [Float](repeating: 0, count: decades.count)
        if let year = item.year, let k = decades.firstIndex(of: year / 10 * 10) { block[k] = 1 }
        put(block, at: categories.count, weight: weights.decade, into: &v)
        block = [Float](repeating: 0, count: titleBuckets)
        for word in Self.words(item.title) { block[Int(Self.fnv1a(word) % UInt64(titleBuckets))] += 1 }
        put(block, at: categories.count + decades.count, weight: weights.title, into: &v)
        if let text, textDimensions > 0, text.count == textDimensions {
            put(text, at: categories.count + decades.count + titleBuckets, weight: weights.text, into: &v)
        }
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    private func put(_ block: [Float], at offset: Int, weight: Float, into v: inout [Float]) {
        let norm = block.reduce(0) { $0 + $1 * $1 }.squareRoot()
        guard norm > 0 else { return }
        for (k, x) in block.enumerated() { v[offset + k] = weight * x / norm }
    }

    /// Lower-cased words of two letters or more, articles and a year in parentheses left out.
    static func words(_ title: String) -> [String] {
        let stop: Set<String> = ["the", "a", "an", "of", "and", "la", "le", "les", "de", "il"]
        return title.lowercased().split { !$0.isLetter && !$0.isNumber }.map(String.init)
            .filter { $0.count >= 2 && !stop.contains($0) && Int($0) == nil }
    }

    static func fnv1a(_ s: String) -> UInt64 {
        FNV1a.hash(s.utf8)
    }
}
