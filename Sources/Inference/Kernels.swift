/// Scalar-free inner loops of the engine: dequantisation and dot products for every tensor
/// type the engine supports (F32, F16, Q4_0, Q4_1, Q8_0), written with Swift SIMD types over
/// raw pointers so LLVM emits AVX2/AVX-512 code (`vpmaddwd`, `vcvtph2ps`, `vfmadd`) when built
/// with `-target-cpu native`. Release builds on x86_64 route Q4_1/Q8_0 products with 8-bit
/// activations to the `vpdpbusd` kernels in `Kernels+VNNI.swift` instead (see there for why
/// that choice is made per build configuration); these portable kernels remain the reference
/// for debug builds, tests and other architectures.
///
/// Block layouts (little-endian, as in GGML):
/// - Q4_0: `d: f16, qs: [16]u8` — 32 weights `d·(q−8)`; low nibbles are weights 0..15, high 16..31.
/// - Q4_1: `d: f16, m: f16, qs: [16]u8` — 32 weights `d·q + m`, same nibble order.
/// - Q8_0: `d: f16, qs: [32]i8` — 32 weights `d·q`.
enum Kernels {
    @inline(__always)
    static func half(_ p: UnsafeRawPointer, _ offset: Int = 0) -> Float {
        Float(Float16(bitPattern: p.loadUnaligned(fromByteOffset: offset, as: UInt16.self)))
    }

    // MARK: Dequantisation

    static func dequantize(_ type: GGMLType, _ src: UnsafeRawPointer, count: Int, into out: UnsafeMutablePointer<Float>) {
        switch type {
        case .f32:
            out.update(from: src.assumingMemoryBound(to: Float.self), count: count)
        case .f16:
            for i in 0..<count { out[i] = half(src, 2 * i) }
        case .q4_0, .q4_1, .q8_0:
            for b in 0..<count / 32 {
                let (v0, v1) = dequantizeBlock(type, src + b * type.blockBytes)
                UnsafeMutableRawPointer(out + 32 * b).storeBytes(of: v0, as: SIMD16<Float>.self)
                UnsafeMutableRawPointer(out + 32 * b + 16).storeBytes(of: v1, as: SIMD16<Float>.self)
            }
        default:
            fatalError("no kernel for \(type)")
        }
    }

    /// The 32 weights of one block as two float vectors (elements 0..15 and 16..31).
    @inline(__always)
    static func dequantizeBlock(_ type: GGMLType, _ b: UnsafeRawPointer) -> (SIMD16<Float>, SIMD16<Float>) {
        switch type {
        case .q4_0:
            let d = half(b)
            let packed = b.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
            let lo = toFloat(packed & 0x0F) - 8
            let hi = toFloat(packed &>> 4) - 8
            return (lo * d, hi * d)
        case .q4_1:
            let d = half(b), m = half(b, 2)
            let packed = b.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
            let lo = toFloat(packed & 0x0F)
            let hi = toFloat(packed &>> 4)
            return (lo * d + m, hi * d + m)
        case .q8_0:
            let d = half(b)
            let lo = toFloat(b.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
            let hi = toFloat(b.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
            return (lo * d, hi * d)
        default:
            fatalError("no block kernel for \(type)")
        }
    }

    // MARK: Float-activation dot products (exact path and F32/F16 weights)

    /// `Σ w[i]·x[i]` for one weight row of any supported type against float activations.
    @inline(__always)
    static func dotFloat(_ type: GGMLType, _ w: UnsafeRawPointer, _ x: UnsafePointer<Float>, count n: Int) -> Float {
        var acc0 = SIMD16<Float>(), acc1 = SIMD16<Float>()
        let xr = UnsafeRawPointer(x)
        switch type {
        case .f32:
            var i = 0
            while i + 32 <= n {
                acc0 += w.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) * xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                acc1 += w.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self) * xr.loadUnaligned(fromByteOffset: 4 * i + 64, as: SIMD16<Float>.self)
                i += 32
            }
            var tail: Float = 0
            while i < n { tail += w.load(fromByteOffset: 4 * i, as: Float.self) * x[i]; i += 1 }
            return (acc0 + acc1).sum() + tail
        case .f16:
            var i = 0
            while i + 16 <= n {
                let h = w.loadUnaligned(fromByteOffset: 2 * i, as: SIMD16<UInt16>.self)
                let f = halfToFloat(h)
                acc0 += f * xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
                i += 16
            }
            var tail: Float = 0
            while i < n { tail += half(w, 2 * i) * x[i]; i += 1 }
            return acc0.sum() + tail
        default:
            let bytes = type.blockBytes
            for b in 0..<n / 32 {
                let (v0, v1) = dequantizeBlock(type, w + b * bytes)
                acc0 += v0 * xr.loadUnaligned(fromByteOffset: 128 * b, as: SIMD16<Float>.self)
                acc1 += v1 * xr.loadUnaligned(fromByteOffset: 128 * b + 64, as: SIMD16<Float>.self)
            }
            return (acc0 + acc1).sum()
        }
    }

    // MARK: Integer dot products against 8-bit activations
    //
    // All variants (one row, four rows, four activation rows) perform the same float operations
    // in the same order for a given (row, activation) pair, so results are bitwise identical
    // whatever the batch shape. That matters: activations are re-quantised after every layer,
    // and a last-bit difference can flip a rounding and grow into visible logit differences.
    //
    // Swift's `evenHalf`/`lowHalf` accessors and `init(lowHalf:highHalf:)` compile to per-lane
    // inserts, so these kernels only use whole-vector loads, lane-wise widening and arithmetic:
    // 16 lanes of `w·a` in Int16 (no overflow: |w·a| ≤ 127·127, two products per lane), widened
    // once to Int32 and folded into a float accumulator with the block's scale.

    /// Q4_1 row · Q8 activations: `Σ_blocks d_w·d_a·Σ q_w·q_a + m_w·s_a`.
    @inline(__always)
    static func dotQ4_1(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                        _ sa: UnsafePointer<Float>, blocks nb: Int) -> Float {
        var acc = SIMD16<Float>()
        var accMin: Float = 0
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 20 * b
            let packed = blk.loadUnaligned(fromByteOffset: 4, as: SIMD16<UInt8>.self)
            let lo = widen(packed & 0x0F)
            let hi = widen(packed &>> 4)
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            let dot = widen(lo &* a0 &+ hi &* a1)
            fusedMultiplyAdd(&acc, toFloat(dot), half(blk) * da[b])
            accMin += half(blk, 2) * sa[b]
        }
        return horizontalSum(acc) + accMin
    }

    /// Q4_0 row · Q8 activations: `Σ_blocks d_w·d_a·Σ (q_w−8)·q_a`.
    @inline(__always)
    static func dotQ4_0(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                        blocks nb: Int) -> Float {
        var acc = SIMD16<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 18 * b
            let packed = blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<UInt8>.self)
            let lo = widen(packed & 0x0F) &- 8
            let hi = widen(packed &>> 4) &- 8
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            fusedMultiplyAdd(&acc, toFloat(widen(lo &* a0 &+ hi &* a1)), half(blk) * da[b])
        }
        return horizontalSum(acc)
    }

    /// Q8_0 row · Q8 activations: `Σ_blocks d_w·d_a·Σ q_w·q_a`.
    @inline(__always)
    static func dotQ8_0(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                        blocks nb: Int) -> Float {
        var acc = SIMD16<Float>()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 34 * b
            let w0 = widen(blk.loadUnaligned(fromByteOffset: 2, as: SIMD16<Int8>.self))
            let w1 = widen(blk.loadUnaligned(fromByteOffset: 18, as: SIMD16<Int8>.self))
            let a0 = widen(a.loadUnaligned(fromByteOffset: 32 * b, as: SIMD16<Int8>.self))
            let a1 = widen(a.loadUnaligned(fromByteOffset: 32 * b + 16, as: SIMD16<Int8>.self))
            // Products pair up within Int32 lanes: |w0·a0 + w1·a1| ≤ 2·127² fits Int16 too, but
            // widening first keeps corrupt weights (−128) from wrapping.
            let dot = widen(w0 &* a0) &+ widen(w1 &* a1)
            fusedMultiplyAdd(&acc, toFloat(dot), half(blk) * da[b])
        }
        return horizontalSum(acc)
    }
}

extension Kernels {
    /// Float dot product of two contiguous vectors.
    @inline(__always)
    static func dotF32(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count n: Int) -> Float {
        var acc = SIMD16<Float>()
        var i = 0
        let ar = UnsafeRawPointer(a), br = UnsafeRawPointer(b)
        while i + 16 <= n {
            acc += ar.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) * br.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        var tail: Float = 0
        while i < n { tail += a[i] * b[i]; i += 1 }
        return acc.sum() + tail
    }

    /// `y += α·x`.
    @inline(__always)
    static func axpy(_ alpha: Float, _ x: UnsafePointer<Float>, into y: UnsafeMutablePointer<Float>, count n: Int) {
        var i = 0
        let xr = UnsafeRawPointer(x), yr = UnsafeMutableRawPointer(y)
        while i + 16 <= n {
            let v = yr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) + alpha * xr.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            yr.storeBytes(of: v, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n { y[i] += alpha * x[i]; i += 1 }
    }
}
