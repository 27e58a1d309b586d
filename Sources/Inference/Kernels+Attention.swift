import Foundation
/// Vector helpers for attention over the KV cache: a vectorised `exp` for the softmax and a
/// register-resident weighted sum of value vectors.
extension Kernels {
    /// `x[i] = exp(x[i] − shift)` for `i < n` (all arguments ≤ 0 after the shift); returns Σ x[i].
    ///
    /// glibc's scalar `expf` cost ~7% of a 512-token prompt. This is the usual Cephes scheme:
    /// `exp(y) = 2ⁿ·e^r` with `n = round(y·log₂e)`, `r = y − n·ln2` (ln2 split in two for
    /// precision) and a degree-6 polynomial for `e^r` on |r| ≤ ln2/2 (relative error ~2e-7).
    static func expShifted(_ x: UnsafeMutablePointer<Float>, count n: Int, shift: Float) -> Float {
        var total = SIMD16<Float>()
        var i = 0
        let raw = UnsafeMutableRawPointer(x)
        while i + 16 <= n {
            let e = exp16(raw.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self) - shift)
            raw.storeBytes(of: e, toByteOffset: 4 * i, as: SIMD16<Float>.self)
            total += e
            i += 16
        }
        var sum = horizontalSum(total)
        if i < n {
            // Tail through the same vector code, padded with −∞ (exp → 0).
            var v = SIMD16<Float>(repeating: -.infinity)
            for j in 0..<n - i { v[j] = x[i + j] }
            let e = exp16(v - shift)
            for j in 0..<n - i { x[i + j] = e[j]; sum += e[j] }
        }
        return sum
    }

    /// SwiGLU in place: `gate[i] = gate[i]·σ(gate[i])·up[i]`, with glibc's `expf` per lane and the
    /// divide and multiply sixteen lanes at a time (the same operations in the same order per
    /// element: bitwise the scalar loop). ``exp16`` here instead moved the logits up to 0.55 from
    /// llama.cpp's (the int8 path re-quantises the result, so last bits matter), too close to or
    /// past `fullModelIsCloseToLlamaCpp`'s tolerance of 0.5.
    static func swiGLU(_ gate: UnsafeMutablePointer<Float>, _ up: UnsafePointer<Float>, count n: Int) {
        let g = UnsafeMutableRawPointer(gate), u = UnsafeRawPointer(up)
        var i = 0
        while i + 16 <= n {
            let x = g.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self)
            var e = SIMD16<Float>()
            for j in 0..<16 { e[j] = exp(-x[j]) }
            g.storeBytes(of: x / (1 + e) * u.loadUnaligned(fromByteOffset: 4 * i, as: SIMD16<Float>.self), toByteOffset: 4 * i, as: SIMD16<Float>.self)
            i += 16
        }
        while i < n {
            gate[i] = gate[i] / (1 + exp(-gate[i])) * up[i]
            i += 1
        }
    }

    @inline(__always)
    static func exp16(_ y: SIMD16<Float>) -> SIMD16<Float> {
        // Whole-vector range reduction (a per-lane loop with a checked Int32 conversion does
        // not vectorise); masks, not the unspecialised generic pointwiseMax.
        let v = y.replacing(with: -87.0, where: y .< -87.0)
        let k = (v * 1.442_695_04).rounded(.toNearestOrEven)
        let r = v - k * 0.693_359_375 + k * 2.121_944_4e-4
        // k is a whole number in −126...128: adding 1.5·2²³ puts it in the low mantissa bits.
        let integer = unsafeBitCast(k + 12_582_912.0, to: SIMD16<Int32>.self) &- 0x4B40_0000
        let exponent = (integer &+ 127) &<< 23
        let scale = unsafeBitCast(exponent, to: SIMD16<Float>.self)
        var p = SIMD16<Float>(repeating: 1.987_569_1e-4)
        p = p * r + 1.398_199_9e-3
        p = p * r + 8.333_451_9e-3
        p = p * r + 4.166_579_6e-2
        p = p * r + 0.166_666_65
        p = p * r + 0.5
        p = p * r * r + r + 1
        return p * scale
    }

    /// `out = Σ_i w[i]·v_i` over 64-wide vectors `v_i = base + i·stride`, accumulated in registers
    /// (one head of the attention output; `axpy` per position would reload `out` every time).
    @inline(__always)
    static func weightedSum64(_ w: UnsafePointer<Float>, _ base: UnsafePointer<Float>, stride: Int, count n: Int,
                              into a0: inout SIMD16<Float>, _ a1: inout SIMD16<Float>, _ a2: inout SIMD16<Float>, _ a3: inout SIMD16<Float>) {
        for i in 0..<n {
            let s = w[i]
            let v = UnsafeRawPointer(base + i * stride)
            // Multiply, then add (like `axpy`), not fused: the int8 path re-quantises after
            // attention, so these last bits move logits, and this rounding keeps them closest
            // to llama.cpp's (ForwardTests.fullModelIsCloseToLlamaCpp).
            a0 = a0 + s * v.loadUnaligned(as: SIMD16<Float>.self)
            a1 = a1 + s * v.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            a2 = a2 + s * v.loadUnaligned(fromByteOffset: 128, as: SIMD16<Float>.self)
            a3 = a3 + s * v.loadUnaligned(fromByteOffset: 192, as: SIMD16<Float>.self)
        }
    }
}
