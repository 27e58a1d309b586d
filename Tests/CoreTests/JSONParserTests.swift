import Core
import Foundation
import Testing

@Suite("JSON parser and writer")
struct JSONParserTests {
    @Test("parses every JSON form, keeping integers exact and decoding escapes and surrogate pairs")
    func parses() throws {
        let text = #"{"a": [1, -2, 3.5, 1e3, true, false, null], "s": "q\"\\\/\n\t\u00e9\ud83c\udf5e", "n": {"x": 9007199254740993}, "e": []}"#
        let value = try JSONParser.parse(Array(text.utf8))
        #expect(value == .object([
            "a": .array([.integer(1), .integer(-2), .number(3.5), .number(1000), .bool(true), .bool(false), .null]),
            "s": .string("q\"\\/\n\té🍞"),
            "n": .object(["x": .integer(9_007_199_254_740_993)]),
            "e": .array([]),
        ]))
    }

    @Test("errors name the byte offset and what was expected")
    func errors() {
        for (text, offset) in [("{\"a\": ", 6), ("[1, 2", 5), ("{\"a\" 1}", 5), ("nul", 0), ("[1] x", 4), ("\"open", 5)] {
            #expect(throws: JSONParser.SyntaxError.self, "\(text)") { try JSONParser.parse(Array(text.utf8)) }
            do { _ = try JSONParser.parse(Array(text.utf8)) } catch { #expect(error.offset == offset, "\(text): \(error)") }
        }
    }

    @Test("the writer's output parses back to the same value")
    func writerRoundTrip() throws {
        let value: JSONValue = .object(["k": .array([.string("a\"b\\c\u{1}\n"), .integer(-5), .number(0.25), .number(3), .null, .bool(true)])])
        var bytes: [UInt8] = []
        JSONWriter.write(value, into: &bytes)
        #expect(try JSONParser.parse(bytes) == .object(["k": .array([.string("a\"b\\c\u{1}\n"), .integer(-5), .number(0.25), .integer(3), .null, .bool(true)])]))
    }

    @Test("numbers are written exactly: integer extremes, fractions, large and non-finite doubles")
    func writerNumbers() {
        func text(_ value: JSONValue) -> String {
            var bytes: [UInt8] = []
            JSONWriter.write(value, into: &bytes)
            return String(decoding: bytes, as: UTF8.self)
        }
        #expect(text(.array([.integer(.min), .integer(.max), .integer(0), .integer(-10)])) == "[-9223372036854775808,9223372036854775807,0,-10]")
        #expect(text(.array([.number(-0.125), .number(1e300), .number(.nan), .number(-.infinity), .number(-42)])) == "[-0.125,1e+300,null,null,-42]")
        #expect(text(.string("plain ascii, ünïcode")) == "\"plain ascii, ünïcode\"")
    }
}
