import Foundation

/// BERT's uncased WordPiece tokenizer, as all-MiniLM-L6-v2 uses it (`vocab.txt`, one piece per
/// line, the line number being the id):
/// 1. clean the text: drop NUL, U+FFFD and control characters, turn whitespace into spaces;
/// 2. put spaces around every CJK ideograph (each becomes its own token);
/// 3. split on whitespace; lower-case; strip accents (NFD, then drop combining marks);
/// 4. split off every punctuation character (ASCII symbols and Unicode P*) as its own token;
/// 5. WordPiece: greedy longest match first, continuations prefixed `##`; a word over 100
///    characters, or with a part no piece matches, becomes `[UNK]`.
/// `encode` adds `[CLS]` and `[SEP]` and truncates to `maxLength` pieces in all.
public struct WordPieceTokenizer: Sendable {
    public let vocabulary: [String: Int32]
    public let cls: Int32, sep: Int32, unk: Int32, pad: Int32
    public static let maximumWordCharacters = 100

    public init(vocabularyFile path: String) throws(TokenizerLoadError) {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw TokenizerLoadError("\(path): cannot read (\(error.localizedDescription))")
        }
        var lines = text.components(separatedBy: "\n")
        if lines.last == "" { lines.removeLast() }
        try self.init(pieces: lines.map { $0.hasSuffix("\r") ? String($0.dropLast()) : $0 }, source: path)
    }

    public init(pieces: [String], source: String = "<vocabulary>") throws(TokenizerLoadError) {
        guard !pieces.isEmpty, pieces.count <= Int(Int32.max) else { throw TokenizerLoadError("\(source): empty vocabulary") }
        var vocabulary: [String: Int32] = [:]
        for (id, piece) in pieces.enumerated() where vocabulary[piece] == nil { vocabulary[piece] = Int32(id) }
        func special(_ name: String) throws(TokenizerLoadError) -> Int32 {
            guard let id = vocabulary[name] else { throw TokenizerLoadError("\(source): the vocabulary has no \(name)") }
            return id
        }
        self.vocabulary = vocabulary
        cls = try special("[CLS]")
        sep = try special("[SEP]")
        unk = try special("[UNK]")
        pad = try special("[PAD]")
    }

    /// `[CLS]` + the text's pieces + `[SEP]`, at most `maxLength` ids (the pieces are cut).
    public func encode(_ text: String, maxLength: Int = 256) -> [Int32] {
        let pieces = tokenize(text)
        return [cls] + pieces.prefix(max(0, maxLength - 2)) + [sep]
    }

    /// The ids of the text's word pieces (no special tokens).
    public func tokenize(_ text: String) -> [Int32] {
        var ids: [Int32] = []
        for word in Self.basicTokens(text) { wordPieces(word, into: &ids) }
        return ids
    }

    /// Steps 1–4: the words and punctuation marks, lower-cased and without accents.
    static func basicTokens(_ text: String) -> [String] {
        // 1–2: clean, and isolate CJK ideographs.
        var cleaned = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v == 0 || v == 0xFFFD || (isControl(scalar) && !isWhitespace(scalar)) { continue }
            if isWhitespace(scalar) {
                cleaned.append(" ")
            } else if isCJK(v) {
                cleaned.append(" "); cleaned.append(scalar); cleaned.append(" ")
            } else {
                cleaned.append(scalar)
            }
        }
        var tokens: [String] = []
        for word in String(cleaned).split(separator: " ", omittingEmptySubsequences: true) {
            // 3: lower-case, strip accents.
            let folded = word.lowercased().decomposedStringWithCanonicalMapping.unicodeScalars
                .filter { $0.properties.generalCategory != .nonspacingMark }
            // 4: punctuation splits.
            var current = String.UnicodeScalarView()
            for scalar in folded {
                if isPunctuation(scalar) {
                    if !current.isEmpty { tokens.append(String(current)); current = String.UnicodeScalarView() }
                    tokens.append(String(scalar))
                } else {
                    current.append(scalar)
                }
            }
            if !current.isEmpty { tokens.append(String(current)) }
        }
        return tokens
    }

    /// Step 5 for one word.
    func wordPieces(_ word: String, into ids: inout [Int32]) {
        let chars = Array(word.unicodeScalars)
        guard chars.count <= Self.maximumWordCharacters else { ids.append(unk); return }
        var pieces: [Int32] = []
        var start = 0
        while start < chars.count {
            var end = chars.count, found: Int32?
            while start < end {
                var piece = String(String.UnicodeScalarView(chars[start..<end]))
                if start > 0 { piece = "##" + piece }
                if let id = vocabulary[piece] { found = id; break }
                end -= 1
            }
            guard let found else { ids.append(unk); return }
            pieces.append(found)
            start = end
        }
        ids += pieces
    }

    static func isWhitespace(_ s: Unicode.Scalar) -> Bool {
        s == " " || s == "\t" || s == "\n" || s == "\r" || s.properties.generalCategory == .spaceSeparator
    }

    static func isControl(_ s: Unicode.Scalar) -> Bool {
        switch s.properties.generalCategory {
        case .control, .format, .unassigned, .privateUse, .surrogate: return true
        default: return false
        }
    }

    static func isPunctuation(_ s: Unicode.Scalar) -> Bool {
        let v = s.value
        if (33...47).contains(v) || (58...64).contains(v) || (91...96).contains(v) || (123...126).contains(v) { return true }
        switch s.properties.generalCategory {
        case .connectorPunctuation, .dashPunctuation, .openPunctuation, .closePunctuation,
             .initialPunctuation, .finalPunctuation, .otherPunctuation: return true
        default: return false
        }
    }

    /// The CJK Unified Ideographs blocks BERT isolates (not Hangul, Hiragana or Katakana).
    static func isCJK(_ v: UInt32) -> Bool {
        (0x4E00...0x9FFF).contains(v) || (0x3400...0x4DBF).contains(v) || (0x20000...0x2A6DF).contains(v)
            || (0x2A700...0x2B73F).contains(v) || (0x2B740...0x2B81F).contains(v) || (0x2B820...0x2CEAF).contains(v)
            || (0xF900...0xFAFF).contains(v) || (0x2F800...0x2FA1F).contains(v)
    }
}

public struct TokenizerLoadError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ description: String) { self.description = description }
}
