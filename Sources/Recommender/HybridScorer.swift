/// A weighted blend of scorers. Each component's scores are standardised per user over the
/// catalogue (z-scores: mean 0, deviation 1) before weighting, so that weights compare across
/// components whose raw scales differ; a component with no opinion (all −∞) contributes 0.
public struct HybridScorer: ItemScorer {
    public let name: String
    public let components: [(scorer: any ItemScorer, weight: Float)]

    public init(name: String = "hybrid", components: [(scorer: any ItemScorer, weight: Float)]) {
        self.name = name
        self.components = components
    }

    public func scores(user: Int?, liked: [Int32], into out: inout [Float]) {
        let parts = componentScores(user: user, liked: liked)
        out = [Float](repeating: 0, count: parts.first?.count ?? 0)
        for (index, component) in components.enumerated() where component.weight != 0 {
            for i in out.indices { out[i] += component.weight * parts[index][i] }
        }
    }

    /// The standardised scores of each component (for explanations and tuning).
    public func componentScores(user: Int?, liked: [Int32]) -> [[Float]] {
        components.map { component in
            var s: [Float] = []
            component.scorer.scores(user: user, liked: liked, into: &s)
            return Self.standardised(s)
        }
    }

    static func standardised(_ s: [Float]) -> [Float] {
        let finite = s.filter(\.isFinite)
        guard finite.count > 1 else { return [Float](repeating: 0, count: s.count) }
        let mean = finite.reduce(0, +) / Float(finite.count)
        let variance = finite.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / Float(finite.count)
        let scale: Float = variance > 0 ? 1 / variance.squareRoot() : 0
        return s.map { $0.isFinite ? ($0 - mean) * scale : 0 }
    }
}
