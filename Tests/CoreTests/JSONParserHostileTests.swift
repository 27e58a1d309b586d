import Core
import Foundation
import Testing

/// Input the parser must refuse with a precise error rather than accept, guess or trap on.
@Suite("JSON parser: hostile input")
struct JSONParserHostileTests {
    func error(_ text: String) -> JSONParser.SyntaxError? {
        do { _ = try JSONParser.parse(Array(text.utf8)); return nil } catch { return error }
    }

    @Test("lone, reversed and unpaired surrogate escapes are errors at the escape, never a trap")
    func surrogates() throws {
        for text in [#"["\ud800\u0041"]"#, #"["\udc00"]"#, #"["\ud800"]"#, #"["\udc00\ud800"]"#, #"["x\uDBFF\uDBFF"]"#, #"["\ud800\n"]"#] {
            let failure = error(text)
            #expect(failure != nil, "\(text)")
            #expect(failure?.expected.contains("surrogate") == true, "\(text): \(String(describing: failure))")
            #expect(failure.map { $0.offset < text.utf8.count } == true)
        }
        // A proper pair still decodes.
        #expect(try JSONParser.parse(#""\ud83c\udf5e""#) == .string("🍞"))
    }

    @Test("a key given twice in one object is an error (parsers disagree on which wins)")
    func duplicateKeys() {
        let failure = error(#"{"rows": [{"a": 1, "a": 2}]}"#)
        #expect(failure?.expected.contains("\"a\" appears twice") == true, "\(String(describing: failure))")
        #expect(failure?.path == "rows[0]")
    }

    @Test("numbers outside a double's range are errors naming the field; integers beyond Int64 become doubles")
    func numbers() throws {
        let failure = error(#"{"rows": [{"user_id": 1, "rating": 1e999}]}"#)
        #expect(failure?.path == "rows[0].rating", "\(String(describing: failure))")
        #expect(failure?.description.contains("rows[0].rating") == true)
        #expect(failure?.expected.contains("1.8e308") == true)
        #expect(error("-1e400") != nil)
        #expect(try JSONParser.parse("18446744073709551616") == .number(18_446_744_073_709_551_616))
        #expect(try JSONParser.parse("-0") == .integer(0))
        for bad in ["01", "1.", ".5", "1e", "1e+", "+1", "--1", "1-2", "0x10", "NaN", "Infinity", "-"] {
            #expect(error(bad) != nil, "\(bad)")
        }
    }

    @Test("invalid UTF-8, raw control characters and unknown escapes are errors")
    func text() throws {
        for bytes: [UInt8] in [[0x22, 0xFF, 0x22], [0x22, 0xC0, 0xAF, 0x22], [0x22, 0xED, 0xA0, 0x80, 0x22], [0x22, 0xE2, 0x82, 0x22],
                               [0x22, 0xF4, 0x90, 0x80, 0x80, 0x22], [0x22, 0x01, 0x22], [0x22, 0x00, 0x22], Array(#""\x""#.utf8)] {
            #expect(throws: JSONParser.SyntaxError.self, "\(bytes)") { try JSONParser.parse(bytes) }
        }
        #expect(try JSONParser.parse(Array("\"naïve 日本 🍞\"".utf8)) == .string("naïve 日本 🍞"))
        #expect(try JSONParser.parse(#""\u0000""#) == .string("\u{0}"))  // valid JSON; values refuse it later
    }

    @Test("nesting deeper than the limit is refused quickly, at any size")
    func nesting() {
        let deep = String(repeating: "[", count: 500) + String(repeating: "]", count: 500)
        #expect(error(deep)?.expected.contains("\(JSONParser.maximumDepth) levels") == true)
        let limit = String(repeating: "[", count: JSONParser.maximumDepth) + String(repeating: "]", count: JSONParser.maximumDepth)
        #expect(error(limit) == nil)
        // 100k objects each nested to the limit parse in linear time (no timing asserted: this
        // finishing at all is the check; a quadratic parser would not in a test's lifetime).
        let row = String(repeating: "[", count: 60) + "1" + String(repeating: "]", count: 60)
        let big = "[" + Array(repeating: row, count: 20_000).joined(separator: ",") + "]"
        #expect(error(big) == nil)
    }
}
