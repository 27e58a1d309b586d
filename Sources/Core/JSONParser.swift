/// Parses JSON bytes (RFC 8259) into `JSONValue` directly: request bodies are parsed on every
/// API call, and going through `Codable` cost more than the Redis round trip they lead to.
///
/// Every input is hostile: parsing is linear in the input, nesting is limited to
/// `maximumDepth`, and anything RFC 8259 does not allow is an error naming the byte offset, the
/// path to the value (`rows[0].rating`) and what was expected. In particular: invalid UTF-8, raw
/// control characters in strings, lone or reversed UTF-16 surrogate escapes, numbers outside
/// the range of a double (`1e999`), and duplicate keys in one object (which parsers disagree
/// on: some keep the first, some the last).
public struct JSONParser {
    /// The deepest nesting of arrays and objects accepted, for every endpoint and file.
    public static let maximumDepth = 64

    public struct SyntaxError: Error, CustomStringConvertible, Sendable {
        public let offset: Int
        public let expected: String
        /// Keys and indexes from the document root to the value that failed, e.g. `rows[0].rating`.
        public internal(set) var path: String = ""
        public var description: String {
            "malformed JSON at byte \(offset)\(path.isEmpty ? "" : " (at \(path))"): expected \(expected)"
        }
    }

    private let bytes: UnsafeRawBufferPointer
    private var index = 0

    /// Parses one complete JSON document.
    public static func parse(_ data: UnsafeRawBufferPointer) throws(SyntaxError) -> JSONValue {
        var parser = JSONParser(bytes: data)
        parser.skipWhitespace()
        let value = try parser.value(depth: 0)
        parser.skipWhitespace()
        guard parser.index == data.count else { throw SyntaxError(offset: parser.index, expected: "end of input") }
        return value
    }

    public static func parse(_ bytes: [UInt8]) throws(SyntaxError) -> JSONValue {
        let result: Result<JSONValue, SyntaxError> = bytes.withUnsafeBytes { raw in
            Result { () throws(SyntaxError) in try parse(raw) }
        }
        return try result.get()
    }

    public static func parse(_ text: String) throws(SyntaxError) -> JSONValue { try parse(Array(text.utf8)) }

    private init(bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    private mutating func skipWhitespace() {
        while index < bytes.count, bytes[index] == 32 || bytes[index] == 10 || bytes[index] == 13 || bytes[index] == 9 { index += 1 }
    }

    private func fail(_ expected: String) -> SyntaxError { SyntaxError(offset: index, expected: expected) }

    private mutating func expect(_ byte: UInt8, _ name: String) throws(SyntaxError) {
        guard index < bytes.count, bytes[index] == byte else { throw fail(name) }
        index += 1
    }

    /// Prefixes the failing value's path with `component` as the error travels up.
    private static func within(_ component: String, _ error: SyntaxError) -> SyntaxError {
        var error = error
        error.path = error.path.isEmpty || error.path.hasPrefix("[") ? component + error.path : component + "." + error.path
        return error
    }

    private mutating func value(depth: Int) throws(SyntaxError) -> JSONValue {
        guard depth < Self.maximumDepth else { throw fail("at most \(Self.maximumDepth) levels of nesting") }
        guard index < bytes.count else { throw fail("a value") }
        switch bytes[index] {
        case UInt8(ascii: "{"):
            index += 1
            var fields: [String: JSONValue] = [:]
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "}") { index += 1; return .object(fields) }
            while true {
                skipWhitespace()
                let keyOffset = index
                let key = try string()
                skipWhitespace()
                try expect(UInt8(ascii: ":"), "':'")
                skipWhitespace()
                let field: JSONValue
                do { field = try value(depth: depth + 1) } catch { throw Self.within(key, error) }
                guard fields.updateValue(field, forKey: key) == nil else {
                    throw SyntaxError(offset: keyOffset, expected: "each key once in an object (\"\(key.prefix(40))\" appears twice)")
                }
                skipWhitespace()
                guard index < bytes.count else { throw fail("',' or '}'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "}"), "',' or '}'")
                return .object(fields)
            }
        case UInt8(ascii: "["):
            index += 1
            var items: [JSONValue] = []
            skipWhitespace()
            if index < bytes.count, bytes[index] == UInt8(ascii: "]") { index += 1; return .array(items) }
            while true {
                skipWhitespace()
                do { items.append(try value(depth: depth + 1)) } catch { throw Self.within("[\(items.count)]", error) }
                skipWhitespace()
                guard index < bytes.count else { throw fail("',' or ']'") }
                if bytes[index] == UInt8(ascii: ",") { index += 1; continue }
                try expect(UInt8(ascii: "]"), "',' or ']'")
                return .array(items)
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try literal("true"); return .bool(true)
        case UInt8(ascii: "f"): try literal("false"); return .bool(false)
        case UInt8(ascii: "n"): try literal("null"); return .null
        default: return try number()
        }
    }

    private mutating func literal(_ word: StaticString) throws(SyntaxError) {
        let count = word.utf8CodeUnitCount
        guard index + count <= bytes.count,
              (0..<count).allSatisfy({ bytes[index + $0] == word.utf8Start[$0] }) else { throw fail("\(word)") }
        index += count
    }

    private func isDigit(_ position: Int) -> Bool { position < bytes.count && bytes[position] >= 48 && bytes[position] <= 57 }

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`: integers that fit Int64 stay
    /// exact; everything else must be a finite double.
    private mutating func number() throws(SyntaxError) -> JSONValue {
        let start = index
        let anyValue = "a value (object, array, string, number, true, false or null)"
        if index < bytes.count, bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard isDigit(index) else { index = start; throw fail(anyValue) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            if isDigit(index) { throw fail("no leading zeros in a number") }
        } else {
            while isDigit(index) { index += 1 }
        }
        var integral = true
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            integral = false
            index += 1
            guard isDigit(index) else { throw fail("a digit after the decimal point") }
            while isDigit(index) { index += 1 }
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: "e") || bytes[index] == UInt8(ascii: "E") {
            integral = false
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") { index += 1 }
            guard isDigit(index) else { throw fail("a digit in the exponent") }
            while isDigit(index) { index += 1 }
        }
        let text = String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        if integral, let value = Int64(text) { return .integer(value) }
        guard let value = Double(text), value.isFinite else {
            let end = index
            index = start
            defer { index = end }
            throw fail("a number within ±1.8e308 (a double's range)")
        }
        return .number(value)
    }

    private mutating func string() throws(SyntaxError) -> String {
        try expect(UInt8(ascii: "\""), "a string")
        let start = index
        // Fast path: printable ASCII without escapes.
        while index < bytes.count, bytes[index] != UInt8(ascii: "\""), bytes[index] != UInt8(ascii: "\\"),
              bytes[index] >= 0x20, bytes[index] < 0x80 { index += 1 }
        if index < bytes.count, bytes[index] == UInt8(ascii: "\"") {
            defer { index += 1 }
            return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
        }
        var result = Array(UnsafeRawBufferPointer(rebasing: bytes[start..<index]))
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                index += 1
                return String(decoding: result, as: UTF8.self)
            }
            guard byte >= 0x20 else { throw fail("a control character (byte \(byte)) to be escaped as \\u00XX") }
            guard byte == UInt8(ascii: "\\") else {
                if byte < 0x80 { result.append(byte); index += 1 } else { try appendUTF8Sequence(to: &result) }
                continue
            }
            index += 1
            guard index < bytes.count else { break }
            let escape = bytes[index]
            index += 1
            switch escape {
            case UInt8(ascii: "n"): result.append(10)
            case UInt8(ascii: "t"): result.append(9)
            case UInt8(ascii: "r"): result.append(13)
            case UInt8(ascii: "b"): result.append(8)
            case UInt8(ascii: "f"): result.append(12)
            case UInt8(ascii: "\""), UInt8(ascii: "\\"), UInt8(ascii: "/"): result.append(escape)
            case UInt8(ascii: "u"):
                let escapeStart = index - 2
                var scalar = try hex4()
                if (0xDC00..<0xE000).contains(scalar) {
                    index = escapeStart
                    throw fail("a high surrogate (\\uD800-\\uDBFF) before a low surrogate: lone surrogates are not text")
                }
                if (0xD800..<0xDC00).contains(scalar) {
                    guard index + 1 < bytes.count, bytes[index] == UInt8(ascii: "\\"), bytes[index + 1] == UInt8(ascii: "u") else {
                        index = escapeStart
                        throw fail("a low surrogate escape (\\uDC00-\\uDFFF) after a high surrogate: lone surrogates are not text")
                    }
                    index += 2
                    let low = try hex4()
                    guard (0xDC00..<0xE000).contains(low) else {
                        index = escapeStart
                        throw fail("a low surrogate escape (\\uDC00-\\uDFFF) after a high surrogate: lone surrogates are not text")
                    }
                    scalar = 0x10000 + ((scalar - 0xD800) << 10) + (low - 0xDC00)
                }
                // Every value left is a Unicode scalar (surrogates were handled above).
                result += Array(String(Character(Unicode.Scalar(scalar) ?? "\u{FFFD}")).utf8)
            default:
                index -= 1
                throw fail("an escape: \\\" \\\\ \\/ \\b \\f \\n \\r \\t or \\uXXXX")
            }
        }
        throw fail("a closing '\"'")
    }

    /// Copies one well-formed multi-byte UTF-8 sequence (RFC 3629: no overlongs, no surrogates,
    /// nothing above U+10FFFF) starting at `index`.
    private mutating func appendUTF8Sequence(to result: inout [UInt8]) throws(SyntaxError) {
        let lead = bytes[index]
        let length: Int, minimum: UInt32
        switch lead {
        case 0xC2...0xDF: length = 2; minimum = 0x80
        case 0xE0...0xEF: length = 3; minimum = 0x800
        case 0xF0...0xF4: length = 4; minimum = 0x10000
        default: throw fail("valid UTF-8 (byte 0x\(String(lead, radix: 16, uppercase: true)) cannot start a character)")
        }
        guard index + length <= bytes.count else { throw fail("valid UTF-8 (a character is cut off)") }
        var scalar = UInt32(lead) & (0xFF >> (length + 1))
        for offset in 1..<length {
            let next = bytes[index + offset]
            guard next & 0xC0 == 0x80 else { throw fail("valid UTF-8 (byte \(offset + 1) of a character is not a continuation byte)") }
            scalar = scalar << 6 | UInt32(next & 0x3F)
        }
        guard scalar >= minimum, scalar <= 0x10FFFF, !(0xD800..<0xE000).contains(scalar) else {
            throw fail("valid UTF-8 (an overlong, surrogate or out-of-range character)")
        }
        for offset in 0..<length { result.append(bytes[index + offset]) }
        index += length
    }

    private mutating func hex4() throws(SyntaxError) -> UInt32 {
        guard index + 4 <= bytes.count else { throw fail("four hex digits") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let digit: UInt32
            switch byte {
            case 48...57: digit = UInt32(byte - 48)
            case 97...102: digit = UInt32(byte - 87)
            case 65...70: digit = UInt32(byte - 55)
            default: throw fail("four hex digits")
            }
            value = value << 4 | digit
            index += 1
        }
        return value
    }
}
