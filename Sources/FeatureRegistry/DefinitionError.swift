/// A problem in a definitions file, worded for the person who has to fix it: which file, which
/// line, where inside the document, what was found and what was expected.
public struct DefinitionError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    /// Where inside the document, e.g. `feature_views[1].features.rating.type`.
    public let path: String
    public let found: String
    public let expected: String

    public init(file: String, line: Int?, path: String, found: String, expected: String) {
        self.file = file
        self.line = line
        self.path = path
        self.found = found
        self.expected = expected
    }

    public var description: String {
        let location = line.map { "\(file):\($0)" } ?? file
        return "\(location): \(path.isEmpty ? "document" : path): found \(found), expected \(expected)"
    }
}
