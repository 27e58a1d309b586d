/// The pre-tokenizer that splits text into words before BPE, reproducing llama.cpp's `smollm`
/// pre-tokenizer (the same as `starcoder`'s): first every numeric code point (`\p{N}`) becomes
/// its own piece, then each piece is split with GPT-2's pattern
///
///     's|'t|'re|'ve|'m|'ll|'d| ?\p{L}+| ?\p{N}+| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+
///
/// implemented by hand (as llama.cpp does) rather than with a regex engine: the contractions are
/// case-sensitive, and a run of whitespace followed by a non-space leaves its last whitespace
/// character to start the next word.
enum PreTokenizer {
    enum Kind: UInt8 { case letter, number, whitespace, other }

    @inline(__always)
    static func kind(_ s: Unicode.Scalar) -> Kind {
        if s.value < 128 {
            switch s.value {
            case 0x41...0x5A, 0x61...0x7A: return .letter
            case 0x30...0x39: return .number
            case 0x09...0x0D, 0x20: return .whitespace
            default: return .other
            }
        }
        if s.properties.isWhitespace { return .whitespace }
        switch s.properties.generalCategory {
        case .uppercaseLetter, .lowercaseLetter, .titlecaseLetter, .modifierLetter, .otherLetter: return .letter
        case .decimalNumber, .letterNumber, .otherNumber: return .number
        default: return .other
        }
    }

    /// Splits `text` into words (as ranges of its unicode scalars).
    static func split(_ scalars: [Unicode.Scalar]) -> [Range<Int>] {
        let kinds = scalars.map(kind)
        var words: [Range<Int>] = []
        // Pass 1 (`\p{N}`): each number is a piece, and so is each run between numbers.
        var start = 0
        for i in 0..<scalars.count where kinds[i] == .number {
            if start < i { gpt2Split(scalars, kinds, start..<i, into: &words) }
            words.append(i..<i + 1)
            start = i + 1
        }
        if start < scalars.count { gpt2Split(scalars, kinds, start..<scalars.count, into: &words) }
        return words
    }

    /// Pass 2: GPT-2's pattern inside one piece (lookahead never crosses the piece's end).
    private static func gpt2Split(_ s: [Unicode.Scalar], _ kinds: [Kind], _ piece: Range<Int>, into words: inout [Range<Int>]) {
        let end = piece.upperBound
        var pos = piece.lowerBound
        func kindAt(_ i: Int) -> Kind? { i < end ? kinds[i] : nil }
        func scalarAt(_ i: Int) -> UInt32? { i < end ? s[i].value : nil }
        while pos < end {
            let c = s[pos].value
            // 's 't 're 've 'm 'll 'd
            if c == 0x27, let n1 = scalarAt(pos + 1) {
                if n1 == 0x73 || n1 == 0x74 || n1 == 0x6D || n1 == 0x64 {
                    words.append(pos..<pos + 2); pos += 2; continue
                }
                if let n2 = scalarAt(pos + 2),
                   (n1 == 0x72 && n2 == 0x65) || (n1 == 0x76 && n2 == 0x65) || (n1 == 0x6C && n2 == 0x6C) {
                    words.append(pos..<pos + 3); pos += 3; continue
                }
            }
            // An optional leading space joins the following letters, digits or symbols.
            let lead = (c == 0x20) ? 1 : 0
            let k2 = lead == 1 ? kindAt(pos + 1) : kinds[pos]
            if let k2, k2 != .whitespace {
                var i = pos + lead
                if k2 == .other {
                    while let k = kindAt(i), k == .other { i += 1 }
                } else {
                    while kindAt(i) == k2 { i += 1 }
                }
                words.append(pos..<i); pos = i; continue
            }
            // Whitespace runs: `\s+(?!\S)` keeps the last one for the next word, `\s+` takes all.
            var n = 0
            while kindAt(pos + n) == .whitespace { n += 1 }
            if n > 1 && pos + n < end {
                words.append(pos..<pos + n - 1); pos += n - 1; continue
            }
            if n > 0 {
                words.append(pos..<pos + n); pos += n; continue
            }
            words.append(pos..<pos + 1); pos += 1
        }
    }
}
