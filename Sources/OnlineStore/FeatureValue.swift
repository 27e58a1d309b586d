import FeatureRegistry
import Foundation
import OfflineStore
import Postgres

/// One feature value as the online store keeps it.
public enum FeatureValue: Equatable, Sendable {
    case null
    case int(Int64)
    case double(Double)
    case string(String)
    case bool(Bool)
    /// Microseconds since 1970-01-01 UTC.
    case timestamp(Int64)
    case bytes([UInt8])
    case list([FeatureValue])
    case vector([Float])

    /// From a JSON value sent to the API or CLI; nil when it does not fit `type`.
    public init?(json: JSONValue, type: ValueType) {
        switch (type, json) {
        case (_, .null): self = .null
        case (.int32, .integer(let n)): guard Int32(exactly: n) != nil else { return nil }; self = .int(n)
        case (.int64, .integer(let n)): self = .int(n)
        case (.float, .integer(let n)), (.double, .integer(let n)): self = .double(Double(n))
        case (.float, .number(let d)), (.double, .number(let d)): self = .double(d)
        case (.string, .string(let s)): self = .string(s)
        case (.bool, .bool(let b)): self = .bool(b)
        case (.timestamp, .string(let s)):
            guard let date = PostgresTimestamp.parse(s) else { return nil }
            self = .timestamp(Self.micros(date))
        case (.timestamp, .integer(let seconds)): self = .timestamp(seconds * 1_000_000)
        case (.timestamp, .number(let seconds)): self = .timestamp(Int64((seconds * 1_000_000).rounded()))
        case (.bytes, .string(let base64)):
            guard let data = Data(base64Encoded: base64) else { return nil }
            self = .bytes(Array(data))
        case (.list(let element), .array(let items)):
            var values: [FeatureValue] = []
            for item in items {
                guard let value = FeatureValue(json: item, type: element) else { return nil }
                values.append(value)
            }
            self = .list(values)
        case (.vector(let dimensions), .array(let items)):
            guard items.count == dimensions else { return nil }
            var values: [Float] = []
            for item in items {
                switch item {
                case .integer(let n): values.append(Float(n))
                case .number(let d): values.append(Float(d))
                default: return nil
                }
            }
            self = .vector(values)
        default: return nil
        }
    }

    /// The value as JSON for API responses: timestamps as RFC 3339, bytes as base64.
    public var json: JSONValue {
        switch self {
        case .null: .null
        case .int(let n): .integer(n)
        case .double(let d): .number(d)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .timestamp(let micros): .string(Self.rfc3339(micros: micros))
        case .bytes(let data): .string(Data(data).base64EncodedString())
        case .list(let items): .array(items.map(\.json))
        case .vector(let values): .array(values.map { .number(Double($0)) })
        }
    }

    public var isNull: Bool { self == .null }

    // MARK: MessagePack

    var messagePack: MessagePackValue {
        switch self {
        case .null: .null
        case .int(let n), .timestamp(let n): .int(n)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .bytes(let data): .binary(data)
        case .list(let items): .array(items.map(\.messagePack))
        case .vector(let values):
            // Raw little-endian float32: 4 bytes a dimension instead of 9 for a MessagePack double.
            .binary(values.withUnsafeBytes { Array($0) })
        }
    }

    init(messagePack: MessagePackValue, type: ValueType) {
        switch (type, messagePack) {
        case (.timestamp, .int(let n)): self = .timestamp(n)
        case (_, .int(let n)): self = (type == .float || type == .double) ? .double(Double(n)) : .int(n)
        case (_, .double(let d)): self = .double(d)
        case (_, .string(let s)): self = .string(s)
        case (_, .bool(let b)): self = .bool(b)
        case (.vector, .binary(let data)):
            self = .vector(data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        case (_, .binary(let data)): self = .bytes(data)
        case (.list(let element), .array(let items)): self = .list(items.map { FeatureValue(messagePack: $0, type: element) })
        default: self = .null
        }
    }

    // MARK: Time

    static func micros(_ date: Date) -> Int64 { Int64((date.timeIntervalSince1970 * 1_000_000).rounded()) }

    /// RFC 3339 in UTC with microseconds when there are any.
    public static func rfc3339(micros: Int64) -> String {
        PostgresTimestamp.format(micros: micros, iso: true)
    }
}
