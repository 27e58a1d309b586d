import Testing
@testable import Inference

@Suite("WordPiece tokenizer (BERT uncased)")
struct WordPieceTokenizerTests {
    static let toy = try! WordPieceTokenizer(pieces: ["[PAD]", "[UNK]", "[CLS]", "[SEP]", "un", "##aff", "##able", "cafe", "!", ",", "北", "京", "a", "##a"])

    @Test("greedy longest match with ## continuations; no match or over 100 characters: [UNK]")
    func pieces() {
        let t = Self.toy
        #expect(t.tokenize("unaffable") == [4, 5, 6])
        #expect(t.tokenize("unaffablex") == [t.unk])
        #expect(t.tokenize(String(repeating: "a", count: 100)) == [12] + [Int32](repeating: 13, count: 99))
        #expect(t.tokenize(String(repeating: "a", count: 101)) == [t.unk])
        #expect(t.encode("unaffable", maxLength: 4) == [t.cls, 4, 5, t.sep])
    }

    @Test("lower-case, accents stripped, punctuation split, CJK isolated, controls dropped")
    func basic() {
        #expect(WordPieceTokenizer.basicTokens("Café, CAFÉ!") == ["cafe", ",", "cafe", "!"])
        #expect(WordPieceTokenizer.basicTokens("北京x") == ["北", "京", "x"])
        #expect(WordPieceTokenizer.basicTokens("a\u{0}b\u{200B}c\td") == ["abc", "d"])
        #expect(WordPieceTokenizer.basicTokens("It's (v2.0)") == ["it", "'", "s", "(", "v2", ".", "0", ")"])
        #expect(Self.toy.tokenize("CAFÉ!北京") == [7, 8, 10, 11])
    }

    /// Expected ids from Hugging Face `tokenizers` on the model's own tokenizer.json.
    @Test("the real vocabulary gives Hugging Face's ids", arguments: [
        ("The weather is lovely today.", [101, 1996, 4633, 2003, 8403, 2651, 1012, 102]),
        ("It's so sunny outside!", [101, 2009, 1005, 1055, 2061, 11559, 2648, 999, 102]),
        ("He drove to the stadium.", [101, 2002, 5225, 2000, 1996, 3346, 1012, 102]),
        ("Crème brûlée, naïve café — déjà vu!", [101, 13675, 21382, 7987, 9307, 2063, 1010, 15743, 7668, 1517, 2139, 3900, 24728, 999, 102]),
        ("北京欢迎你 and 東京", [101, 1781, 1755, 100, 100, 100, 1998, 1879, 1755, 102]),
        (String(repeating: "a", count: 101) + " ok", [101, 100, 7929, 102]),
        ("unaffable xyzzyq", [101, 14477, 20961, 3468, 1060, 2100, 28753, 4160, 102]),
        ("Hello\tworld\u{200B}\u{0} x", [101, 7592, 2088, 1060, 102]),
        ("pantry's \"feature-store\" (v2.0)", [101, 27796, 1005, 1055, 1000, 3444, 1011, 3573, 1000, 1006, 1058, 2475, 1012, 1014, 1007, 102]),
    ])
    func real(text: String, ids: [Int32]) throws {
        let tokenizer = try Self.minilm()
        #expect(tokenizer.encode(text) == ids)
    }

    @Test("truncation keeps [CLS] and [SEP] within 256 pieces")
    func truncation() throws {
        let ids = try Self.minilm().encode(String(repeating: "word ", count: 400))
        #expect(ids.count == 256 && ids.first == 101 && ids.last == 102)
    }

    static func minilm() throws -> WordPieceTokenizer {
        try WordPieceTokenizer(vocabularyFile: try MiniLMFiles.require("vocab.txt"))
    }
}
