import CInferenceKernels
import COpenBLAS

extension SentenceEncoder {
    /// One linear map y = x·Wᵀ + b (PyTorch's layout: W is [outputs, inputs]). When the CPU's
    /// tier has the panel kernel and the outputs are a multiple of 64, W is repacked at load into
    /// panels of 64 outputs (`inputs` × 64 floats each, in order): the kernel then streams each
    /// weight once per six rows, where `sgemm` would repack W on every call — the cost that
    /// dominates a short query. Otherwise (the portable tier) OpenBLAS `sgemm` on W as loaded.
    struct Linear: Sendable {
        let inputs: Int
        let outputs: Int
        let bias: [Float]
        /// W as loaded (the `sgemm` path), or its panels (the kernel path); one of the two.
        let weight: [Float]
        let panels: [Float]

        static let kernel: pantry_f32_panels_fn? = KernelTier.kernels?.f32_panels

        init(weight: [Float], bias: [Float], inputs: Int) {
            self.inputs = inputs
            outputs = bias.count
            self.bias = bias
            if Self.kernel != nil, outputs % 64 == 0 {
                var panels = [Float](repeating: 0, count: weight.count)
                for o in 0..<outputs {
                    let base = (o / 64) * inputs * 64 + o % 64
                    for i in 0..<inputs { panels[base + i * 64] = weight[o * inputs + i] }
                }
                (self.weight, self.panels) = ([], panels)
            } else {
                (self.weight, self.panels) = (weight, [])
            }
        }

        /// y[r] = x[r]·Wᵀ + b for `rows` rows of `inputs` values (y: `rows × outputs`).
        func apply(_ x: [Float], rows: Int, into y: inout [Float]) {
            precondition(x.count >= rows * inputs && y.count >= rows * outputs)
            if let kernel = Self.kernel, !panels.isEmpty {
                x.withUnsafeBufferPointer { x in
                    panels.withUnsafeBufferPointer { w in
                        bias.withUnsafeBufferPointer { b in
                            y.withUnsafeMutableBufferPointer { y in
                                kernel(x.baseAddress!, rows, inputs, w.baseAddress!, outputs / 64, b.baseAddress!, y.baseAddress!, outputs)
                            }
                        }
                    }
                }
                return
            }
            for r in 0..<rows { for j in 0..<outputs { y[r * outputs + j] = bias[j] } }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(rows), Int32(outputs), Int32(inputs),
                        1, x, Int32(inputs), weight, Int32(inputs), 1, &y, Int32(outputs))
        }
    }
}
