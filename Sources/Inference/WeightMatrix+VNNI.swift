/// Routing of integer matrix products to the `vpdpbusd` kernels (``VNNI``) when they are built.
extension WeightMatrix {
#if arch(x86_64) && !DEBUG && !PANTRY_PORTABLE_KERNELS
    /// Computes `out[b][r]` for `rowRange` × `acts` with the VNNI kernels; returns false (doing
    /// nothing) for weight types they do not cover.
    ///
    /// Repacked matrices (``packed``): sixteen rows × four (or one) activation rows per kernel
    /// call (``PackedKernels``). Otherwise (e.g. `PANTRY_UNPACKED_WEIGHTS=1`), four or more
    /// activation rows: each weight row against four activation rows at a time (weights
    /// unpacked once, reused four times). Fewer: one row by one activation row.
    /// Either way every (row, activation) pair gets bitwise the same value.
    func multiplyRowsVNNI(_ rowRange: Range<Int>, _ xq: QuantizedActivations, acts: Range<Int>,
                          into out: UnsafeMutablePointer<Float>, outStride: Int) -> Bool {
        guard type == .q4_1 || type == .q8_0 else { return false }
        let isQ4 = type == .q4_1
        let n = columns, nb = n / 32
        let qs = UnsafePointer(xq.qs.pointer), ds = UnsafePointer(xq.d.pointer), ss = UnsafePointer(xq.s.pointer)
        if let p = packed {
            multiplyPacked(p, rowRange, xq, acts: acts, into: out, outStride: outStride)
            return true
        }
        var first = acts.lowerBound
        if acts.count >= 4 {
            let groupsEnd = acts.lowerBound + acts.count / 4 * 4
            for r in rowRange {
                let w = row(r)
                var b = acts.lowerBound
                while b < groupsEnd {
                    let v = isQ4
                        ? VNNI.q4_1Acts4(w, qs + b * n, ds + b * nb, ss + b * nb, n: n, blocks: nb)
                        : VNNI.q8_0Acts4(w, qs + b * n, ds + b * nb, n: n, blocks: nb)
                    out[b * outStride + r] = v[0]
                    out[(b + 1) * outStride + r] = v[1]
                    out[(b + 2) * outStride + r] = v[2]
                    out[(b + 3) * outStride + r] = v[3]
                    b += 4
                }
            }
            first = groupsEnd
        }
        // Remaining activation rows (all of them for small batches): one weight row at a time.
        // Measured: streaming the matrix strictly sequentially beats sharing each activation
        // load among four rows (58 → 71 tok/s decode) — decode is bound by memory, not by
        // instructions, and four interleaved 360-byte row streams defeat the prefetcher.
        for b in first..<acts.upperBound {
            let q = qs + b * n, d = ds + b * nb, s = ss + b * nb
            let o = out + b * outStride
            for r in rowRange {
                o[r] = isQ4 ? VNNI.q4_1(row(r), q, d, s, blocks: nb) : VNNI.q8_0(row(r), q, d, blocks: nb)
            }
        }
        return true
    }

    /// The packed path: each group of sixteen rows overlapping `rowRange` × `acts`, four (or
    /// one) activation rows per kernel call. Groups only partly inside `rowRange` are computed
    /// whole into a scratch tile and only their rows in range are copied out (the same values).
    private func multiplyPacked(_ p: PackedWeights, _ rowRange: Range<Int>, _ xq: QuantizedActivations,
                                acts: Range<Int>, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let n = columns, nb = n / 32, g = PackedWeights.groupRows
        let qs = UnsafePointer(xq.qs.pointer), ds = UnsafePointer(xq.d.pointer)
        let ss = UnsafePointer(xq.s.pointer), bias = UnsafePointer(xq.bias.pointer)
        guard !rowRange.isEmpty else { return }
        withUnsafeTemporaryAllocation(of: Float.self, capacity: 4 * g) { tile in
            for group in rowRange.lowerBound / g...(rowRange.upperBound - 1) / g {
                let gp = p.group(group), r0 = group * g
                let whole = r0 >= rowRange.lowerBound && r0 + g <= rowRange.upperBound
                var b = acts.lowerBound
                while b < acts.upperBound {
                    let c = acts.upperBound - b >= 4 ? 4 : 1
                    let dst = whole ? out + b * outStride + r0 : tile.baseAddress!
                    let stride = whole ? outStride : g
                    if type == .q4_1 {
                        PackedKernels.q4_1(gp, blocks: nb, count: c, qs + b * n, ds + b * nb, ss + b * nb, n: n, dst, outStride: stride)
                    } else {
                        PackedKernels.q8_0(gp, blocks: nb, count: c, qs + b * n, ds + b * nb, bias + b * nb, n: n, dst, outStride: stride)
                    }
                    if !whole {
                        for i in 0..<c {
                            for r in max(r0, rowRange.lowerBound)..<min(r0 + g, rowRange.upperBound) {
                                out[(b + i) * outStride + r] = tile[i * g + r - r0]
                            }
                        }
                    }
                    b += c
                }
            }
        }
    }
#else
    /// Portable build: no VNNI kernels; callers fall back to the SIMD kernels.
    func multiplyRowsVNNI(_ rowRange: Range<Int>, _ xq: QuantizedActivations, acts: Range<Int>,
                          into out: UnsafeMutablePointer<Float>, outStride: Int) -> Bool {
        false
    }
#endif
}
