#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
import _Builtin_intrinsics.intel

/// AVX-512 VNNI kernels over ``PackedWeights``: sixteen weight rows (one per 32-bit lane) ×
/// one or four activation rows at a time (weights unpacked once per block for all four).
/// Measured: eight activation rows per call is no faster (the loop is bound by `vpdpbusd`
/// throughput, not by unpacking) and spills registers for Q8_0.
///
/// Per block and activation row: eight `vpdpbusd` with the activation's four bytes broadcast
/// from memory give the exact integer dot products of all sixteen rows, then one convert, one
/// scale product and one FMA (plus one FMA for Q4_1's offset term) finish the block for all
/// sixteen rows — about 0.8 instructions per row-block instead of ~8 in the row-at-a-time kernels.
///
/// Numerics: every lane (a weight row × activation row pair) executes, per block in order,
/// `acc = fma(float(dot), d_w·d_a, acc)` and for Q4_1 `acc = fma(m_w, s_a, acc)`, starting
/// from zero, whatever the number of activation rows per call; so batched results are bitwise
/// equal to single-sequence results. The integer dot products are exact.
enum PackedKernels {
    @inline(__always) static func broadcast(_ a: UnsafeRawPointer, _ offset: Int) -> __m512i {
        _mm512_set1_epi32(a.loadUnaligned(fromByteOffset: offset, as: Int32.self))
    }

    /// The exact dot products of eight weight registers with one activation block `a`.
    @inline(__always)
    static func dot(_ w: (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i),
                    _ a: UnsafeRawPointer, start: __m512i) -> __m512i {
        var x = _mm512_dpbusd_epi32(start, w.0, broadcast(a, 0))
        var y = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w.1, broadcast(a, 4))
        x = _mm512_dpbusd_epi32(x, w.2, broadcast(a, 8))
        y = _mm512_dpbusd_epi32(y, w.3, broadcast(a, 12))
        x = _mm512_dpbusd_epi32(x, w.4, broadcast(a, 16))
        y = _mm512_dpbusd_epi32(y, w.5, broadcast(a, 20))
        x = _mm512_dpbusd_epi32(x, w.6, broadcast(a, 24))
        y = _mm512_dpbusd_epi32(y, w.7, broadcast(a, 28))
        return _mm512_add_epi32(x, y)
    }

    /// The eight weight registers of one Q4_1 block of a group.
    @inline(__always)
    static func unpackQ4_1(_ blk: UnsafeRawPointer) -> (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i) {
        let mask = _mm512_set1_epi8(0x0F), four = _mm512_set1_epi32(4)
        let p0 = blk.load(as: __m512i.self), p1 = blk.load(fromByteOffset: 64, as: __m512i.self)
        let p2 = blk.load(fromByteOffset: 128, as: __m512i.self), p3 = blk.load(fromByteOffset: 192, as: __m512i.self)
        return (_mm512_and_si512(p0, mask), _mm512_and_si512(_mm512_srlv_epi32(p0, four), mask),
                _mm512_and_si512(p1, mask), _mm512_and_si512(_mm512_srlv_epi32(p1, four), mask),
                _mm512_and_si512(p2, mask), _mm512_and_si512(_mm512_srlv_epi32(p2, four), mask),
                _mm512_and_si512(p3, mask), _mm512_and_si512(_mm512_srlv_epi32(p3, four), mask))
    }

    /// Sixteen f16 values as floats.
    @inline(__always) static func halves(_ p: UnsafeRawPointer) -> __m512 {
        _mm512_cvtph_ps(p.loadUnaligned(as: __m256i.self))
    }

    /// Stores the sixteen lanes of `acc` to `out`.
    @inline(__always) static func store(_ acc: __m512, _ out: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(out).storeBytes(of: acc, as: __m512.self)
    }

    // MARK: Q4_1

    /// One Q4_1 block for one activation row: `acc = fma(float(dot), d·da, acc); acc = fma(m, sa, acc)`.
    @inline(__always)
    static func stepQ4_1(_ acc: inout __m512, _ w: (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i),
                         _ d: __m512, _ m: __m512, _ a: UnsafeRawPointer, _ da: Float, _ sa: Float) {
        let x = dot(w, a, start: _mm512_setzero_si512())
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(x), _mm512_mul_ps(d, _mm512_set1_ps(da)), acc)
        acc = _mm512_fmadd_ps(m, _mm512_set1_ps(sa), acc)
    }

    /// A group of sixteen Q4_1 rows × `count` (1 or 4) activation rows starting at `qa`/`da`/`sa`
    /// (strides `n` bytes / `nb` scales); row `i`'s results go to `out + i·outStride`.
    @inline(__always)
    static func q4_1(_ g: UnsafeRawPointer, blocks nb: Int, count: Int, _ qa: UnsafePointer<Int8>,
                     _ da: UnsafePointer<Float>, _ sa: UnsafePointer<Float>, n: Int,
                     _ out: UnsafeMutablePointer<Float>, outStride: Int) {
        let a = UnsafeRawPointer(qa)
        var acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        if count == 4 {
            for b in 0..<nb {
                let blk = g + 320 * b
                let w = unpackQ4_1(blk)
                let d = halves(blk + 256), m = halves(blk + 288)
                stepQ4_1(&acc0, w, d, m, a + 32 * b, da[b], sa[b])
                stepQ4_1(&acc1, w, d, m, a + n + 32 * b, da[nb + b], sa[nb + b])
                stepQ4_1(&acc2, w, d, m, a + 2 * n + 32 * b, da[2 * nb + b], sa[2 * nb + b])
                stepQ4_1(&acc3, w, d, m, a + 3 * n + 32 * b, da[3 * nb + b], sa[3 * nb + b])
            }
            store(acc0, out); store(acc1, out + outStride); store(acc2, out + 2 * outStride); store(acc3, out + 3 * outStride)
        } else {
            precondition(count == 1)
            for b in 0..<nb {
                let blk = g + 320 * b
                stepQ4_1(&acc0, unpackQ4_1(blk), halves(blk + 256), halves(blk + 288), a + 32 * b, da[b], sa[b])
            }
            store(acc0, out)
        }
    }

    // MARK: Q8_0

    /// The eight weight registers (biased by +128) of one Q8_0 block of a group.
    @inline(__always)
    static func loadQ8_0(_ blk: UnsafeRawPointer) -> (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i) {
        (blk.load(as: __m512i.self), blk.load(fromByteOffset: 64, as: __m512i.self),
         blk.load(fromByteOffset: 128, as: __m512i.self), blk.load(fromByteOffset: 192, as: __m512i.self),
         blk.load(fromByteOffset: 256, as: __m512i.self), blk.load(fromByteOffset: 320, as: __m512i.self),
         blk.load(fromByteOffset: 384, as: __m512i.self), blk.load(fromByteOffset: 448, as: __m512i.self))
    }

    /// One Q8_0 block for one activation row; `bias = −128·Σa` removes the weights' +128 bias.
    @inline(__always)
    static func stepQ8_0(_ acc: inout __m512, _ w: (__m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i, __m512i),
                         _ d: __m512, _ a: UnsafeRawPointer, _ da: Float, _ bias: Int32) {
        let x = dot(w, a, start: _mm512_set1_epi32(bias))
        acc = _mm512_fmadd_ps(_mm512_cvtepi32_ps(x), _mm512_mul_ps(d, _mm512_set1_ps(da)), acc)
    }

    /// A group of sixteen Q8_0 rows × `count` (1 or 4) activation rows (see ``q4_1(_:blocks:count:_:_:_:n:_:outStride:)``).
    @inline(__always)
    static func q8_0(_ g: UnsafeRawPointer, blocks nb: Int, count: Int, _ qa: UnsafePointer<Int8>,
                     _ da: UnsafePointer<Float>, _ bias: UnsafePointer<Int32>, n: Int,
                     _ out: UnsafeMutablePointer<Float>, outStride: Int) {
        let a = UnsafeRawPointer(qa)
        let scales = g + 512 * nb
        var acc0 = _mm512_setzero_ps(), acc1 = acc0, acc2 = acc0, acc3 = acc0
        if count == 4 {
            for b in 0..<nb {
                let w = loadQ8_0(g + 512 * b)
                let d = halves(scales + 32 * b)
                stepQ8_0(&acc0, w, d, a + 32 * b, da[b], bias[b])
                stepQ8_0(&acc1, w, d, a + n + 32 * b, da[nb + b], bias[nb + b])
                stepQ8_0(&acc2, w, d, a + 2 * n + 32 * b, da[2 * nb + b], bias[2 * nb + b])
                stepQ8_0(&acc3, w, d, a + 3 * n + 32 * b, da[3 * nb + b], bias[3 * nb + b])
            }
            store(acc0, out); store(acc1, out + outStride); store(acc2, out + 2 * outStride); store(acc3, out + 3 * outStride)
        } else {
            precondition(count == 1)
            for b in 0..<nb {
                stepQ8_0(&acc0, loadQ8_0(g + 512 * b), halves(scales + 32 * b), a + 32 * b, da[b], bias[b])
            }
            store(acc0, out)
        }
    }
}
#endif
