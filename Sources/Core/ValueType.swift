/// The type of a feature or entity key, as written in definitions: `int32`, `int64`, `float`,
/// `double`, `string`, `bool`, `timestamp`, `bytes`, `list<T>` of a scalar, or `vector(n)`.
public indirect enum ValueType: Hashable, Sendable, CodableAsSpelling {
    case int32, int64, float, double, string, bool, timestamp, bytes
    case list(ValueType)
    /// A fixed-length embedding: pgvector's `vector(n)`, or `real[]` where pgvector is absent.
    case vector(Int)

    static let scalars: [String: ValueType] = [
        "int32": .int32, "int64": .int64, "float": .float, "double": .double, "string": .string,
        "bool": .bool, "timestamp": .timestamp, "bytes": .bytes,
    ]

    /// What a definition may say, for error messages.
    public static let expectedSpelling =
        "one of int32, int64, float, double, string, bool, timestamp, bytes, list<T> (T one of those), vector(n) with 1 <= n <= 16000"

    /// Parses a type name; nil when it is not one of the spellings above.
    public init?(parsing text: String) {
        let name = text.trimmingCharacters(in: .whitespaces).lowercased()
        if let scalar = Self.scalars[name] {
            self = scalar
        } else if name.hasPrefix("list<"), name.hasSuffix(">"),
                  let element = Self.scalars[String(name.dropFirst(5).dropLast())] {
            self = .list(element)
        } else if name.hasPrefix("vector("), name.hasSuffix(")"),
                  let dimensions = Int(name.dropFirst(7).dropLast()), (1...16_000).contains(dimensions) {
            self = .vector(dimensions)
        } else {
            return nil
        }
    }

    public var description: String {
        switch self {
        case .int32: "int32"
        case .int64: "int64"
        case .float: "float"
        case .double: "double"
        case .string: "string"
        case .bool: "bool"
        case .timestamp: "timestamp"
        case .bytes: "bytes"
        case .list(let element): "list<\(element)>"
        case .vector(let dimensions): "vector(\(dimensions))"
        }
    }

    /// The PostgreSQL column type. Embeddings are `vector(n)` with pgvector, else `real[]`.
    public func postgresType(pgvector: Bool) -> String {
        switch self {
        case .int32: "integer"
        case .int64: "bigint"
        case .float: "real"
        case .double: "double precision"
        case .string: "text"
        case .bool: "boolean"
        case .timestamp: "timestamptz"
        case .bytes: "bytea"
        case .list(let element): element.postgresType(pgvector: pgvector) + "[]"
        case .vector(let dimensions): pgvector ? "vector(\(dimensions))" : "real[]"
        }
    }

    /// True for types an entity key may have.
    public var isValidKey: Bool { [.int32, .int64, .string].contains(self) }
}
