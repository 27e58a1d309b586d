/// The tensors of one transformer block, as views into the mapped file (plus, for the VNNI
/// kernels, repacked copies of the matrices: ``WeightMatrix/packed``).
struct LayerWeights: @unchecked Sendable {
    let attnNorm: UnsafePointer<Float>
    let wq, wk, wv, wo: WeightMatrix
    let ffnNorm: UnsafePointer<Float>
    let wGate, wUp, wDown: WeightMatrix
}

/// All weights of a LLaMA model, bound by GGUF tensor name (`token_embd`, `blk.N.attn_q`, ...).
/// Norm weights must be F32; matrices may be any type in ``GGMLType/isSupportedByKernels``.
final class LlamaWeights: @unchecked Sendable {
    let file: GGUFFile
    let config: ModelConfig
    let tokenEmbedding: WeightMatrix
    /// The output head: `output.weight`, or the token embedding when the model ties them.
    let output: WeightMatrix
    let outputNorm: UnsafePointer<Float>
    let layers: [LayerWeights]

    init(file: GGUFFile, config: ModelConfig) throws {
        _ = try KernelTier.selected() // a bad PANTRY_CPU_TIER fails here, before any packing
        self.file = file
        self.config = config
        func matrix(_ name: String, rows: Int, columns: Int) throws -> WeightMatrix {
            guard let t = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            guard t.dims.count == 2, t.dims[0] == columns, t.dims[1] == rows else {
                throw GGUFError.invalidTensor(name, reason: "shape \(t.dims), expected [\(columns), \(rows)]")
            }
            guard t.type.isSupportedByKernels else {
                throw InferenceError.unsupportedModel("tensor \(name) has type \(t.type.name), which has no kernel")
            }
            try file.validateData(t)
            return WeightMatrix(name: name, type: t.type, rows: rows, columns: columns, data: file.tensorData(t))
                .packedForKernels()
        }
        func vector(_ name: String, count: Int) throws -> UnsafePointer<Float> {
            guard let t = file.tensor(named: name) else { throw GGUFError.missingTensor(name) }
            guard t.type == .f32, t.elementCount == count else {
                throw GGUFError.invalidTensor(name, reason: "expected \(count) F32 values, got \(t.dims) \(t.type.name)")
            }
            try file.validateData(t)
            return file.tensorData(t).assumingMemoryBound(to: Float.self)
        }
        let c = config
        tokenEmbedding = try matrix("token_embd.weight", rows: c.vocabSize, columns: c.dim)
        output = file.tensor(named: "output.weight") != nil
            ? try matrix("output.weight", rows: c.vocabSize, columns: c.dim) : tokenEmbedding
        outputNorm = try vector("output_norm.weight", count: c.dim)
        layers = try (0..<c.layerCount).map { i in
            let p = "blk.\(i)."
            return LayerWeights(
                attnNorm: try vector(p + "attn_norm.weight", count: c.dim),
                wq: try matrix(p + "attn_q.weight", rows: c.qDim, columns: c.dim),
                wk: try matrix(p + "attn_k.weight", rows: c.kvDim, columns: c.dim),
                wv: try matrix(p + "attn_v.weight", rows: c.kvDim, columns: c.dim),
                wo: try matrix(p + "attn_output.weight", rows: c.dim, columns: c.qDim),
                ffnNorm: try vector(p + "ffn_norm.weight", count: c.dim),
                wGate: try matrix(p + "ffn_gate.weight", rows: c.ffnDim, columns: c.dim),
                wUp: try matrix(p + "ffn_up.weight", rows: c.ffnDim, columns: c.dim),
                wDown: try matrix(p + "ffn_down.weight", rows: c.dim, columns: c.ffnDim))
        }
    }
}
