/// A one-dimensional array parameter (`text[]`, `int8[]`, ...) in PostgreSQL's array literal
/// form: every element double-quoted with `"` and `\` escaped, NULL for nil.
public struct PostgresArray: PostgresEncodable {
    public let elements: [String?]

    public init(_ elements: [(any PostgresEncodable)?]) {
        self.elements = elements.map { $0?.postgresText }
    }

    public var postgresText: String {
        var text = "{"
        for (index, element) in elements.enumerated() {
            if index > 0 { text += "," }
            guard let element else { text += "NULL"; continue }
            text += "\""
            for character in element {
                if character == "\"" || character == "\\" { text.append("\\") }
                text.append(character)
            }
            text += "\""
        }
        return text + "}"
    }
}
