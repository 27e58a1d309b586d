/// A value stored in the registry as it is written in definitions (`int64`, `user_stats:rating`),
/// so stored specs read like the YAML they came from.
public protocol CodableAsSpelling: Codable, CustomStringConvertible {
    /// Parses the spelling; nil when it is not valid.
    init?(parsing text: String)
}

extension CodableAsSpelling {
    public init(from decoder: any Decoder) throws {
        let text = try decoder.singleValueContainer().decode(String.self)
        guard let value = Self(parsing: text) else {
            throw DecodingError.dataCorrupted(.init(codingPath: decoder.codingPath, debugDescription: "bad \(Self.self) \"\(text)\""))
        }
        self = value
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.singleValueContainer()
        try container.encode(description)
    }
}
