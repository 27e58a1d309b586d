import Foundation

/// Why a JSON value does not fit a feature's type, worded for whoever sent it.
public struct ValueError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// The one set of rules for values arriving as JSON (API pushes, JSON lines, the CLI), so the
/// online and the offline store accept and reject exactly the same values:
/// - integers must fit the type (`int32` through `Int32(exactly:)`);
/// - floating-point values must be finite, and fit a `float` for `float` features and vectors
///   (NaN and ±Infinity are rejected everywhere, CSV included);
/// - strings must not contain U+0000, which PostgreSQL text cannot hold;
/// - timestamps are RFC 3339 text or epoch seconds within `Timestamp`'s range;
/// - vectors have exactly their dimension of numbers.
public enum ValueCheck {
    public static func integer(_ value: JSONValue, _ type: ValueType) throws(ValueError) -> Int64 {
        guard case .integer(let number) = value else { throw mismatch(value, type) }
        if type == .int32, Int32(exactly: number) == nil {
            throw ValueError("\(number) does not fit int32 (-2147483648...2147483647)")
        }
        return number
    }

    public static func floatingPoint(_ value: JSONValue, _ type: ValueType) throws(ValueError) -> Double {
        let number: Double
        switch value {
        case .integer(let integer): number = Double(integer)
        case .number(let double): number = double
        default: throw mismatch(value, type)
        }
        guard number.isFinite else { throw ValueError("\(number) is not a finite number (NaN and infinities are not accepted)") }
        if type == .float, Float(number).isInfinite {
            throw ValueError("\(number) does not fit a float (±3.4e38)")
        }
        return number
    }

    public static func string(_ value: JSONValue, _ type: ValueType = .string) throws(ValueError) -> String {
        guard case .string(let text) = value else { throw mismatch(value, type) }
        guard !text.utf8.contains(0) else { throw ValueError("text contains a NUL character (U+0000), which is not accepted") }
        return text
    }

    public static func bool(_ value: JSONValue) throws(ValueError) -> Bool {
        guard case .bool(let flag) = value else { throw mismatch(value, .bool) }
        return flag
    }

    /// Microseconds since 1970 of RFC 3339 text or epoch seconds (integer or fractional).
    public static func timestampMicros(_ value: JSONValue) throws(ValueError) -> Int64 {
        do {
            switch value {
            case .string(let text): return try Timestamp.parseMicros(text)
            case .integer(let seconds): return try Timestamp.micros(epochSeconds: seconds)
            case .number(let seconds): return try Timestamp.micros(epochSeconds: seconds)
            default: throw mismatch(value, .timestamp)
            }
        } catch let error as Timestamp.InvalidTime {
            throw ValueError(error.description)
        } catch let error as ValueError {
            throw error
        } catch {
            throw ValueError("\(error)")
        }
    }

    public static func bytes(_ value: JSONValue) throws(ValueError) -> Data {
        guard case .string(let text) = value, let data = Data(base64Encoded: text) else {
            throw ValueError("expected bytes as base64 text, found \(value.shown)")
        }
        return data
    }

    public static func vector(_ value: JSONValue, dimensions: Int) throws(ValueError) -> [Float] {
        guard case .array(let items) = value else { throw mismatch(value, .vector(dimensions)) }
        guard items.count == dimensions else {
            throw ValueError("expected an embedding of \(dimensions) numbers, found \(items.count)")
        }
        var values: [Float] = []
        values.reserveCapacity(dimensions)
        for (index, item) in items.enumerated() {
            do { values.append(Float(try floatingPoint(item, .float))) } catch {
                throw ValueError("element \(index): \(error.description)")
            }
        }
        return values
    }

    public static func mismatch(_ value: JSONValue, _ type: ValueType) -> ValueError {
        ValueError(type == .timestamp
            ? "expected a timestamp (RFC 3339 text or epoch seconds), found \(value.shown)"
            : "expected \(type), found \(value.shown)")
    }
}
