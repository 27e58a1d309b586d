import Foundation

/// Weights of a user's liked items, oldest first, that halve every `halfLife` likes counted back
/// from the newest (nil: all equal). Recent taste predicts the next likes better than old taste,
/// and the held-out items of the evaluation protocol are each user's latest.
public func recencyWeights(count: Int, halfLife: Double?) -> [Float] {
    guard let halfLife, halfLife > 0, halfLife.isFinite else { return [Float](repeating: 1, count: count) }
    return (0..<count).map { Float(exp(-M_LN2 * Double(count - 1 - $0) / halfLife)) }
}

/// The weighted mean of the rows at `positions` of a row-major matrix with `d` columns: the
/// liked-items profile, with ``recencyWeights(count:halfLife:)`` as weights. Nil when the
/// weights sum to zero (no likes).
func weightedMean(rows: [Float], dimensions d: Int, positions: [Int], weights: [Float]) -> [Float]? {
    let total = zip(positions, weights).reduce(Float(0)) { $0 + $1.1 }
    guard total > 0 else { return nil }
    var q = [Float](repeating: 0, count: d)
    rows.withUnsafeBufferPointer { r in
        q.withUnsafeMutableBufferPointer { q in
            for (p, w) in zip(positions, weights) {
                let row = r.baseAddress! + p * d, scale = w / total
                for k in 0..<d { q[k] += scale * row[k] }
            }
        }
    }
    return q
}
