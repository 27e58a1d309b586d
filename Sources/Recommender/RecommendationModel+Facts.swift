/// What the model knows about an item in relation to a user's likes, for explanations: the
/// liked items nearest to it and how many people liked it. Only facts the model holds.
extension RecommendationModel {
    /// The liked items most like `item` (cosine of ALS vectors, plus content cosine when the
    /// model has a content space), most similar first; unknown ids are skipped.
    public func nearestLiked(to item: Int64, among liked: [Int64], count: Int) -> [Int64] {
        guard let p = catalogue.position(of: item).map(Int.init), count > 0 else { return [] }
        let f = collaborative.dimensions, cd = content?.dimensions ?? 0
        let target = unit(Array(alsVectors[p * f..<(p + 1) * f]))
        let scored = Set(liked).compactMap { id -> (Int64, Float)? in
            guard id != item, let q = catalogue.position(of: id).map(Int.init) else { return nil }
            var s = dot(target, unit(Array(alsVectors[q * f..<(q + 1) * f])), 0)
            if cd > 0 { s += dot(Array(contentVectors[p * cd..<(p + 1) * cd]), contentVectors, q * cd) }
            return (id, s)
        }
        return scored.sorted { ($0.1, $1.0) > ($1.1, $0.0) }.prefix(count).map(\.0)
    }

    /// The item's positives in the training data (nil: not in the catalogue).
    public func positives(of item: Int64) -> Int? {
        catalogue.position(of: item).map { Int(popularity[Int($0)]) }
    }
}
