import COpenBLAS

/// EASE (Steck, "Embarrassingly Shallow Autoencoders for Sparse Data", 2019): an item × item
/// weight matrix B in closed form, B = I − P·diag(1/diag P) with P = (XᵀX + λI)⁻¹ and a zero
/// diagonal; a user's scores are the sum of B's rows of the items they liked (optionally weighted by recency). The inverse is
/// LAPACK's Cholesky factorisation and inverse (`dpotrf`, `dpotri`) in double precision.
public struct EASE: ItemScorer {
    public var name = "ease"
    public let lambda: Double
    /// Liked items count with ``recencyWeights(count:halfLife:)`` (nil: equally).
    public var recencyHalfLife: Double?
    public let itemCount: Int
    /// Row-major `items × items`.
    public let weights: [Float]

    public init(matrix: InteractionMatrix, lambda: Double, recencyHalfLife: Double? = nil) throws(RecommenderError) {
        self.recencyHalfLife = recencyHalfLife
        guard lambda.isFinite, lambda > 0 else { throw RecommenderError("lambda: \(lambda), expected a finite number > 0") }
        let n = matrix.items.count
        guard n > 0 else { throw RecommenderError("no items to train on") }
        guard n <= 20_000 else { throw RecommenderError("EASE needs an items × items matrix; \(n) items is too many (at most 20,000)") }
        self.lambda = lambda
        itemCount = n
        // G = XᵀX + λI from the sparse rows (co-occurrence counts; symmetric).
        var g = [Double](repeating: 0, count: n * n)
        for u in 0..<matrix.users.count {
            let items = matrix.items(of: u)
            for i in items { for j in items { g[Int(i) * n + Int(j)] += 1 } }
        }
        for i in 0..<n { g[i * n + i] += lambda }
        var info: Int32 = 0
        var order = Int32(n), lda = Int32(n)
        // Symmetric, so row- and column-major agree; LAPACK fills one triangle.
        dpotrf_("U", &order, &g, &lda, &info)
        guard info == 0 else { throw RecommenderError("EASE: XᵀX + λI is not positive definite (dpotrf info \(info))") }
        dpotri_("U", &order, &g, &lda, &info)
        guard info == 0 else { throw RecommenderError("EASE: inverse failed (dpotri info \(info))") }
        // Column-major upper triangle = row-major lower triangle; mirror it to a full P.
        for r in 0..<n { for c in (r + 1)..<max(r + 1, n) { g[r * n + c] = g[c * n + r] } }
        var b = [Float](repeating: 0, count: n * n)
        for i in 0..<n {
            for j in 0..<n where i != j { b[i * n + j] = Float(-g[i * n + j] / g[j * n + j]) }
        }
        weights = b
    }

    init(lambda: Double, itemCount: Int, weights: [Float]) {
        self.lambda = lambda
        self.itemCount = itemCount
        self.weights = weights
    }

    public func scores(user: Int?, liked: [Int32], into out: inout [Float]) {
        let n = itemCount
        out = [Float](repeating: 0, count: n)
        let recency = recencyWeights(count: liked.count, halfLife: recencyHalfLife)
        weights.withUnsafeBufferPointer { w in
            out.withUnsafeMutableBufferPointer { o in
                for (i, weight) in zip(liked, recency) where Int(i) < n {
                    cblas_saxpy(Int32(n), weight, w.baseAddress! + Int(i) * n, 1, o.baseAddress!, 1)
                }
            }
        }
    }
}
