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

    /// A caller's vector checked (dimension, finite values) and normalised for cosine.
    func prepare(_ vector: [Float], dimensions: Int) throws(VectorIndexError) -> [Float] {
        guard vector.count == dimensions else {
            throw VectorIndexError("vector has \(vector.count) values, the index \(dimensions)")
        }
        guard vector.allSatisfy(\.isFinite) else { throw VectorIndexError("vector holds NaN or an infinity") }
        var prepared = vector
        if normalizes { Distance.normalize(&prepared) }
        return prepared
    }
}

/// SIMD distance kernels over contiguous float32 vectors (16 lanes at a time, then the rest).
enum Distance {
    @inline(__always)
    static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var sum0 = SIMD16<Float>(), sum1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            sum0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            sum1 += ra.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
            i += 32
        }
        if i + 16 <= count {
            sum0 += ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                * rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        var total = (sum0 + sum1).sum()
        while i < count { total += a[i] * b[i]; i += 1 }
        return total
    }

    @inline(__always)
    static func squaredL2(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        let ra = UnsafeRawPointer(a), rb = UnsafeRawPointer(b)
        var sum0 = SIMD16<Float>(), sum1 = SIMD16<Float>()
        var i = 0
        while i + 32 <= count {
            let d0 = ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            let d1 = ra.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
            sum0 += d0 * d0
            sum1 += d1 * d1
            i += 32
        }
        if i + 16 <= count {
            let d = ra.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                - rb.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            sum0 += d * d
            i += 16
        }
        var total = (sum0 + sum1).sum()
        while i < count { let d = a[i] - b[i]; total += d * d; i += 1 }
        return total
    }

    /// Scales `vector` to unit length in place; a zero vector stays zero.
    static func normalize(_ vector: inout [Float]) {
        let norm = vector.withUnsafeBufferPointer { dot($0.baseAddress!, $0.baseAddress!, count: $0.count) }.squareRoot()
        guard norm > 0, norm.isFinite else { return }
        for i in vector.indices { vector[i] /= norm }
    }
}
