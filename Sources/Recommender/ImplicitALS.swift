import Core
import COpenBLAS
import Foundation

/// Hyperparameters of implicit-feedback ALS.
public struct ALSParameters: Sendable, Equatable, Codable {
    /// Length of the user and item vectors (a multiple of 8).
    public var factors = 64
    public var iterations = 15
    /// λ of the L2 penalty on every factor.
    public var regularization: Float = 0.05
    /// Confidence of a positive: c = 1 + α·r (Hu, Koren & Volinsky 2008), here with r = 1.
    public var alpha: Float = 10
    /// Conjugate-gradient steps per row and iteration (as the `implicit` library does).
    public var cgSteps = 3
    public var seed: UInt64 = 7

    public init() {}

    /// Checks ranges; the message names the field.
    public func validate() throws(RecommenderError) {
        guard factors > 0, factors % 8 == 0, factors <= 1024 else { throw RecommenderError("factors: \(factors), expected a multiple of 8 in 8...1024") }
        guard (1...1000).contains(iterations) else { throw RecommenderError("iterations: \(iterations), expected 1...1000") }
        guard regularization.isFinite, regularization >= 0 else { throw RecommenderError("regularization: \(regularization), expected a finite number ≥ 0") }
        guard alpha.isFinite, alpha >= 0 else { throw RecommenderError("alpha: \(alpha), expected a finite number ≥ 0") }
        guard (1...50).contains(cgSteps) else { throw RecommenderError("cg_steps: \(cgSteps), expected 1...50") }
    }
}

/// Implicit-feedback matrix factorisation by alternating least squares (Hu, Koren & Volinsky,
/// "Collaborative Filtering for Implicit Feedback Datasets", 2008), each row solved
/// approximately by conjugate gradient (Takács, Pilászy & Tikk 2011) as `implicit` does.
///
/// Minimises Σ_u Σ_i c_ui (p_ui − x_u·y_i)² + λ (Σ‖x_u‖² + Σ‖y_i‖²) with p_ui = 1 for a positive
/// and 0 otherwise, c_ui = 1 + α for a positive and 1 otherwise. The confidence is Hu et al.'s
/// `1 + α·r`, not `implicit`'s `α·r`. Each half-step fixes one side: with G = YᵀY + λI, user u's
/// system is (G + Σ_{i∈u} (c−1) y_i y_iᵀ) x = Σ_{i∈u} c y_i, solved from the current x.
/// YᵀY comes from OpenBLAS (`ssyrk`); the per-row work is SIMD. Single-threaded and
/// deterministic for a seed.
public final class ImplicitALS: @unchecked Sendable {
    public let parameters: ALSParameters
    public let matrix: InteractionMatrix
    /// Row-major `users × factors` and `items × factors`.
    public private(set) var userFactors: [Float]
    public private(set) var itemFactors: [Float]

    public init(matrix: InteractionMatrix, parameters: ALSParameters) throws(RecommenderError) {
        try parameters.validate()
        self.parameters = parameters
        self.matrix = matrix
        var rng = SplitMix64(seed: parameters.seed)
        let f = parameters.factors
        // Small random start (as implicit: N(0, 1)·0.01, here uniform of the same scale).
        userFactors = (0..<matrix.users.count * f).map { _ in rng.nextSigned() * 0.01 }
        itemFactors = (0..<matrix.items.count * f).map { _ in rng.nextSigned() * 0.01 }
    }

    /// Runs all iterations; `progress(iteration)` after each.
    public func fit(progress: (Int) -> Void = { _ in }) {
        for iteration in 1...parameters.iterations {
            iterate()
            progress(iteration)
        }
    }

    /// One iteration: users given items, then items given users.
    public func iterate() {
        let f = parameters.factors
        let c = 1 + parameters.alpha
        Self.solveRows(&userFactors, fixed: itemFactors, rows: matrix.users.count, fixedRows: matrix.items.count, f: f,
                       regularization: parameters.regularization, confidence: c, steps: parameters.cgSteps) { matrix.items(of: $0) }
        Self.solveRows(&itemFactors, fixed: userFactors, rows: matrix.items.count, fixedRows: matrix.users.count, f: f,
                       regularization: parameters.regularization, confidence: c, steps: parameters.cgSteps) { matrix.users(of: $0) }
    }

    /// The objective above (for tests and progress reports).
    public func loss() -> Double {
        let f = parameters.factors
        let c = Double(1 + parameters.alpha)
        let gram = Self.gram(itemFactors, rows: matrix.items.count, f: f, regularization: 0)
        var total = 0.0
        var gx = [Float](repeating: 0, count: f)
        userFactors.withUnsafeBufferPointer { xs in
            itemFactors.withUnsafeBufferPointer { ys in
                gram.withUnsafeBufferPointer { g in
                    for u in 0..<matrix.users.count {
                        let x = xs.baseAddress! + u * f
                        // Σ over all items of (x·y)² = xᵀ (YᵀY) x; then the positives' correction.
                        gx.withUnsafeMutableBufferPointer { Self.multiply(g.baseAddress!, x, into: $0.baseAddress!, f) }
                        total += Double(gx.withUnsafeBufferPointer { Self.dot($0.baseAddress!, x, f) })
                        for i in matrix.items(of: u) {
                            let s = Double(Self.dot(ys.baseAddress! + Int(i) * f, x, f))
                            total += (c - 1) * s * s - 2 * c * s + c
                        }
                    }
                }
            }
        }
        let norms = userFactors.reduce(0.0) { $0 + Double($1 * $1) } + itemFactors.reduce(0.0) { $0 + Double($1 * $1) }
        return total + Double(parameters.regularization) * norms
    }

    // MARK: Half-step

    /// YᵀY + λI for row-major `rows × f` factors (OpenBLAS `ssyrk`, then the lower half mirrored).
    static func gram(_ factors: [Float], rows: Int, f: Int, regularization: Float) -> [Float] {
        var g = [Float](repeating: 0, count: f * f)
        cblas_ssyrk(CblasRowMajor, CblasUpper, CblasTrans, Int32(f), Int32(rows), 1, factors, Int32(f), 0, &g, Int32(f))
        for r in 0..<f {
            for col in 0..<r { g[r * f + col] = g[col * f + r] }
            g[r * f + r] += regularization
        }
        return g
    }

    static func solveRows(_ target: inout [Float], fixed: [Float], rows: Int, fixedRows: Int, f: Int,
                          regularization: Float, confidence c: Float, steps: Int,
                          positives: (Int) -> ArraySlice<Int32>) {
        let gram = Self.gram(fixed, rows: fixedRows, f: f, regularization: regularization)
        var r = [Float](repeating: 0, count: f), p = r, ap = r
        gram.withUnsafeBufferPointer { g in
            fixed.withUnsafeBufferPointer { ys in
                target.withUnsafeMutableBufferPointer { xs in
                    r.withUnsafeMutableBufferPointer { r in
                        p.withUnsafeMutableBufferPointer { p in
                            ap.withUnsafeMutableBufferPointer { ap in
                                for row in 0..<rows {
                                    let x = xs.baseAddress! + row * f
                                    let items = positives(row)
                                    // r = b − A x, with b = Σ c·y_i and A = G + Σ (c−1) y_i y_iᵀ.
                                    multiply(g.baseAddress!, x, into: r.baseAddress!, f)
                                    for k in 0..<f { r[k] = -r[k] }
                                    for i in items {
                                        let y = ys.baseAddress! + Int(i) * f
                                        axpy(c - (c - 1) * dot(y, x, f), y, r.baseAddress!, f)
                                    }
                                    for k in 0..<f { p[k] = r[k] }
                                    var rsOld = dot(r.baseAddress!, r.baseAddress!, f)
                                    for _ in 0..<steps where rsOld > 1e-20 {
                                        multiply(g.baseAddress!, p.baseAddress!, into: ap.baseAddress!, f)
                                        for i in items {
                                            let y = ys.baseAddress! + Int(i) * f
                                            axpy((c - 1) * dot(y, p.baseAddress!, f), y, ap.baseAddress!, f)
                                        }
                                        let alpha = rsOld / dot(p.baseAddress!, ap.baseAddress!, f)
                                        axpy(alpha, p.baseAddress!, x, f)
                                        axpy(-alpha, ap.baseAddress!, r.baseAddress!, f)
                                        let rsNew = dot(r.baseAddress!, r.baseAddress!, f)
                                        let beta = rsNew / rsOld
                                        for k in 0..<f { p[k] = r[k] + beta * p[k] }
                                        rsOld = rsNew
                                    }
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    // MARK: Kernels (f a multiple of 8)

    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, _ f: Int) -> Float {
        var acc = SIMD8<Float>()
        let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b)
        for k in stride(from: 0, to: f, by: 8) {
            acc += ar.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) * br.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
        }
        return acc.sum()
    }

    /// `y += α·x`.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, _ y: UnsafeMutablePointer<Float>, _ f: Int) {
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        for k in stride(from: 0, to: f, by: 8) {
            let v = yr.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self) + alpha * xr.loadUnaligned(fromByteOffset: 4 * k, as: SIMD8<Float>.self)
            yr.storeBytes(of: v, toByteOffset: 4 * k, as: SIMD8<Float>.self)
        }
    }

    /// `out = G·v` for the symmetric `f × f` matrix G (as Σ_j v_j·G_j over its rows).
    @inline(__always)
    static func multiply(_ g: UnsafePointer<Float>, _ v: UnsafePointer<Float>, into out: UnsafeMutablePointer<Float>, _ f: Int) {
        out.initialize(repeating: 0, count: f)
        for j in 0..<f { axpy(v[j], g + j * f, out, f) }
    }
}

extension SplitMix64 {
    /// Uniform in [−1, 1), for factor initialisation.
    mutating func nextSigned() -> Float { Float(next() >> 40) / Float(1 << 23) - 1 }
}
