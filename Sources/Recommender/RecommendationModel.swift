import Foundation
import VectorIndex

/// A trained recommender loaded to answer requests (`pantry serve`, `pantry recommend`): its
/// item indexes, the vectors and statistics the ranking stage needs, and the catalogue's
/// popularity and content. Immutable once loaded; a new model version is a new instance.
///
/// Requests are answered in two stages (see `RecommendationModel+Recommend.swift`):
/// candidates from the HNSW indexes — collaborative (ALS item vectors, inner product) and
/// content (cosine) — searched with the user's live profile, then a ranking of the candidates
/// by the definition's blend of standardised component scores, as `pantry evaluate` tuned it.
public final class RecommendationModel: Sendable {
    public let definition: RecommenderDefinition
    public let version: Int
    public let items: [Int64: ItemContent]
    /// Users with interactions when the model was loaded.
    public let users: Set<Int64>
    /// Item ids by popularity (positives), most popular first.
    public let popular: [Int64]
    /// Item ids by the time they entered the catalogue, newest first (then by release year).
    public let latest: [Int64]

    let catalogue: IdIndex
    let collaborative: HNSWIndex
    let content: HNSWIndex?
    /// ALS item vectors compared by cosine, for "more like this" (items with positives only).
    let similarIndex: HNSWIndex?
    /// Text embeddings by cosine, for natural-language search (items with a text only).
    public let textIndex: HNSWIndex?
    /// Row-major `catalogue × text dimensions`, unit length (zeros: no text).
    let textVectors: [Float]
    let textStatistics: ScoreStatistics?
    /// Row-major `catalogue × factors` and `catalogue × content dimensions`.
    let alsVectors: [Float]
    let contentVectors: [Float]
    let alsStatistics: ScoreStatistics
    let contentStatistics: ScoreStatistics?
    let ease: EASE?
    let easeItems: IdIndex?
    /// EASE's row of each catalogue position (−1: not in the EASE matrix).
    let easeRows: [Int32]
    /// Positives per catalogue item, all time and recent, and their catalogue moments.
    let popularity: [Float], trending: [Float]
    let popularityMoments: (mean: Float, deviation: Float), trendingMoments: (mean: Float, deviation: Float)
    let byCategory: [String: Set<Int64>]

    /// Loads the model version's artifacts (paths resolved by `path`) over the current data.
    public convenience init(definition: RecommenderDefinition, version: ModelVersion, data: RecommenderData,
                            path: (String) -> String = { $0 }) throws {
        func artifact(_ name: String) -> String? {
            guard case .object(let a) = version.artifacts, case .string(let p)? = a[name] else { return nil }
            return path(p)
        }
        guard let indexPath = artifact("index") else {
            throw RecommenderError("model version \(version.version) of \(definition.name) records no index file")
        }
        let ease = try artifact("ease").map { try EASE.load(from: $0) }
        try self.init(definition: definition, version: version.version, data: data,
                      positives: data.positives(minimumWeight: definition.minimumPositiveWeight),
                      collaborative: try HNSWIndex.load(from: indexPath),
                      content: try artifact("content_index").map { try HNSWIndex.load(from: $0) },
                      similarIndex: try artifact("similar_index").map { try HNSWIndex.load(from: $0) },
                      textIndex: try artifact("text_index").map { try HNSWIndex.load(from: $0) },
                      ease: ease?.ease, easeIds: ease?.ids)
    }

    /// A model from its parts; popularity counts `positives` (the training positives: the
    /// offline evaluation passes its training split, so nothing of the test leaks in).
    init(definition: RecommenderDefinition, version: Int, data: RecommenderData, positives: [Interaction],
         collaborative: HNSWIndex, content: HNSWIndex?, similarIndex: HNSWIndex?, textIndex: HNSWIndex? = nil,
         ease: EASE?, easeIds: [Int64]?) throws {
        self.definition = definition
        self.version = version
        items = data.items
        users = Set(data.interactions.map(\.user))
        catalogue = data.catalogue
        self.collaborative = collaborative
        guard collaborative.metric == .innerProduct else { throw RecommenderError("collaborative index: metric \(collaborative.metric), expected inner product") }
        self.content = content
        self.similarIndex = similarIndex
        alsVectors = Self.rows(catalogue.ids, from: collaborative)
        alsStatistics = ScoreStatistics(vectors: alsVectors, dimensions: collaborative.dimensions)
        if let content {
            contentVectors = Self.rows(catalogue.ids, from: content)
            contentStatistics = ScoreStatistics(vectors: contentVectors, dimensions: content.dimensions)
        } else {
            (contentVectors, contentStatistics) = ([], nil)
        }
        self.textIndex = textIndex
        if let textIndex {
            guard textIndex.metric == .cosine else { throw RecommenderError("text index: metric \(textIndex.metric), expected cosine") }
            let d = textIndex.dimensions
            var rows = Self.rows(catalogue.ids, from: textIndex)
            for r in 0..<catalogue.count {
                let norm = rows[r * d..<(r + 1) * d].reduce(0) { $0 + $1 * $1 }.squareRoot()
                if norm > 0 { for k in r * d..<(r + 1) * d { rows[k] /= norm } }
            }
            textVectors = rows
            textStatistics = ScoreStatistics(vectors: rows, dimensions: d)
        } else {
            (textVectors, textStatistics) = ([], nil)
        }
        if var ease, let easeIds {
            ease.recencyHalfLife = definition.recencyHalfLife
            let index = IdIndex(easeIds)
            guard index.ids == easeIds, ease.itemCount == easeIds.count else { throw RecommenderError("EASE: item ids are not in ascending order") }
            (self.ease, easeItems) = (ease, index)
        } else {
            (self.ease, easeItems) = (nil, nil)
        }
        let easeIndex = easeItems
        easeRows = catalogue.ids.map { id in easeIndex?.position(of: id) ?? -1 }
        var counts = [Float](repeating: 0, count: catalogue.count), recent = counts
        let newest = positives.map(\.time).max() ?? 0
        for p in positives {
            guard let i = catalogue.position(of: p.item) else { continue }
            counts[Int(i)] += 1
            if p.time > newest - OfflineEvaluation.trendingWindow { recent[Int(i)] += 1 }
        }
        (popularity, trending) = (counts, recent)
        popularityMoments = Self.moments(counts)
        trendingMoments = Self.moments(recent)
        let ids = catalogue.ids
        popular = ids.indices.sorted { (counts[$0], ids[$1]) > (counts[$1], ids[$0]) }.map { ids[$0] }
        // Newest entry into the catalogue first; items that entered together by release year.
        let years = data.items.mapValues { $0.year ?? .min }
        latest = ids.sorted { (data.itemTimes[$0] ?? .min, years[$0] ?? .min, $0) > (data.itemTimes[$1] ?? .min, years[$1] ?? .min, $1) }
        var byCategory: [String: Set<Int64>] = [:]
        for (id, item) in data.items { for c in item.categories { byCategory[c, default: []].insert(id) } }
        self.byCategory = byCategory
    }

    /// The catalogue's rows of an index's vectors (zeros for items the index lacks).
    static func rows(_ ids: [Int64], from index: HNSWIndex) -> [Float] {
        var rows = [Float](repeating: 0, count: ids.count * index.dimensions)
        for (i, id) in ids.enumerated() {
            guard let v = index.vector(id: id) else { continue }
            rows.replaceSubrange(i * index.dimensions..<(i + 1) * index.dimensions, with: v)
        }
        return rows
    }

    static func moments(_ values: [Float]) -> (mean: Float, deviation: Float) {
        guard !values.isEmpty else { return (0, 0) }
        let mean = values.reduce(0, +) / Float(values.count)
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(values.count)
        return (mean, variance.squareRoot())
    }

    public var itemCount: Int { catalogue.count }
    public func knows(item: Int64) -> Bool { catalogue.position(of: item) != nil }
    /// The ALS factor count (the dimension of user factors).
    public var factors: Int { collaborative.dimensions }
}
