import Core
import Foundation

/// A Swift value that can be sent as a statement parameter, in PostgreSQL's text format.
/// Parameters are never spliced into SQL: they travel separately through `PQexecParams`.
public protocol PostgresEncodable: Sendable {
    /// The value in PostgreSQL's text input format.
    var postgresText: String { get }
}

/// A Swift value that can be read from a result column in PostgreSQL's text output format.
public protocol PostgresDecodable {
    init?(postgresText: String)
}

extension String: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self }
    public init?(postgresText: String) { self = postgresText }
}

extension Int: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int32: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Int64: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { String(self) }
    public init?(postgresText: String) { self.init(postgresText) }
}

extension Double: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { PostgresFloatText.format(self) }
    public init?(postgresText: String) { self.init(PostgresFloatText.normalize(postgresText)) }
}

extension Float: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { PostgresFloatText.format(Double(self)) }
    public init?(postgresText: String) { self.init(PostgresFloatText.normalize(postgresText)) }
}

extension Bool: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { self ? "t" : "f" }
    public init?(postgresText: String) {
        switch postgresText {
        case "t", "true": self = true
        case "f", "false": self = false
        default: return nil
        }
    }
}

/// `bytea` in hex format (`\x0a1b...`).
extension Data: PostgresEncodable, PostgresDecodable {
    public var postgresText: String {
        "\\x" + map { String(format: "%02x", $0) }.joined()
    }
    public init?(postgresText: String) {
        guard postgresText.hasPrefix("\\x") else { return nil }
        let hex = Array(postgresText.utf8.dropFirst(2))
        guard hex.count % 2 == 0 else { return nil }
        var bytes = [UInt8]()
        bytes.reserveCapacity(hex.count / 2)
        var index = 0
        while index < hex.count {
            guard let high = hexValue(hex[index]), let low = hexValue(hex[index + 1]) else { return nil }
            bytes.append(high << 4 | low)
            index += 2
        }
        self.init(bytes)
    }
}

private func hexValue(_ byte: UInt8) -> UInt8? {
    switch byte {
    case 48...57: byte - 48
    case 97...102: byte - 87
    case 65...70: byte - 55
    default: nil
    }
}

/// Timestamps travel as ISO 8601 in UTC with microseconds; sessions run with `TimeZone=UTC`.
extension Date: PostgresEncodable, PostgresDecodable {
    public var postgresText: String { Timestamp.format(self) }
    public init?(postgresText: String) {
        guard let date = Timestamp.parse(postgresText) else { return nil }
        self = date
    }
}

/// Float formatting that PostgreSQL reads back exactly (`NaN`, `Infinity`, shortest round-trip digits).
enum PostgresFloatText {
    static func format(_ value: Double) -> String {
        if value.isNaN { return "NaN" }
        if value.isInfinite { return value > 0 ? "Infinity" : "-Infinity" }
        return "\(value)"
    }
    static func normalize(_ text: String) -> String {
        switch text {
        case "Infinity": "inf"
        case "-Infinity": "-inf"
        case "NaN": "nan"
        default: text
        }
    }
}
