/// Threaded matrix–vector and matrix–matrix products `out[b][r] = Σ_c W[r][c]·x[b][c]`.
///
/// Rows of `W` are distributed over the worker pool in chunks; within a chunk every weight row
/// is loaded once and multiplied with a tile of activation vectors while it is hot in L1, which
/// is what makes batched decoding cheaper per token than single-sequence decoding.
extension WeightMatrix {
    /// - Parameters:
    ///   - x: `batch` float activation rows of `columns` (row stride `columns`).
    ///   - xq: the same activations quantised to 8 bits, or nil to use the float path.
    ///   - out: output rows with stride `outStride` (≥ `rows`).
    func multiply(_ x: UnsafePointer<Float>, _ xq: QuantizedActivations?, batch: Int,
                  into out: UnsafeMutablePointer<Float>, outStride: Int, pool: WorkerPool) {
        let rowsPerChunk = batch == 1 || packed != nil ? 16 : 8 // packed groups are 16 rows
        let chunks = (rows + rowsPerChunk - 1) / rowsPerChunk
        pool.parallelFor(chunks) { range in
            let r0 = range.lowerBound * rowsPerChunk
            let r1 = min(rows, range.upperBound * rowsPerChunk)
            multiplyRows(r0..<r1, x, xq, batch: batch, into: out, outStride: outStride)
        }
    }

    /// Several products of the same activations (q/k/v, gate/up) in one parallel job: one pool
    /// synchronisation instead of one per matrix, and no idle tail per matrix.
    static func multiply(_ products: [(matrix: WeightMatrix, out: UnsafeMutablePointer<Float>, outStride: Int)],
                         _ x: UnsafePointer<Float>, _ xq: QuantizedActivations?, batch: Int, pool: WorkerPool) {
        let rowsPerChunk = batch == 1 || KernelTier.kernels != nil ? 16 : 8 // packed groups are 16 rows
        let chunkCounts = products.map { ($0.matrix.rows + rowsPerChunk - 1) / rowsPerChunk }
        pool.parallelFor(chunkCounts.reduce(0, +)) { range in
            for chunk in range {
                var p = 0, c = chunk
                while c >= chunkCounts[p] { c -= chunkCounts[p]; p += 1 }
                let m = products[p].matrix
                let r0 = c * rowsPerChunk
                m.multiplyRows(r0..<min(m.rows, r0 + rowsPerChunk), x, xq, batch: batch,
                               into: products[p].out, outStride: products[p].outStride)
            }
        }
    }

    /// Single-threaded product for a range of output rows (also used by tests).
    func multiplyRows(_ rowRange: Range<Int>, _ x: UnsafePointer<Float>, _ xq: QuantizedActivations?,
                      batch: Int, into out: UnsafeMutablePointer<Float>, outStride: Int) {
        let n = columns
        let nb = n / 32
        let tile = 32
        var b0 = 0
        while b0 < batch {
            let b1 = min(batch, b0 + tile)
            var r = rowRange.lowerBound
            if let xq, usesInt8Activations,
               multiplyPacked(rowRange, xq, acts: b0..<b1, into: out, outStride: outStride) {
                // Done by the C kernels.
            } else if let xq, usesInt8Activations {
                let qs = UnsafePointer(xq.qs.pointer), ds = UnsafePointer(xq.d.pointer), ss = UnsafePointer(xq.s.pointer)
                // Batches: one row against four activation rows at a time.
                if b1 - b0 >= 4 && (type == .q4_1 || type == .q8_0) {
                    for r in rowRange {
                        let w = row(r)
                        var b = b0
                        while b + 4 <= b1 {
                            let v = type == .q4_1
                                ? Kernels.dotQ4_1x4b(w, qs + b * n, ds + b * nb, ss + b * nb, n: n, blocks: nb)
                                : Kernels.dotQ8_0x4b(w, qs + b * n, ds + b * nb, n: n, blocks: nb)
                            out[b * outStride + r] = v[0]
                            out[(b + 1) * outStride + r] = v[1]
                            out[(b + 2) * outStride + r] = v[2]
                            out[(b + 3) * outStride + r] = v[3]
                            b += 4
                        }
                        while b < b1 {
                            out[b * outStride + r] = type == .q4_1
                                ? Kernels.dotQ4_1(w, qs + b * n, ds + b * nb, ss + b * nb, blocks: nb)
                                : Kernels.dotQ8_0(w, qs + b * n, ds + b * nb, blocks: nb)
                            b += 1
                        }
                    }
                    r = rowRange.upperBound
                }
                // Four rows at a time, then the remainder one by one.
                while r + 4 <= rowRange.upperBound {
                    let w = row(r)
                    for b in b0..<b1 {
                        let v: SIMD4<Float>
                        switch type {
                        case .q4_1: v = Kernels.dotQ4_1x4(w, stride: rowBytes, qs + b * n, ds + b * nb, ss + b * nb, blocks: nb)
                        case .q8_0: v = Kernels.dotQ8_0x4(w, stride: rowBytes, qs + b * n, ds + b * nb, blocks: nb)
                        default: v = Kernels.dotQ4_0x4(w, stride: rowBytes, qs + b * n, ds + b * nb, blocks: nb)
                        }
                        let o = out + b * outStride + r
                        o[0] = v[0]; o[1] = v[1]; o[2] = v[2]; o[3] = v[3]
                    }
                    r += 4
                }
                while r < rowRange.upperBound {
                    let w = row(r)
                    for b in b0..<b1 {
                        switch type {
                        case .q4_1: out[b * outStride + r] = Kernels.dotQ4_1(w, qs + b * n, ds + b * nb, ss + b * nb, blocks: nb)
                        case .q8_0: out[b * outStride + r] = Kernels.dotQ8_0(w, qs + b * n, ds + b * nb, blocks: nb)
                        default: out[b * outStride + r] = Kernels.dotQ4_0(w, qs + b * n, ds + b * nb, blocks: nb)
                        }
                    }
                    r += 1
                }
            } else {
                for r in rowRange {
                    let w = row(r)
                    for b in b0..<b1 {
                        out[b * outStride + r] = Kernels.dotFloat(type, w, x + b * n, count: n)
                    }
                }
            }
            b0 = b1
        }
    }
}
