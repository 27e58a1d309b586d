import CInferenceKernels

/// Routing of integer matrix products to the C kernels of the selected ``KernelTier``.
extension WeightMatrix {
    /// Computes `out[b][r]` for `rowRange` × `acts` with the C kernels over the repacked weights
    /// (``packed``): each group of sixteen rows × four (or one) activation rows per call. Returns
    /// false (doing nothing) when the matrix was not repacked (portable tier, other types).
    ///
    /// Every (row, activation) pair gets bitwise the same value whatever the tile shape, so
    /// batched results equal single-sequence results. Groups only partly inside `rowRange` are
    /// computed whole into a scratch tile and only their rows in range are copied out.
    func multiplyPacked(_ rowRange: Range<Int>, _ xq: QuantizedActivations, acts: Range<Int>,
                        into out: UnsafeMutablePointer<Float>, outStride: Int) -> Bool {
        guard let p = packed, let kernels = KernelTier.kernels else { return false }
        guard !rowRange.isEmpty else { return true }
        let n = columns, nb = n / 32, g = PackedWeights.groupRows
        let qs = UnsafePointer(xq.qs.pointer), ds = UnsafePointer(xq.d.pointer)
        let ss = UnsafePointer(xq.s.pointer), bias = UnsafePointer(xq.bias.pointer)
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
                        kernels.packed_q4_1(gp, nb, Int32(c), qs + b * n, ds + b * nb, ss + b * nb, n, dst, stride)
                    } else {
                        kernels.packed_q8_0(gp, nb, Int32(c), qs + b * n, ds + b * nb, bias + b * nb, n, dst, stride)
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
        return true
    }
}
