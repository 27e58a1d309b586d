import Foundation

extension LLMEngine {
    /// Measures the raw matrix–vector kernels (used by `pantry llm bench --kernels`): returns
    /// (description, GB/s of weights streamed) for a cache-resident and a memory-resident matrix.
    public func kernelThroughput(batch: Int = 1, repetitions: Int = 200) -> [(String, Double)] {
        let w = model.weights
        var results: [(String, Double)] = []
        for m in [w.layers[0].wGate, w.layers[0].wDown, w.output] {
            let x = ScratchBuffer<Float>(count: batch * m.columns)
            for i in 0..<x.count { x[i] = Float(i % 7) - 3 }
            let xq = QuantizedActivations(rows: batch, columns: m.columns)
            xq.quantize(x.pointer, rows: batch)
            let out = ScratchBuffer<Float>(count: batch * m.rows)
            let reps = m.rows > 10_000 ? max(1, repetitions / 20) : repetitions
            let start = DispatchTime.now().uptimeNanoseconds
            for _ in 0..<reps {
                m.multiply(x.pointer, xq, batch: batch, into: out.pointer, outStride: m.rows, pool: pool)
            }
            let dt = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
            let bytes = Double(m.rows * m.rowBytes * reps)
            results.append(("\(m.name) \(m.type.name) \(m.rows)x\(m.columns) batch \(batch)", bytes / dt / 1e9))
        }
        return results
    }
}
