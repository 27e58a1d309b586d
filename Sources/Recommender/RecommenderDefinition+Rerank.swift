import FeatureRegistry

extension RecommenderDefinition.RerankSettings {
    /// Parses a `rerank:` block (`candidates`, `weight`, `likes`, each optional); errors name
    /// the key and the range expected.
    init(_ node: YAMLNode) throws(DefinitionError) {
        let r = try node.mapping(allowed: ["candidates", "weight", "likes"])
        self.init()
        if let v = r["candidates"] { candidates = try Self.integer(v, in: Self.candidateRange) }
        if let v = r["likes"] { likes = try Self.integer(v, in: Self.likesRange) }
        if let v = r["weight"] {
            let w = try v.double(expected: "a finite weight ≥ 0")
            guard w.isFinite, w >= 0, Float(w).isFinite else { throw v.error(found: "\(w)", expected: "a finite weight ≥ 0") }
            weight = Float(w)
        }
    }

    private static func integer(_ node: YAMLNode, in range: ClosedRange<Int>) throws(DefinitionError) -> Int {
        let expected = "an integer in \(range.lowerBound)...\(range.upperBound)"
        let value = try node.int(expected: expected)
        guard range.contains(value) else { throw node.error(found: "\(value)", expected: expected) }
        return value
    }
}
