import Yams

/// A YAML node together with where it came from, so every error can name the file, the line
/// and the path inside the document.
public struct YAMLNode {
    public init(node: Node, file: String, path: String) {
        self.node = node
        self.file = file
        self.path = path
    }

    public let node: Node
    public let file: String
    public let path: String

    /// The root of a YAML document, or an error naming the file: invalid YAML, or an empty
    /// document (`expected` says what the document should hold).
    public static func document(_ text: String, file: String, expected: String) throws(DefinitionError) -> YAMLNode {
        let root: Node?
        do { root = try Yams.compose(yaml: text) } catch {
            throw DefinitionError(file: file, line: nil, path: "", found: "invalid YAML (\(error))", expected: "well-formed YAML")
        }
        guard let root else { throw DefinitionError(file: file, line: 1, path: "", found: "an empty document", expected: expected) }
        return YAMLNode(node: root, file: file, path: "")
    }

    public var line: Int? { node.mark?.line }

    public func error(found: String, expected: String) -> DefinitionError {
        DefinitionError(file: file, line: line, path: path, found: found, expected: expected)
    }

    private var shown: String {
        switch node {
        case .scalar(let scalar): "\"\(scalar.string)\""
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        }
    }

    public func string(expected: String = "a string") throws(DefinitionError) -> String {
        guard case .scalar(let scalar) = node else { throw error(found: shown, expected: expected) }
        return scalar.string
    }

    public func int(expected: String = "an integer") throws(DefinitionError) -> Int {
        guard case .scalar(let scalar) = node, let value = Int(scalar.string) else { throw error(found: shown, expected: expected) }
        return value
    }

    /// A finite number (integers included).
    public func double(expected: String = "a number") throws(DefinitionError) -> Double {
        guard case .scalar(let scalar) = node, let value = Double(scalar.string), value.isFinite else { throw error(found: shown, expected: expected) }
        return value
    }

    /// The node as a list of its items.
    public func list(expected: String = "a list") throws(DefinitionError) -> [YAMLNode] {
        guard case .sequence(let sequence) = node else { throw error(found: shown, expected: expected) }
        return sequence.enumerated().map { YAMLNode(node: $1, file: file, path: "\(path)[\($0)]") }
    }

    /// The node as a mapping whose keys must all be in `allowed` (typos are errors, not ignored);
    /// `allowed` nil takes any key (a map of names chosen by the user).
    public func mapping(allowed: [String]?, expected: String = "a mapping") throws(DefinitionError) -> YAMLMapping {
        guard case .mapping(let mapping) = node else { throw error(found: shown, expected: expected) }
        var entries: [(String, YAMLNode)] = []
        for (key, value) in mapping {
            let name = key.string ?? "?"
            let child = YAMLNode(node: value, file: file, path: path.isEmpty ? name : "\(path).\(name)")
            guard allowed?.contains(name) ?? true else {
                throw YAMLNode(node: key, file: file, path: child.path)
                    .error(found: "unknown key \"\(name)\"", expected: "one of \(allowed?.joined(separator: ", ") ?? "")")
            }
            entries.append((name, child))
        }
        return YAMLMapping(owner: self, entries: entries)
    }

    /// A mapping of free-form string keys to string values (tags).
    public func stringMap() throws(DefinitionError) -> [String: String] {
        guard case .mapping(let mapping) = node else { throw error(found: shown, expected: "a mapping of names to strings") }
        var result: [String: String] = [:]
        for (key, value) in mapping {
            let child = YAMLNode(node: value, file: file, path: "\(path).\(key.string ?? "?")")
            result[key.string ?? "?"] = try child.string()
        }
        return result
    }
}

/// The entries of a mapping node, looked up by key.
public struct YAMLMapping: Sequence {
    let owner: YAMLNode
    let entries: [(String, YAMLNode)]

    public func makeIterator() -> IndexingIterator<[(String, YAMLNode)]> { entries.makeIterator() }

    public subscript(key: String) -> YAMLNode? { entries.first { $0.0 == key }?.1 }

    public func required(_ key: String, expected: String) throws(DefinitionError) -> YAMLNode {
        guard let node = self[key] else {
            throw DefinitionError(file: owner.file, line: owner.line, path: owner.path.isEmpty ? key : "\(owner.path).\(key)",
                                  found: "nothing", expected: expected)
        }
        return node
    }
}
