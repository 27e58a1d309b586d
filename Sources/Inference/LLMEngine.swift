import Foundation

/// The built-in LLM inference engine: a LLaMA-family GGUF model, its tokenizer and a pool of
/// worker threads.
///
/// ```swift
/// let engine = try LLMEngine(modelPath: path, threads: 2)
/// let reply = try engine.generate(promptTokens: engine.chatTokens([.user("Hi")]), options: .init(maxTokens: 32))
/// let scores = try engine.score(prompt: query, continuations: [" Yes", " No"])
/// ```
///
/// All methods are thread-safe; forward passes are serialised by a lock (one forward pass
/// already uses every worker thread). For many concurrent requests use ``BatchScheduler``,
/// which decodes them together in one batched step per token.
public final class LLMEngine: @unchecked Sendable {
    public let file: GGUFFile
    public let config: ModelConfig
    public let tokenizer: Tokenizer
    public let chatTemplate: ChatTemplate
    public let threads: Int
    let model: LlamaModel
    let pool: WorkerPool
    let lock = NSLock()
    let prefixes: PrefixStore

    /// Loads a model.
    /// - Parameters:
    ///   - modelPath: path of a GGUF file (LLaMA architecture, byte-level BPE vocabulary).
    ///   - threads: worker threads for the kernels (default: active processor count).
    ///   - precision: `.int8` (llama.cpp-like quantised activations) or `.float32`.
    ///   - layerLimit: run only the first N transformer blocks (for tests and experiments).
    ///   - prefixCacheEntries: how many prompt prefixes to keep for reuse.
    public convenience init(modelPath: String, threads: Int? = nil, precision: ActivationPrecision = .int8,
                            layerLimit: Int? = nil, prefixCacheEntries: Int = 8) throws {
        try self.init(modelPath: modelPath, threads: threads, precision: precision, layerLimit: layerLimit,
                      outputLimit: nil, prefixCacheEntries: prefixCacheEntries)
    }

    /// Also lets tests compute only the first `outputLimit` logits (a truncated output head),
    /// which keeps debug-build tests fast; log-probabilities are then over that sub-vocabulary.
    init(modelPath: String, threads: Int?, precision: ActivationPrecision, layerLimit: Int?,
         outputLimit: Int?, prefixCacheEntries: Int = 8) throws {
        file = try GGUFFile(path: modelPath)
        config = try ModelConfig(gguf: file)
        tokenizer = try Tokenizer(gguf: file)
        chatTemplate = ChatTemplate(template: tokenizer.chatTemplate)
        self.threads = max(1, threads ?? ProcessInfo.processInfo.activeProcessorCount)
        pool = WorkerPool(threads: self.threads)
        let weights = try LlamaWeights(file: file, config: config)
        model = LlamaModel(weights: weights, pool: pool, precision: precision, layerLimit: layerLimit, outputLimit: outputLimit)
        prefixes = PrefixStore(capacity: prefixCacheEntries)
    }

    deinit { pool.shutdown() }

    /// Logits per position (the vocabulary size).
    public var vocabularySize: Int { model.outputRows }

    /// Renders a conversation with the model's chat template (ends with the assistant header),
    /// as text for display; generate from ``chatTokens(_:)``, which keeps contents as text.
    public func chatPrompt(_ messages: [ChatMessage]) -> String { chatTemplate.render(messages) }

    /// A conversation's prompt tokens: ChatML markers special, message contents plain text.
    public func chatTokens(_ messages: [ChatMessage]) -> [Int] { chatTemplate.tokens(messages, tokenizer: tokenizer) }

    /// Tokenizes a raw prompt written by the operator with special tokens parsed, as llama.cpp
    /// does for prompts; text from data goes through ``chatTokens(_:)`` or `parseSpecial: false`.
    public func tokenize(_ text: String, parseSpecial: Bool = true) -> [Int] {
        tokenizer.encode(text, parseSpecial: parseSpecial)
    }

    /// A fresh, empty KV cache for this model.
    public func makeCache(capacity: Int? = nil) -> KVCache { model.makeCache(capacity: capacity) }

    /// Runs `tokens` through the model after the cache's current contents and returns the
    /// logits at each position listed in `logitsAt` (indices into `tokens`), row by row.
    public func evaluate(_ tokens: [Int], cache: KVCache, logitsAt: Set<Int>? = nil) throws -> [[Float]] {
        guard !tokens.isEmpty else { return [] }
        let wanted = logitsAt ?? [tokens.count - 1]
        let start = cache.count
        let batch = tokens.enumerated().map {
            BatchToken(cache: cache, position: start + $0.offset, token: $0.element, wantsLogits: wanted.contains($0.offset))
        }
        return try run(batch)
    }

    /// Runs one batched forward step and returns the wanted logit rows in batch order.
    func run(_ batch: [BatchToken]) throws -> [[Float]] {
        let rows = batch.count(where: \.wantsLogits)
        let vocab = model.outputRows
        var flat = [Float](repeating: 0, count: max(1, rows * vocab))
        try lock.withLock {
            try flat.withUnsafeMutableBufferPointer { try model.forward(batch, logits: $0.baseAddress!) }
        }
        return (0..<rows).map { Array(flat[$0 * vocab..<($0 + 1) * vocab]) }
    }

    /// Next-token logits after `tokens` (computed from scratch, no cache reuse).
    public func logits(tokens: [Int]) throws -> [Float] {
        guard !tokens.isEmpty else { throw InferenceError.emptyPrompt }
        return try evaluate(tokens, cache: makeCache(capacity: tokens.count))[0]
    }
}

extension LLMEngine {
    /// One decoding step for several sequences at once: appends `tokens[i]` to `caches[i]` and
    /// returns each sequence's next-token logits. This is the batched (matrix–matrix) path.
    public func decodeStep(tokens: [Int], caches: [KVCache]) throws -> [[Float]] {
        precondition(tokens.count == caches.count)
        let batch = zip(tokens, caches).map { BatchToken(cache: $1, position: $1.count, token: $0, wantsLogits: true) }
        return try run(batch)
    }
}
