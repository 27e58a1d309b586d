import CVectorKernels

/// How two vectors are compared. Every metric is a distance: smaller is closer.
///
/// - `l2`: squared Euclidean distance (the square root changes no ranking).
/// - `innerProduct`: `1 − a·b`, as hnswlib, so larger dot products rank first.
/// - `cosine`: vectors are normalised once when added (and queries when searched), then
///   compared by inner product.
public enum Metric: String, Sendable, CaseIterable {
    case l2
    case innerProduct = "ip"
    case cosine

    /// The distance between `count` floats at `a` and at `b`.
    @inline(__always)
    func distance(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        switch self {
        case .l2: Distance.squaredL2(a, b, count: count)
        case .innerProduct, .cosine: 1 - Distance.dot(a, b, count: count)
        }
    }

    /// True when vectors are stored (and queries searched) normalised to unit length.
    var normalizes: Bool { self == .cosine }

    /// Refuses a vector of the wrong dimension or with NaN or an infinity.
    func check(_ vector: [Float], dimensions: Int) throws(VectorIndexError) {
        guard vector.count == dimensions else {
            throw VectorIndexError("vector has \(vector.count) values, the index \(dimensions)")
        }
        guard vector.allSatisfy(\.isFinite) else { throw VectorIndexError("vector holds NaN or an infinity") }
    }

    /// A caller's vector checked (dimension, finite values) and normalised for cosine.
    func prepare(_ vector: [Float], dimensions: Int) throws(VectorIndexError) -> [Float] {
        try check(vector, dimensions: dimensions)
        return prepared(checked: vector)
    }

    /// An already checked vector as stored: normalised for cosine, else as it is (no copy).
    func prepared(checked vector: [Float]) -> [Float] {
        guard normalizes else { return vector }
        var normalized = vector
        Distance.normalize(&normalized)
        return normalized
    }
}

/// The distance kernels, from the C target `CVectorKernels`: AVX-512, AVX2 + FMA or portable,
/// picked once by CPU detection (or forced by `PANTRY_CPU_TIER`).
enum Distance {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        pantry_vector_dot(a, b, count)
    }

    @inline(__always)
    static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        pantry_vector_l2sq(a, b, count)
    }

    /// Scales `vector` to unit length in place; a zero vector stays zero.
    static func normalize(_ vector: inout [Float]) {
        let norm = vector.withUnsafeBufferPointer { dot($0.baseAddress!, $0.baseAddress!, count: $0.count) }.squareRoot()
        guard norm > 0, norm.isFinite else { return }
        for i in vector.indices { vector[i] /= norm }
    }
}
