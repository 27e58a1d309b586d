import Foundation

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

    /// From a JSON value sent to the API or CLI, by `ValueCheck`'s rules (the offline store's).
    public init(json: JSONValue, type: ValueType) throws(ValueError) {
        if json == .null { self = .null; return }
        switch type {
        case .int32, .int64: self = .int(try ValueCheck.integer(json, type))
        case .float, .double: self = .double(try ValueCheck.floatingPoint(json, type))
        case .string: self = .string(try ValueCheck.string(json))
        case .bool: self = .bool(try ValueCheck.bool(json))
        case .timestamp: self = .timestamp(try ValueCheck.timestampMicros(json))
        case .bytes: self = .bytes(Array(try ValueCheck.bytes(json)))
        case .list(let element):
            guard case .array(let items) = json else { throw ValueCheck.mismatch(json, type) }
            var values: [FeatureValue] = []
            values.reserveCapacity(items.count)
            for (index, item) in items.enumerated() {
                do { values.append(try FeatureValue(json: item, type: element)) } catch {
                    throw ValueError("element \(index): \(error.description)")
                }
            }
            self = .list(values)
        case .vector(let dimensions): self = .vector(try ValueCheck.vector(json, dimensions: dimensions))
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

    // MARK: Time

    static func micros(_ date: Date) -> Int64 { Timestamp.micros(date) }

    /// RFC 3339 in UTC with microseconds when there are any.
    public static func rfc3339(micros: Int64) -> String {
        Timestamp.format(micros: micros, iso: true)
    }
}
