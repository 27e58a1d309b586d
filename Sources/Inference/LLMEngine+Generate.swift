/// Options of one generation request.
public struct GenerationOptions: Sendable, Equatable {
    public var maxTokens: Int
    public var sampling: SamplingOptions
    /// Generation stops when the text contains any of these (the stop string is not returned).
    public var stop: [String]
    /// Stop at the model's end-of-sequence token (and `<|im_end|>` for chat models).
    public var stopAtEOS: Bool

    public init(maxTokens: Int = 128, sampling: SamplingOptions = .greedy, stop: [String] = [], stopAtEOS: Bool = true) {
        self.maxTokens = maxTokens
        self.sampling = sampling
        self.stop = stop
        self.stopAtEOS = stopAtEOS
    }
}

/// Why generation ended.
public enum FinishReason: String, Sendable {
    case endOfSequence, stopString, maxTokens, contextFull, cancelled
}

/// The outcome of ``LLMEngine/generate(prompt:options:onToken:)``.
public struct GenerationResult: Sendable {
    public var text: String
    public var tokens: [Int]
    public var promptTokenCount: Int
    public var finishReason: FinishReason
}

/// One streamed step of generation: the token and the text it completes (possibly empty while a
/// multi-byte character or a potential stop string is pending).
public struct GeneratedToken: Sendable {
    public var token: Int
    public var text: String
}

extension LLMEngine {
    /// Token ids that end a turn: EOS, plus `<|im_end|>` when the vocabulary has it.
    public var endOfTurnTokens: Set<Int> {
        var s = Set<Int>()
        if let e = tokenizer.eosToken { s.insert(e) }
        if let e = tokenizer.id(of: "<|im_end|>") { s.insert(e) }
        return s
    }

    /// Generates a continuation of `prompt` (special tokens in the prompt are parsed).
    /// - Parameter onToken: called for each generated token; return false to stop.
    public func generate(prompt: String, options: GenerationOptions = GenerationOptions(),
                         onToken: ((GeneratedToken) -> Bool)? = nil) throws -> GenerationResult {
        try generate(promptTokens: tokenize(prompt), options: options, onToken: onToken)
    }

    public func generate(promptTokens: [Int], options: GenerationOptions = GenerationOptions(),
                         onToken: ((GeneratedToken) -> Bool)? = nil) throws -> GenerationResult {
        guard !promptTokens.isEmpty else { throw InferenceError.emptyPrompt }
        let prefix = try prefill(promptTokens, remember: false)
        var session = GenerationSession(engine: self, options: options, promptTokenCount: promptTokens.count)
        let cache = KVCache(parent: prefix.cache)
        var logits = prefix.lastLogits
        while true {
            let token = logits.withUnsafeBufferPointer { session.sampler.sample($0) }
            let (piece, finished) = session.accept(token)
            if !piece.isEmpty || finished == nil, let onToken, !onToken(GeneratedToken(token: token, text: piece)) {
                session.finish = .cancelled
            }
            if session.finish != nil { break }
            if cache.count + 1 > min(config.contextLength, cache.capacityLimit) { session.finish = .contextFull; break }
            logits = try evaluate([token], cache: cache)[0]
        }
        return session.result
    }

    /// Runs `tokens` through the model, reusing the longest stored prefix, and returns the
    /// resulting state (cache + last logits). With `remember`, the state is stored for reuse.
    public func prefill(_ tokens: [Int], remember: Bool = true) throws -> PrefixState {
        try prefillCounting(tokens, remember: remember).state
    }

    /// ``prefill(_:remember:)``, also saying how many tokens it evaluated (the rest came from
    /// the prefix cache).
    func prefillCounting(_ tokens: [Int], remember: Bool = true) throws -> (state: PrefixState, evaluated: Int) {
        guard !tokens.isEmpty else { throw InferenceError.emptyPrompt }
        let base = prefixes.longestPrefix(of: tokens)
        if let base, base.tokens.count == tokens.count { return (base, 0) }
        let cache = base.map { KVCache(parent: $0.cache) } ?? makeCache()
        let rest = Array(tokens[(base?.tokens.count ?? 0)...])
        let logits = try evaluate(rest, cache: cache)[0]
        let state = PrefixState(tokens: tokens, cache: cache, lastLogits: logits)
        if remember { prefixes.insert(state) }
        return (state, rest.count)
    }

    /// How many leading tokens of `tokens` a remembered prefix already covers.
    public func cachedPrefixLength(of tokens: [Int]) -> Int { prefixes.longestPrefix(of: tokens)?.tokens.count ?? 0 }

    /// Drops all remembered prompt prefixes.
    public func clearPrefixCache() { prefixes.removeAll() }
}

/// Per-request generation state shared by ``LLMEngine/generate`` and ``BatchScheduler``:
/// sampling, incremental UTF-8 decoding, stop strings and the finish condition.
struct GenerationSession {
    let options: GenerationOptions
    let tokenizer: Tokenizer
    let endTokens: Set<Int>
    var sampler: Sampler
    var tokens: [Int] = []
    var bytes: [UInt8] = []
    /// Characters of `text` already handed to the stream.
    var emitted = 0
    var text = ""
    var finish: FinishReason?
    let promptTokenCount: Int

    init(engine: LLMEngine, options: GenerationOptions, promptTokenCount: Int) {
        self.options = options
        tokenizer = engine.tokenizer
        endTokens = options.stopAtEOS ? engine.endOfTurnTokens : []
        sampler = Sampler(options.sampling)
        self.promptTokenCount = promptTokenCount
    }

    /// Records a sampled token; returns the newly streamable text and the finish reason if any.
    mutating func accept(_ token: Int) -> (String, FinishReason?) {
        if endTokens.contains(token) {
            finish = .endOfSequence
            return (flush(), finish)
        }
        tokens.append(token)
        bytes.append(contentsOf: tokenizer.bytes(of: token))
        // Only decode complete UTF-8 sequences; keep a trailing partial character pending.
        let complete = completeUTF8Prefix(bytes)
        text = String(decoding: bytes[..<complete], as: UTF8.self)
        for s in options.stop where !s.isEmpty {
            if let r = text.range(of: s) {
                text = String(text[..<r.lowerBound])
                finish = .stopString
                return (flush(), finish)
            }
        }
        if tokens.count >= options.maxTokens { finish = .maxTokens; return (flush(), finish) }
        // Hold back a suffix that could still grow into a stop string.
        var holdBack = 0
        for s in options.stop {
            for n in stride(from: min(s.count - 1, text.count), to: 0, by: -1) where text.hasSuffix(s.prefix(n)) {
                holdBack = max(holdBack, n)
                break
            }
        }
        let visible = text.count - holdBack
        guard visible > emitted else { return ("", nil) }
        let piece = String(text.dropFirst(emitted).prefix(visible - emitted))
        emitted = visible
        return (piece, nil)
    }

    private mutating func flush() -> String {
        if finish != .stopString { text = String(decoding: bytes, as: UTF8.self) }
        let piece = emitted < text.count ? String(text.dropFirst(emitted)) : ""
        emitted = text.count
        return piece
    }

    var result: GenerationResult {
        GenerationResult(text: text, tokens: tokens, promptTokenCount: promptTokenCount, finishReason: finish ?? .maxTokens)
    }
}

/// Length of the longest prefix of `bytes` that ends on a UTF-8 character boundary.
func completeUTF8Prefix(_ bytes: [UInt8]) -> Int {
    var i = bytes.count
    var back = 0
    while i > 0 && back < 4 {
        let b = bytes[i - 1]
        if b & 0xC0 == 0x80 { i -= 1; back += 1; continue }
        let need = b >= 0xF0 ? 4 : b >= 0xE0 ? 3 : b >= 0xC0 ? 2 : 1
        return need == back + 1 ? bytes.count : i - 1
    }
    return bytes.count
}
