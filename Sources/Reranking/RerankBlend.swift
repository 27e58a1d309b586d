/// The final order of reranked candidates: each candidate's retrieval score and LLM score
/// standardised over the reranked candidates (mean 0, standard deviation 1; a constant score
/// contributes 0), then `z(retrieval) + weight · z(llm)`. Weight 0 keeps the retrieval order;
/// a large weight gives the LLM's order. The weight is chosen on validation (`pantry rerank
/// --evaluate`) and set in the recommender definition.
public struct RerankBlend: Sendable, Equatable {
    public var weight: Float

    public init(weight: Float) { self.weight = weight }

    /// The blended score of each candidate, in input order.
    public func scores(retrieval: [Float], llm: [Float]) -> [Float] {
        precondition(retrieval.count == llm.count, "one LLM score per candidate")
        let r = Self.standardised(retrieval), l = Self.standardised(llm)
        return zip(r, l).map { $0 + weight * $1 }
    }

    /// Indices of the candidates in blended order (ties keep the retrieval order).
    public func order(retrieval: [Float], llm: [Float]) -> [Int] {
        let blended = scores(retrieval: retrieval, llm: llm)
        return blended.indices.sorted { (blended[$0], $1) > (blended[$1], $0) }
    }

    static func standardised(_ values: [Float]) -> [Float] {
        guard values.count > 1 else { return values.map { _ in 0 } }
        let n = Float(values.count)
        let mean = values.reduce(0, +) / n
        let variance = values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / n
        guard variance > 0, variance.isFinite else { return values.map { _ in 0 } }
        let scale = 1 / variance.squareRoot()
        return values.map { ($0 - mean) * scale }
    }
}
