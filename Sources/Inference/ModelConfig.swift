/// LLaMA-family hyperparameters, read from a GGUF file's `<arch>.*` metadata.
public struct ModelConfig: Sendable, Equatable {
    public var architecture: String
    /// Model width `d_model` (`<arch>.embedding_length`).
    public var dim: Int
    /// Hidden width of the SwiGLU FFN (`<arch>.feed_forward_length`).
    public var ffnDim: Int
    public var layerCount: Int
    /// Query heads `n_h`.
    public var headCount: Int
    /// Key/value heads `n_kv` (grouped-query attention: `n_h / n_kv` query heads share one).
    public var kvHeadCount: Int
    public var headDim: Int
    public var vocabSize: Int
    public var contextLength: Int
    /// RoPE base θ (`<arch>.rope.freq_base`, 10000 when absent).
    public var ropeBase: Float
    /// Rotated dimensions per head (`<arch>.rope.dimension_count`, `headDim` when absent).
    public var ropeDim: Int
    public var rmsEps: Float

    public var kvDim: Int { kvHeadCount * headDim }
    public var qDim: Int { headCount * headDim }

    public init(gguf: GGUFFile) throws {
        let arch = try gguf.string("general.architecture")
        guard arch == "llama" else { throw InferenceError.unsupportedModel("architecture '\(arch)' (only 'llama' is supported)") }
        architecture = arch
        dim = try gguf.int("\(arch).embedding_length")
        ffnDim = try gguf.int("\(arch).feed_forward_length")
        layerCount = try gguf.int("\(arch).block_count")
        headCount = try gguf.int("\(arch).attention.head_count")
        kvHeadCount = try gguf.optionalInt("\(arch).attention.head_count_kv") ?? headCount
        guard headCount > 0, kvHeadCount > 0, headCount % kvHeadCount == 0, dim % headCount == 0 else {
            throw InferenceError.unsupportedModel("\(arch).attention.head_count is \(headCount) and head_count_kv \(kvHeadCount): "
                + "expected both > 0, head_count dividing embedding_length (\(dim)) and head_count_kv dividing head_count")
        }
        headDim = dim / headCount
        contextLength = try gguf.optionalInt("\(arch).context_length") ?? 2048
        ropeBase = try gguf.optionalFloat("\(arch).rope.freq_base") ?? 10000
        ropeDim = try gguf.optionalInt("\(arch).rope.dimension_count") ?? headDim
        rmsEps = try gguf.optionalFloat("\(arch).attention.layer_norm_rms_epsilon") ?? 1e-5
        if let v = try gguf.optionalInt("\(arch).vocab_size") {
            vocabSize = v
        } else {
            vocabSize = gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count ?? 0
        }
        try validate()
    }
}

/// Errors of the inference engine above the file format level.
public enum InferenceError: Error, CustomStringConvertible, Sendable, Equatable {
    case unsupportedModel(String)
    case contextOverflow(needed: Int, limit: Int)
    case invalidToken(Int)
    case emptyPrompt
    case queueFull
    case deadlineExceeded
    case cancelled
    case invalidArgument(String)

    public var description: String {
        switch self {
        case let .unsupportedModel(m): return "unsupported model: \(m)"
        case let .contextOverflow(n, l): return "sequence needs \(n) positions, context holds \(l)"
        case let .invalidToken(t): return "token id \(t) outside the vocabulary"
        case .emptyPrompt: return "the prompt is empty"
        case .queueFull: return "request queue is full"
        case .deadlineExceeded: return "request deadline exceeded"
        case .cancelled: return "request cancelled"
        case let .invalidArgument(m): return "invalid argument: \(m)"
        }
    }
}
