#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
import _Builtin_intrinsics.intel

/// Whether the matrix products use the AVX-VNNI kernels below (`vpdpbusd`).
///
/// Swift has no per-function target attributes and no `#if` on CPU features, and LLVM cannot
/// lower these intrinsics for a CPU without them (the compiler aborts). So the choice is made by
/// build configuration: release builds on x86_64, which the project always compiles with
/// `-target-cpu native` on AVX-512 VNNI machines, use them; debug builds (tests) and builds with
/// `-DPANTRY_PORTABLE_KERNELS` use the portable SIMD kernels.
let vnniKernels = true

/// Integer dot products for Q4_1/Q8_0 weights × Q8 activations built on `vpdpbusd`
/// (unsigned byte × signed byte, four products summed into each Int32 lane), which does in one
/// instruction what the portable kernels need five widenings and multiplies for.
///
/// Numerics: for every (weight row, activation row) pair, all variants execute the same float
/// operations in the same order — per block `acc = fma(float(dot₈), d_w·d_a, acc)` on eight
/// lanes and `mins += m_w·s_a`, then ``VNNI/finish(_:_:)`` — so results are bitwise identical
/// whatever the tile shape (batch == single). The integer part is exact.
enum VNNI {
    /// Shift counts that turn a 16-byte block broadcast to both halves into [low, high] nibbles.
    @inline(__always) static var nibbleShifts: __m256i { __m256i(0, 0, 4, 4) }
    @inline(__always) static var lowNibbles: __m256i { _mm256_set1_epi8(0x0F) }

    /// The 32 unsigned 4-bit weights of the Q4_1 block at `blk`, in element order.
    @inline(__always)
    static func unpackQ4_1(_ blk: UnsafeRawPointer) -> __m256i {
        let packed = blk.loadUnaligned(fromByteOffset: 4, as: __m128i.self)
        return _mm256_and_si256(_mm256_srlv_epi64(_mm256_broadcastsi128_si256(packed), nibbleShifts), lowNibbles)
    }

    /// `Σ w·a` per group of four bytes (eight Int32 lanes) for unsigned `w` and signed `a`.
    @inline(__always)
    static func dot(_ w: __m256i, _ a: __m256i) -> __m256i {
        _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), w, a)
    }

    /// Q8_0 weights are signed: `Σ w·a = Σ |w|·(a·sign w)` (activations never hold −128).
    @inline(__always)
    static func dotSigned(_ w: __m256i, _ a: __m256i) -> __m256i {
        _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), _mm256_abs_epi8(w), _mm256_sign_epi8(a, w))
    }

    /// `acc += float(dot)·scale`.
    @inline(__always)
    static func accumulate(_ acc: inout __m256, _ dot: __m256i, _ scale: Float) {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_set1_ps(scale), acc)
    }

    /// `acc += float(dot)·(dw·da)` with the product formed in a vector register from a broadcast
    /// `dw` (`vmulps` with an embedded broadcast of `da`): the same IEEE product as the scalar
    /// `dw * da` of ``accumulate(_:_:_:)``, one instruction cheaper per activation row.
    @inline(__always)
    static func accumulate(_ acc: inout __m256, _ dot: __m256i, _ dw: __m256, _ da: Float) {
        acc = _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(dw, _mm256_set1_ps(da)), acc)
    }

    /// The final value of one pair: the eight lanes summed pairwise, plus the offset term.
    @inline(__always)
    static func finish(_ acc: __m256, _ mins: Float) -> Float {
        let v = acc // SIMD8<Float>
        return (((v[0] + v[4]) + (v[2] + v[6])) + ((v[1] + v[5]) + (v[3] + v[7]))) + mins
    }

    @inline(__always)
    static func activation(_ qa: UnsafeRawPointer, _ b: Int) -> __m256i {
        qa.loadUnaligned(fromByteOffset: 32 * b, as: __m256i.self)
    }

    // MARK: Q4_1

    /// One Q4_1 row · one activation row.
    @inline(__always)
    static func q4_1(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                     _ sa: UnsafePointer<Float>, blocks nb: Int) -> Float {
        var acc = _mm256_setzero_ps()
        var mins: Float = 0
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 20 * b
            accumulate(&acc, dot(unpackQ4_1(blk), activation(a, b)), Kernels.half(blk) * da[b])
            mins += Kernels.half(blk, 2) * sa[b]
        }
        return finish(acc, mins)
    }

    @inline(__always)
    static func q4_1Acts4(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                          _ sa: UnsafePointer<Float>, n: Int, blocks nb: Int) -> SIMD4<Float> {
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        var mins = SIMD4<Float>()
        let a0 = UnsafeRawPointer(qa), a1 = a0 + n, a2 = a1 + n, a3 = a2 + n
        for b in 0..<nb {
            let blk = w + 20 * b
            let q = unpackQ4_1(blk)
            let m = Kernels.half(blk, 2)
            let d = _mm256_set1_ps(Kernels.half(blk))
            accumulate(&acc0, dot(q, activation(a0, b)), d, da[b])
            accumulate(&acc1, dot(q, activation(a1, b)), d, da[nb + b])
            accumulate(&acc2, dot(q, activation(a2, b)), d, da[2 * nb + b])
            accumulate(&acc3, dot(q, activation(a3, b)), d, da[3 * nb + b])
            mins += m * SIMD4(sa[b], sa[nb + b], sa[2 * nb + b], sa[3 * nb + b])
        }
        return SIMD4(finish(acc0, mins[0]), finish(acc1, mins[1]), finish(acc2, mins[2]), finish(acc3, mins[3]))
    }

    // MARK: Q8_0

    /// One Q8_0 row · one activation row.
    @inline(__always)
    static func q8_0(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>, blocks nb: Int) -> Float {
        var acc = _mm256_setzero_ps()
        let a = UnsafeRawPointer(qa)
        for b in 0..<nb {
            let blk = w + 34 * b
            accumulate(&acc, dotSigned(blk.loadUnaligned(fromByteOffset: 2, as: __m256i.self), activation(a, b)), Kernels.half(blk) * da[b])
        }
        return finish(acc, 0)
    }

    @inline(__always)
    static func q8_0Acts4(_ w: UnsafeRawPointer, _ qa: UnsafePointer<Int8>, _ da: UnsafePointer<Float>,
                          n: Int, blocks nb: Int) -> SIMD4<Float> {
        var acc0 = _mm256_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        let a0 = UnsafeRawPointer(qa), a1 = a0 + n, a2 = a1 + n, a3 = a2 + n
        for b in 0..<nb {
            let blk = w + 34 * b
            let q = blk.loadUnaligned(fromByteOffset: 2, as: __m256i.self)
            let d = _mm256_set1_ps(Kernels.half(blk))
            // |w| once for the four activation rows; the sign moves onto each activation.
            let qa = _mm256_abs_epi8(q)
            accumulate(&acc0, dot(qa, _mm256_sign_epi8(activation(a0, b), q)), d, da[b])
            accumulate(&acc1, dot(qa, _mm256_sign_epi8(activation(a1, b), q)), d, da[nb + b])
            accumulate(&acc2, dot(qa, _mm256_sign_epi8(activation(a2, b), q)), d, da[2 * nb + b])
            accumulate(&acc3, dot(qa, _mm256_sign_epi8(activation(a3, b), q)), d, da[3 * nb + b])
        }
        return SIMD4(finish(acc0, 0), finish(acc1, 0), finish(acc2, 0), finish(acc3, 0))
    }
}
#else
/// Portable build: the SIMD kernels in `Kernels` are used (see `Kernels+VNNI.swift`).
let vnniKernels = false
#endif
