#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
import _Builtin_intrinsics.intel
#endif

/// Attention scores sixteen keys at a time.
///
/// ``Kernels/dotF32(_:_:count:)`` ends every 64-wide dot product with a sequential sum of the
/// sixteen lanes of its accumulator (`SIMD.sum()`), about half the cost of a score. Here the
/// sixteen accumulators of sixteen keys are transposed (four rounds of two-source permutes), so
/// that the same sequential sums run lane-parallel: `S = −0 + acc[0] + acc[1] + … + acc[15]`
/// for all sixteen keys in sixteen vector additions. Every score is bitwise equal to
/// `dotF32(q, k, 64) * scale`, the portable path.
extension Kernels {
#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
    /// One transpose round: swaps bit `s` of the row index with bit `s` of the lane index
    /// (`lo`/`hi`: the permutes forming rows without/with bit `s`).
    @inline(__always)
    static func transposeRound(_ r: UnsafeMutablePointer<SIMD16<Float>>, _ s: Int, _ lo: SIMD16<Int32>, _ hi: SIMD16<Int32>) {
        let loIdx = unsafeBitCast(lo, to: __m512i.self), hiIdx = unsafeBitCast(hi, to: __m512i.self)
        for p in 0..<16 where p & s == 0 {
            let a = r[p], b = r[p + s]
            r[p] = _mm512_permutex2var_ps(a, loIdx, b)
            r[p + s] = _mm512_permutex2var_ps(a, hiIdx, b)
        }
    }
#endif

    /// `out[i] = dotF32(q, keys + i·stride, count: 64) * scale` for `i < 16`.
    @inline(__always)
    static func scores16x64(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, stride: Int,
                            scale: Float, into out: UnsafeMutablePointer<Float>) {
#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
        let qr = UnsafeRawPointer(q)
        let q0 = qr.loadUnaligned(as: SIMD16<Float>.self), q1 = qr.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
        let q2 = qr.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self), q3 = qr.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
        withUnsafeTemporaryAllocation(of: SIMD16<Float>.self, capacity: 16) { buf in
            let r = buf.baseAddress!
            for p in 0..<16 {
                let k = UnsafeRawPointer(keys + p * stride)
                // Exactly dotF32's accumulation: acc = 0; acc += q_c·k_c per 16-wide chunk.
                var acc = SIMD16<Float>()
                acc += q0 * k.loadUnaligned(as: SIMD16<Float>.self)
                acc += q1 * k.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
                acc += q2 * k.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
                acc += q3 * k.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
                r[p] = acc
            }
            // Transpose in four rounds (s = 8, 4, 2, 1).
            transposeRound(r, 8, SIMD16<Int32>(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
                           SIMD16<Int32>(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31))
            transposeRound(r, 4, SIMD16<Int32>(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
                           SIMD16<Int32>(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31))
            transposeRound(r, 2, SIMD16<Int32>(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
                           SIMD16<Int32>(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31))
            transposeRound(r, 1, SIMD16<Int32>(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
                           SIMD16<Int32>(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31))
            // `SIMD.sum()`: result = −0, then += each lane in order; then dotF32's `+ tail` (0).
            var sum = SIMD16<Float>(repeating: -0.0)
            for i in 0..<16 { sum += r[i] }
            sum += SIMD16<Float>(repeating: 0)
            UnsafeMutableRawPointer(out).storeBytes(of: sum * scale, as: SIMD16<Float>.self)
        }
#else
        for i in 0..<16 { out[i] = dotF32(q, keys + i * stride, count: 64) * scale }
#endif
    }
}
