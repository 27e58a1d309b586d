/// Integer kernels that multiply four weight rows with one 8-bit activation vector at a time.
///
/// Working on four rows shares the widening of each activation block between them and gives
/// the CPU four independent accumulator chains, which roughly doubles throughput over one row
/// at a time (the single-row loop is bound by the latency of its accumulator).
extension Kernels {
    /// Σ q_w·q_a over one Q4_1/Q4_0 block (nibbles; `offset` is 8 for Q4_0, 0 for Q4_1).
    @inline(__always)
    static func nibbleBlockDot(_ packed: SIMD16<UInt8>, _ a0: SIMD16<Int16>, _ a1: SIMD16<Int16>, offset: Int16) -> SIMD16<Float> {
        let lo = widen(packed & 0x0F) &- offset
        let hi = widen(packed &>> 4) &- offset
        return toFloat(widen(lo &* a0 &+ hi &* a1))
    }

    /// Dot products of rows `w, w+stride, w+2·stride, w+3·stride` (Q4_1) with one activation row.
    @inline(__always)
    static func dotQ4_1x4(_ w: UnsafeRawPointer, stride: Int, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                          _ sa: UnsafePointer<Float>, blocks nb: Int) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        var mins = SIMD4<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let d = da[b], s = sa[b]
            let b0 = w + 20 * b, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride
            fusedMultiplyAdd(&acc0, nibbleBlockDot(b0.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self), a0, a1, offset: 0), half(b0) * d)
            fusedMultiplyAdd(&acc1, nibbleBlockDot(b1.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self), a0, a1, offset: 0), half(b1) * d)
            fusedMultiplyAdd(&acc2, nibbleBlockDot(b2.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self), a0, a1, offset: 0), half(b2) * d)
            fusedMultiplyAdd(&acc3, nibbleBlockDot(b3.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self), a0, a1, offset: 0), half(b3) * d)
            mins += SIMD4(half(b0, 2), half(b1, 2), half(b2, 2), half(b3, 2)) * s
        }
        return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3)) + mins
    }

    /// Four Q4_0 rows · one activation row.
    @inline(__always)
    static func dotQ4_0x4(_ w: UnsafeRawPointer, stride: Int, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                          blocks nb: Int) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let d = da[b]
            let b0 = w + 18 * b, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride
            fusedMultiplyAdd(&acc0, nibbleBlockDot(b0.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self), a0, a1, offset: 8), half(b0) * d)
            fusedMultiplyAdd(&acc1, nibbleBlockDot(b1.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self), a0, a1, offset: 8), half(b1) * d)
            fusedMultiplyAdd(&acc2, nibbleBlockDot(b2.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self), a0, a1, offset: 8), half(b2) * d)
            fusedMultiplyAdd(&acc3, nibbleBlockDot(b3.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self), a0, a1, offset: 8), half(b3) * d)
        }
        return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3))
    }

    @inline(__always)
    static func q8BlockDot(_ blk: UnsafeRawPointer, _ a0: SIMD16<Int16>, _ a1: SIMD16<Int16>) -> SIMD16<Float> {
        let w0 = widen(blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
        let w1 = widen(blk.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
        return toFloat(widen(w0 &* a0) &+ widen(w1 &* a1))
    }

    /// Four Q8_0 rows · one activation row.
    @inline(__always)
    static func dotQ8_0x4(_ w: UnsafeRawPointer, stride: Int, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                          blocks nb: Int) -> SIMD4<Float> {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>(), acc2 = SIMD16<Float>(), acc3 = SIMD16<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let d = da[b]
            let b0 = w + 34 * b, b1 = b0 + stride, b2 = b1 + stride, b3 = b2 + stride
            fusedMultiplyAdd(&acc0, q8BlockDot(b0, a0, a1), half(b0) * d)
            fusedMultiplyAdd(&acc1, q8BlockDot(b1, a0, a1), half(b1) * d)
            fusedMultiplyAdd(&acc2, q8BlockDot(b2, a0, a1), half(b2) * d)
            fusedMultiplyAdd(&acc3, q8BlockDot(b3, a0, a1), half(b3) * d)
        }
        return SIMD4(horizontalSum(acc0), horizontalSum(acc1), horizontalSum(acc2), horizontalSum(acc3))
    }
}
