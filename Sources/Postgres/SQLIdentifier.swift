/// A validated SQL identifier (table, column, schema name).
///
/// Values are always sent as statement parameters; identifiers cannot be, so every identifier
/// that reaches generated SQL goes through this type: it accepts only `[A-Za-z_][A-Za-z0-9_]*`
/// of at most 63 bytes (PostgreSQL's NAMEDATALEN - 1) and is always emitted double-quoted.
public struct SQLIdentifier: Hashable, Sendable, CustomStringConvertible {
    public let name: String

    public init(_ name: String) throws(PostgresError) {
        guard SQLIdentifier.isValid(name) else {
            throw PostgresError(.invalidInput,
                "invalid identifier \"\(name)\": expected a letter or underscore followed by letters, digits or underscores, at most 63 characters")
        }
        self.name = name
    }

    public static func isValid(_ name: String) -> Bool {
        let bytes = Array(name.utf8)
        guard let first = bytes.first, bytes.count <= 63 else { return false }
        func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) || b == 95 }
        return isLetter(first) && bytes.allSatisfy { isLetter($0) || ($0 >= 48 && $0 <= 57) }
    }

    /// The identifier double-quoted, ready to splice into SQL.
    public var quoted: String { "\"\(name)\"" }
    public var description: String { quoted }
}
