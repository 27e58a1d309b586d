/// Activations quantised to 8 bits in blocks of 32, the way llama.cpp prepares the right-hand
/// side of quantised dot products (its Q8_1 block: `x ≈ d·q`, plus `s = d·Σq` which Q4_1's
/// offset term needs). Scales live in separate arrays so the int8 data stays contiguous.
final class QuantizedActivations: @unchecked Sendable {
    let capacityRows: Int
    let columns: Int
    let blocksPerRow: Int
    let qs: ScratchBuffer<Int8>
    let d: ScratchBuffer<Float>
    let s: ScratchBuffer<Float>
    /// `−128·Σq` per block: corrects products with weights stored biased by +128 (packed Q8_0).
    let bias: ScratchBuffer<Int32>

    init(rows: Int, columns: Int) {
        precondition(columns % 32 == 0, "activation width must be a multiple of 32")
        capacityRows = rows
        self.columns = columns
        blocksPerRow = columns / 32
        qs = ScratchBuffer(count: rows * columns)
        d = ScratchBuffer(count: rows * blocksPerRow)
        s = ScratchBuffer(count: rows * blocksPerRow)
        bias = ScratchBuffer(count: rows * blocksPerRow)
    }

    /// Quantises `rows` rows of `columns` floats from `x` (row stride `columns`); batches of
    /// four or more rows are split over `pool` (each block's result does not depend on the split).
    func quantize(_ x: UnsafePointer<Float>, rows: Int, pool: WorkerPool? = nil) {
        precondition(rows <= capacityRows)
        if let pool, rows >= 4 {
            pool.parallelFor(rows) { range in
                quantizeBlocks(x, range.lowerBound * blocksPerRow..<range.upperBound * blocksPerRow)
            }
        } else {
            quantizeBlocks(x, 0..<rows * blocksPerRow)
        }
    }

    private func quantizeBlocks(_ x: UnsafePointer<Float>, _ blocks: Range<Int>) {
        let q = qs.pointer, dp = d.pointer, sp = s.pointer, bp = bias.pointer
        for b in blocks {
            let src = UnsafeRawPointer(x + b * 32)
            let v0 = src.loadUnaligned(as: SIMD16<Float>.self)
            let v1 = src.loadUnaligned(fromByteOffset: 64, as: SIMD16<Float>.self)
            let amax = max(absMax(v0), absMax(v1))
            let scale = amax / 127
            let inv: Float = scale != 0 ? 1 / scale : 0
            let q0 = roundToInt8(v0 * inv)
            let q1 = roundToInt8(v1 * inv)
            let dst = UnsafeMutableRawPointer(q + b * 32)
            dst.storeBytes(of: q0, as: SIMD16<Int8>.self)
            dst.storeBytes(of: q1, toByteOffset: 16, as: SIMD16<Int8>.self)
            dp[b] = scale
            let sum = wrappingSum(q0) + wrappingSum(q1)
            sp[b] = scale * Float(sum)
            bp[b] = -128 * sum
        }
    }
}
