import Synchronization

/// Byte-level BPE tokenizer built from a GGUF file's `tokenizer.ggml.*` metadata (GPT-2 style
/// vocabularies, `tokenizer.ggml.model == "gpt2"`), producing the same ids as llama.cpp.
///
/// Encoding: optional special-token partition (raw mode) → pre-tokenizer (``PreTokenizer``) →
/// byte-level mapping (``ByteLevelEncoding``) → BPE merges by rank, leftmost pair first →
/// vocabulary lookup, falling back to one token per byte for symbols missing from the vocabulary.
public final class Tokenizer: Sendable {
    /// GGUF token types.
    public enum TokenType: Int32, Sendable {
        case undefined = 0, normal = 1, unknown = 2, control = 3, userDefined = 4, unused = 5, byte = 6
    }

    /// Token spellings in the byte-level alphabet (e.g. "Ġthe").
    public let tokens: [String]
    public let tokenTypes: [TokenType]
    public let bosToken: Int?
    public let eosToken: Int?
    /// Whether llama.cpp would prepend BOS (`tokenizer.ggml.add_bos_token`).
    public let addBOS: Bool
    /// The Jinja chat template, if the file has one.
    public let chatTemplate: String?

    private let tokenIDs: [String: Int]
    /// Merge rank by the pair's spelling "left right".
    private let mergeRanks: [String: Int]
    /// Control / user-defined tokens matched in raw mode, longest first.
    private let specialTokens: [(text: [UInt8], id: Int)]
    /// The token of each byte's byte-level symbol; nil when the vocabulary lacks it (such a
    /// byte is dropped, as llama.cpp drops it, rather than mapped to token 0, `<|endoftext|>`).
    private let byteTokens: [Int?]
    private let wordCache = Mutex<[String: [Int]]>([:])

    public var vocabularySize: Int { tokens.count }

    public init(gguf: GGUFFile) throws {
        let model = try gguf.string("tokenizer.ggml.model")
        guard model == "gpt2" else { throw InferenceError.unsupportedModel("tokenizer model '\(model)' (only byte-level BPE 'gpt2')") }
        guard let list = gguf.metadata["tokenizer.ggml.tokens"]?.arrayValue else { throw GGUFError.missingKey("tokenizer.ggml.tokens") }
        tokens = list.map { $0.stringValue ?? "" }
        if let types = gguf.metadata["tokenizer.ggml.token_type"]?.arrayValue, types.count == tokens.count {
            tokenTypes = types.map { TokenType(rawValue: Int32($0.intValue ?? 1)) ?? .normal }
        } else {
            tokenTypes = Array(repeating: .normal, count: tokens.count)
        }
        var ids: [String: Int] = [:]
        ids.reserveCapacity(tokens.count)
        for (i, t) in tokens.enumerated() where ids[t] == nil { ids[t] = i }
        tokenIDs = ids
        var ranks: [String: Int] = [:]
        for (i, m) in (gguf.metadata["tokenizer.ggml.merges"]?.arrayValue ?? []).enumerated() {
            if let s = m.stringValue, ranks[s] == nil { ranks[s] = i }
        }
        mergeRanks = ranks
        bosToken = gguf.metadata["tokenizer.ggml.bos_token_id"]?.intValue
        eosToken = gguf.metadata["tokenizer.ggml.eos_token_id"]?.intValue
        addBOS = gguf.metadata["tokenizer.ggml.add_bos_token"]?.boolValue ?? false
        chatTemplate = gguf.metadata["tokenizer.chat_template"]?.stringValue
        let spellings = tokens
        specialTokens = tokenTypes.enumerated()
            .filter { [.control, .userDefined, .unknown].contains($0.element) && !spellings[$0.offset].isEmpty }
            .map { (text: Array(spellings[$0.offset].utf8), id: $0.offset) }
            .sorted { $0.text.count > $1.text.count }
        byteTokens = (0..<256).map { ids[String(ByteLevelEncoding.byteToScalar[$0])] }
    }

    /// Token ids for `text`.
    /// - Parameters:
    ///   - parseSpecial: recognise control tokens such as `<|im_start|>` written in the text
    ///     (llama.cpp's `special=true`, "raw" mode). Off by default: text from data (a movie
    ///     titled `<|im_start|>system`) must stay text; only prompt scaffolding Pantry writes
    ///     itself (``ChatTemplate/tokens(_:tokenizer:)``) or a raw prompt typed by the operator
    ///     is parsed for special tokens.
    ///   - addBOS: prepend the BOS token (defaults to the model's `add_bos_token`).
    public func encode(_ text: String, parseSpecial: Bool = false, addBOS: Bool? = nil) -> [Int] {
        var out: [Int] = []
        if addBOS ?? self.addBOS, let bos = bosToken { out.append(bos) }
        let bytes = Array(text.utf8)
        var start = 0, i = 0
        if parseSpecial {
            while i < bytes.count {
                if bytes[i] == UInt8(ascii: "<") || specialTokens.contains(where: { $0.text.first == bytes[i] }),
                   let match = specialTokens.first(where: { matches($0.text, bytes, at: i) }) {
                    if start < i { encodeText(bytes[start..<i], into: &out) }
                    out.append(match.id)
                    i += match.text.count
                    start = i
                } else {
                    i += 1
                }
            }
        }
        if start < bytes.count { encodeText(bytes[start...], into: &out) }
        return out
    }

    private func matches(_ needle: [UInt8], _ hay: [UInt8], at i: Int) -> Bool {
        guard i + needle.count <= hay.count else { return false }
        for j in 0..<needle.count where hay[i + j] != needle[j] { return false }
        return true
    }

    private func encodeText(_ bytes: ArraySlice<UInt8>, into out: inout [Int]) {
        let text = String(decoding: bytes, as: UTF8.self)
        let scalars = Array(text.unicodeScalars)
        for word in PreTokenizer.split(scalars) {
            var utf8: [UInt8] = []
            for s in scalars[word] { utf8.append(contentsOf: String(s).utf8) }
            let mapped = ByteLevelEncoding.encode(utf8)
            if let cached = wordCache.withLock({ $0[mapped] }) {
                out.append(contentsOf: cached)
                continue
            }
            let ids = bpe(mapped)
            wordCache.withLock { cache in
                if cache.count > 100_000 { cache.removeAll() }
                cache[mapped] = ids
            }
            out.append(contentsOf: ids)
        }
    }

    /// Applies merges to one byte-mapped word: repeatedly merge the adjacent pair with the lowest
    /// rank (the leftmost one on ties) until no pair is in the merge table.
    private func bpe(_ word: String) -> [Int] {
        if let id = tokenIDs[word], word.unicodeScalars.count == 1 { return [id] }
        var symbols = word.unicodeScalars.map { String($0) }
        while symbols.count > 1 {
            var best = Int.max, bestIndex = -1
            for i in 0..<symbols.count - 1 {
                if let r = mergeRanks[symbols[i] + " " + symbols[i + 1]], r < best {
                    best = r
                    bestIndex = i
                }
            }
            if bestIndex < 0 { break }
            symbols[bestIndex] += symbols[bestIndex + 1]
            symbols.remove(at: bestIndex + 1)
        }
        var ids: [Int] = []
        for s in symbols {
            if let id = tokenIDs[s] {
                ids.append(id)
            } else {
                for b in ByteLevelEncoding.decode(s) { if let id = byteTokens[Int(b)] { ids.append(id) } }
            }
        }
        return ids
    }

    // MARK: Decoding

    /// The bytes a token stands for. Control tokens give their text only with `includeSpecial`.
    public func bytes(of id: Int, includeSpecial: Bool = false) -> [UInt8] {
        guard id >= 0, id < tokens.count else { return [] }
        switch tokenTypes[id] {
        case .normal, .byte, .undefined: return ByteLevelEncoding.decode(tokens[id])
        case .userDefined: return Array(tokens[id].utf8)
        case .control, .unknown, .unused: return includeSpecial ? Array(tokens[id].utf8) : []
        }
    }

    /// Text for a sequence of ids (invalid UTF-8 is repaired with U+FFFD).
    public func decode(_ ids: [Int], includeSpecial: Bool = false) -> String {
        var bytes: [UInt8] = []
        for id in ids { bytes.append(contentsOf: self.bytes(of: id, includeSpecial: includeSpecial)) }
        return String(decoding: bytes, as: UTF8.self)
    }

    public func id(of token: String) -> Int? { tokenIDs[token] }

    public func isControl(_ id: Int) -> Bool {
        id >= 0 && id < tokenTypes.count && tokenTypes[id] == .control
    }
}
