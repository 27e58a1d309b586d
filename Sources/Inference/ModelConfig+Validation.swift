/// Hyperparameters are input from a file: every one is checked before it sizes a buffer or
/// bounds a loop (a RoPE dimension larger than the head once made the rotation write past it).
extension ModelConfig {
    func validate() throws(InferenceError) {
        func check(_ condition: Bool, _ key: String, _ value: Any, _ expected: String) throws(InferenceError) {
            guard condition else { throw .unsupportedModel("\(architecture).\(key) is \(value): expected \(expected)") }
        }
        // Activations are quantised in blocks of 32, so every matrix width is a multiple of 32.
        try check((32...65_536).contains(dim) && dim % 32 == 0, "embedding_length", dim, "a multiple of 32 in 32...65536")
        try check((32...262_144).contains(ffnDim) && ffnDim % 32 == 0, "feed_forward_length", ffnDim, "a multiple of 32 in 32...262144")
        try check((1...1_024).contains(layerCount), "block_count", layerCount, "1...1024")
        try check((1...1_024).contains(headCount), "attention.head_count", headCount, "1...1024 dividing embedding_length")
        try check(headDim % 2 == 0 && qDim % 32 == 0, "attention.head_count", headCount, "a head width that is even and heads x width a multiple of 32")
        try check((1...1 << 20).contains(contextLength), "context_length", contextLength, "1...1048576")
        try check(ropeDim >= 2 && ropeDim <= headDim && ropeDim % 2 == 0, "rope.dimension_count", ropeDim, "an even number in 2...\(headDim) (the head width)")
        try check(ropeBase.isFinite && ropeBase > 0, "rope.freq_base", ropeBase, "a finite number > 0")
        try check(rmsEps.isFinite && rmsEps > 0 && rmsEps < 1, "attention.layer_norm_rms_epsilon", rmsEps, "a finite number in (0, 1)")
        try check((1...1 << 24).contains(vocabSize), "vocab_size", vocabSize, "1...16777216 (or a tokenizer token list)")
    }
}
