import Foundation
import Testing
@testable import Inference

@Suite("Kernels")
struct KernelTests {
    /// Every integer kernel variant (single row, four rows, four activation rows) must agree with
    /// the float kernel applied to the dequantised 8-bit activations.
    @Test func integerKernelsAgreeWithFloatKernel() throws {
        let file = try GGUFFile(path: try TestModel.requirePath())
        let config = try ModelConfig(gguf: file)
        let weights = try LlamaWeights(file: file, config: config)
        var rng = SeededGenerator(seed: 42)
        for m in [weights.layers[0].wq, weights.layers[1].wDown, weights.tokenEmbedding] {
            let rows = 12, batch = 6, n = m.columns
            let x = ScratchBuffer<Float>(count: batch * n)
            for i in 0..<x.count { x[i] = Float(Int(rng.next() % 2001) - 1000) / 300 }
            let xq = QuantizedActivations(rows: batch, columns: n)
            xq.quantize(x.pointer, rows: batch)
            // Dequantised activations: what the integer kernels effectively multiply.
            let xd = ScratchBuffer<Float>(count: batch * n)
            for i in 0..<batch * n { xd[i] = Float(xq.qs[i]) * xq.d[i / 32] }
            for i in 0..<batch * n / 32 {
                var s: Int32 = 0
                for j in 0..<32 { s += Int32(xq.qs[i * 32 + j]) }
                #expect(abs(xq.s[i] - Float(s) * xq.d[i]) <= 1e-4 * max(1, abs(xq.s[i])))
            }
            let expected = ScratchBuffer<Float>(count: batch * rows)
            m.multiplyRows(0..<rows, xd.pointer, nil, batch: batch, into: expected.pointer, outStride: rows)
            for b in [1, 4, 6] { // single vector, exactly four, four plus remainder
                let got = ScratchBuffer<Float>(count: batch * rows)
                m.multiplyRows(0..<rows, x.pointer, xq, batch: b, into: got.pointer, outStride: rows)
                for i in 0..<b * rows {
                    #expect(abs(got[i] - expected[i]) <= 1e-3 * max(1, abs(expected[i])), "\(m.name) batch \(b) [\(i)]: \(got[i]) vs \(expected[i])")
                }
            }
            // Rows not divisible by four use the single-row kernel for the tail.
            let tail = ScratchBuffer<Float>(count: rows)
            m.multiplyRows(1..<8, x.pointer, xq, batch: 1, into: tail.pointer, outStride: rows)
            for r in 1..<8 { #expect(abs(tail[r] - expected[r]) <= 1e-3 * max(1, abs(expected[r]))) }
        }
    }

    /// The sixteen-keys-at-a-time score kernel is bitwise the per-key `dotF32 · scale`.
    @Test func scoreKernelMatchesDotProduct() {
        var rng = SeededGenerator(seed: 7)
        let stride = 192
        let q = ScratchBuffer<Float>(count: 64), keys = ScratchBuffer<Float>(count: 16 * stride)
        for i in 0..<64 { q[i] = Float(Int(rng.next() % 2001) - 1000) / 137 }
        for i in 0..<keys.count { keys[i] = Float(Int(rng.next() % 2001) - 1000) / 91 }
        let out = ScratchBuffer<Float>(count: 16)
        Kernels.scores16x64(q.pointer, keys.pointer + 64, stride: stride, scale: 0.125, into: out.pointer)
        for i in 0..<16 {
            let expected = Kernels.dotF32(q.pointer, keys.pointer + 64 + i * stride, count: 64) * 0.125
            #expect(out[i].bitPattern == expected.bitPattern, "key \(i): \(out[i]) vs \(expected)")
        }
    }

    /// SwiGLU sixteen lanes at a time is bitwise the scalar formula (a tail included).
    @Test func swiGLUMatchesScalarFormula() {
        var rng = SeededGenerator(seed: 11)
        let n = 16 * 5 + 7
        let gate = ScratchBuffer<Float>(count: n), up = ScratchBuffer<Float>(count: n)
        for i in 0..<n { gate[i] = Float(Int(rng.next() % 4001) - 2000) / 97; up[i] = Float(Int(rng.next() % 2001) - 1000) / 113 }
        gate[3] = 120; gate[4] = -120 // e^−x overflows / underflows
        let expected = (0..<n).map { gate[$0] / (1 + exp(-gate[$0])) * up[$0] }
        Kernels.swiGLU(gate.pointer, up.pointer, count: n)
        for i in 0..<n { #expect(gate[i].bitPattern == expected[i].bitPattern, "\(i): \(gate[i]) vs \(expected[i])") }
    }

    @Test func quantisationRoundTrip() {
        let q = QuantizedActivations(rows: 1, columns: 64)
        var x = [Float](repeating: 0, count: 64)
        for i in 0..<64 { x[i] = sin(Float(i)) * 3 }
        x[5] = 0; x[40] = -7.5
        q.quantize(x, rows: 1)
        for i in 0..<64 {
            let back = Float(q.qs[i]) * q.d[i / 32]
            #expect(abs(back - x[i]) <= q.d[i / 32] / 2 + 1e-6)
        }
        #expect(q.qs[40] == -127)
    }

    @Test func workerPoolCoversEveryIndexOnce() {
        let pool = WorkerPool(threads: 3)
        defer { pool.shutdown() }
        for count in [0, 1, 7, 1000] {
            let hits = ScratchBuffer<Int32>(count: max(1, count))
            pool.parallelFor(count, grain: 3) { range in
                for i in range { hits[i] += 1 }
            }
            for i in 0..<count { #expect(hits[i] == 1) }
        }
    }
}
