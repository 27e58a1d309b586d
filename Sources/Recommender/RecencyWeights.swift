import Foundation

/// Weights of a user's liked items, oldest first, that halve every `halfLife` likes counted back
/// from the newest (nil: all equal). Recent taste predicts the next likes better than old taste,
/// and the held-out items of the evaluation protocol are each user's latest.
public func recencyWeights(count: Int, halfLife: Double?) -> [Float] {
    guard let halfLife, halfLife > 0, halfLife.isFinite else { return [Float](repeating: 1, count: count) }
    return (0..<count).map { Float(exp(-M_LN2 * Double(count - 1 - $0) / halfLife)) }
}
