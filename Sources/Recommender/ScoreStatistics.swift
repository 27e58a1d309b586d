import COpenBLAS
import VectorIndex

/// The mean and covariance of a set of item vectors, so that a query's scores over the whole
/// catalogue can be standardised without scoring every item: for scores s_j = q·x_j the mean
/// is q·μ and the variance qᵀΣq. The served ranking scores only the index's candidates, yet
/// standardises them exactly as ``HybridScorer`` does over the catalogue in the evaluation.
public struct ScoreStatistics: Sendable {
    public let dimensions: Int
    public let mean: [Float]
    /// Row-major `dimensions × dimensions` population covariance.
    public let covariance: [Float]

    /// - Parameter vectors: row-major `count × dimensions`.
    public init(vectors: [Float], dimensions d: Int) {
        dimensions = d
        let n = d > 0 ? vectors.count / d : 0
        var mean = [Float](repeating: 0, count: d)
        for row in 0..<n { for k in 0..<d { mean[k] += vectors[row * d + k] } }
        if n > 0 { mean = mean.map { $0 / Float(n) } }
        var centred = vectors
        for row in 0..<n { for k in 0..<d { centred[row * d + k] -= mean[k] } }
        var covariance = [Float](repeating: 0, count: d * d)
        if n > 0 {
            // Σ = CᵀC / n (upper triangle from ssyrk, mirrored).
            cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(d), Int32(n), 1 / Float(n), centred, Int32(d), 0, &covariance, Int32(d))
            for r in 0..<d { for c in 0..<r { covariance[r * d + c] = covariance[c * d + r] } }
        }
        self.mean = mean
        self.covariance = covariance
    }

    /// The mean and standard deviation over the catalogue of the scores `query · x`.
    public func moments(of query: [Float]) -> (mean: Float, deviation: Float) {
        let d = dimensions
        return query.withUnsafeBufferPointer { q in
            covariance.withUnsafeBufferPointer { c in
                mean.withUnsafeBufferPointer { mu in
                    guard d > 0 else { return (0, 0) }
                    var v: Float = 0
                    for r in 0..<d { v += q[r] * VectorKernels.dot(c.baseAddress! + r * d, q.baseAddress!, count: d) }
                    let m = VectorKernels.dot(q.baseAddress!, mu.baseAddress!, count: d)
                    return (m, max(v, 0).squareRoot())
                }
            }
        }
    }
}

/// Scores standardised by catalogue moments (mean 0, deviation 1); a flat score carries no
/// opinion and standardises to 0, as in ``HybridScorer``.
@inline(__always)
func standardised(_ score: Float, _ moments: (mean: Float, deviation: Float)) -> Float {
    moments.deviation > 0 ? (score - moments.mean) / moments.deviation : 0
}
