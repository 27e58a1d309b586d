/// Kernels for batches: one weight row against four activation rows, so each weight block is
/// loaded and unpacked once and reused four times (prompt processing and batched decoding).
extension Kernels {
    /// One Q4_1 row · four activation rows (`qa`, `da`, `sa` point at the first; rows follow
    /// at strides `n` / `nb`).
    @inline(__always)
    static func dotQ4_1x4b(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                           _ sa: UnsafePointer<Float>, n: Int, blocks nb: Int) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var mins = SIMD4<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 20 * b
            let packed = blk.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
            let lo = widen(packed & 0x0F), hi = widen(packed &>> 4)
            let d = half(blk), m = half(blk, 2)
            @inline(__always) func one(_ j: Int, _ acc: inout SIMD16<Float>) {
                let off = j * n + 32 * b
                let a0 = widen(a.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self))
                let a1 = widen(a.loadUnaligned(fromByteOffset: off + 16, as: SIMD16<Int8>.self))
                fusedMultiplyAdd(&acc, toFloat(widen(lo &* a0 &+ hi &* a1)), d * da[j * nb + b])
            }
            one(0, &acc0); one(1, &acc1); one(2, &acc2); one(3, &acc3)
            mins += SIMD4(sa[b], sa[nb + b], sa[2 * nb + b], sa[3 * nb + b]) * m
        }
        return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3)) + mins
    }

    /// One Q8_0 row · four activation rows.
    @inline(__always)
    static func dotQ8_0x4b(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                           n: Int, blocks nb: Int) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 34 * b
            let w0 = widen(blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
            let w1 = widen(blk.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
            let d = half(blk)
            @inline(__always) func one(_ j: Int, _ acc: inout SIMD16<Float>) {
                let off = j * n + 32 * b
                let a0 = widen(a.loadUnaligned(fromByteOffset: off, as: SIMD16<Int8>.self))
                let a1 = widen(a.loadUnaligned(fromByteOffset: off + 16, as: SIMD16<Int8>.self))
                fusedMultiplyAdd(&acc, toFloat(widen(w0 &* a0) &+ widen(w1 &* a1)), d * da[j * nb + b])
            }
            one(0, &acc0); one(1, &acc1); one(2, &acc2); one(3, &acc3)
        }
        return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3))
    }
}
