import Core

/// How an item's text is built from its features: literal text with `{feature}` placeholders
/// (`{{` and `}}` for literal braces), e.g. `"{title}. Genres: {genres}."`. A list is joined
/// with ", ", a null becomes empty, and runs of spaces left by empty values are collapsed.
public struct TextTemplate: Sendable, Equatable, CustomStringConvertible {
    enum Part: Sendable, Equatable { case literal(String), feature(String) }

    let parts: [Part]
    public let description: String

    /// The features the template reads, in order of first use.
    public var features: [String] {
        var seen = Set<String>()
        return parts.compactMap { if case .feature(let f) = $0, seen.insert(f).inserted { f } else { nil } }
    }

    /// Parses a template; errors name the character position (1-based) and what was expected.
    public init(_ text: String) throws(TextEmbeddingError) {
        var parts: [Part] = [], literal = "", name: String? = nil
        var position = 0
        var characters = Array(text)[...]
        while let c = characters.popFirst() {
            position += 1
            if var open = name {
                if c == "}" {
                    guard !open.isEmpty else { throw TextEmbeddingError("template \"\(text)\": empty placeholder {} at character \(position)") }
                    parts.append(.feature(open))
                    name = nil
                } else if c == "{" {
                    throw TextEmbeddingError("template \"\(text)\": \"{\" inside a placeholder at character \(position)")
                } else {
                    open.append(c)
                    name = open
                }
            } else if c == "{" {
                if characters.first == "{" { characters.removeFirst(); position += 1; literal.append("{"); continue }
                if !literal.isEmpty { parts.append(.literal(literal)); literal = "" }
                name = ""
            } else if c == "}" {
                guard characters.first == "}" else {
                    throw TextEmbeddingError("template \"\(text)\": unmatched \"}\" at character \(position) (write }} for a brace)")
                }
                characters.removeFirst()
                position += 1
                literal.append("}")
            } else {
                literal.append(c)
            }
        }
        if name != nil { throw TextEmbeddingError("template \"\(text)\": placeholder not closed (expected \"}\")") }
        if !literal.isEmpty { parts.append(.literal(literal)) }
        guard parts.contains(where: { if case .feature = $0 { true } else { false } }) else {
            throw TextEmbeddingError("template \"\(text)\": no {feature} placeholder")
        }
        self.parts = parts
        description = text
    }

    /// The default template over some features: their values joined by ". ".
    public static func joining(_ features: [String]) throws(TextEmbeddingError) -> TextTemplate {
        guard !features.isEmpty else { throw TextEmbeddingError("no text features given") }
        return try TextTemplate(features.map { "{\($0)}" }.joined(separator: ". "))
    }

    /// The text of one item; `value` gives a feature's value (every name in `features`). Empty
    /// when every feature is null or empty: the literal parts alone say nothing about the item.
    public func render(_ value: (String) -> JSONValue) -> String {
        var text = "", known = false
        for part in parts {
            switch part {
            case .literal(let s): text += s
            case .feature(let f):
                let v = Self.text(value(f))
                known = known || !v.isEmpty
                text += v
            }
        }
        guard known else { return "" }
        return text.split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    static func text(_ value: JSONValue) -> String {
        switch value {
        case .null: ""
        case .bool(let b): b ? "yes" : "no"
        case .integer(let i): String(i)
        case .number(let d): d == d.rounded() && abs(d) < 1e15 ? String(Int64(d)) : String(d)
        case .string(let s): s
        case .array(let list): list.map(text).filter { !$0.isEmpty }.joined(separator: ", ")
        case .object: ""
        }
    }
}

public struct TextEmbeddingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
