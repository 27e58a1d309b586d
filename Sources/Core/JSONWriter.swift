/// Writes JSON bytes directly: API responses are written on every request, and Foundation's
/// `JSONEncoder` (generic `Encodable` machinery) cost more than the Redis round trip.
public enum JSONWriter {
    /// The JSON text of `value`.
    public static func string(_ value: JSONValue) -> String {
        var bytes: [UInt8] = []
        write(value, into: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    public static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: writeNull(into: &bytes)
        case .bool(let flag): writeBool(flag, into: &bytes)
        case .integer(let number): writeInteger(number, into: &bytes)
        case .number(let number): writeNumber(number, into: &bytes)
        case .string(let text): writeString(text, into: &bytes)
        case .array(let items):
            bytes.append(UInt8(ascii: "["))
            for (index, item) in items.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                write(item, into: &bytes)
            }
            bytes.append(UInt8(ascii: "]"))
        case .object(let fields):
            bytes.append(UInt8(ascii: "{"))
            for (index, key) in fields.keys.sorted().enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                writeString(key, into: &bytes)
                bytes.append(UInt8(ascii: ":"))
                write(fields[key]!, into: &bytes)
            }
            bytes.append(UInt8(ascii: "}"))
        }
    }

    public static func writeNull(into bytes: inout [UInt8]) {
        bytes.append(contentsOf: [110, 117, 108, 108])  // null
    }

    public static func writeBool(_ flag: Bool, into bytes: inout [UInt8]) {
        if flag { bytes.append(contentsOf: [116, 114, 117, 101]) } else { bytes.append(contentsOf: [102, 97, 108, 115, 101]) }
    }

    /// Decimal digits, written without an intermediate String.
    public static func writeInteger(_ number: Int64, into bytes: inout [UInt8]) {
        if number < 0 { bytes.append(UInt8(ascii: "-")) }
        var magnitude = number.magnitude
        var digits: (UInt64, UInt64, UInt64) = (0, 0, 0)  // 24 bytes of scratch, enough for 20 digits
        withUnsafeMutableBytes(of: &digits) { scratch in
            var count = 0
            repeat {
                scratch[23 - count] = UInt8(ascii: "0") + UInt8(magnitude % 10)
                magnitude /= 10
                count += 1
            } while magnitude > 0
            bytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: scratch[(24 - count)...]))
        }
    }

    /// Integral values as integers, others in Swift's shortest round-trip form; JSON has no
    /// NaN or infinities, so those are null.
    public static func writeNumber(_ number: Double, into bytes: inout [UInt8]) {
        guard number.isFinite else { return writeNull(into: &bytes) }
        if number == number.rounded() && abs(number) < 1e15 { return writeInteger(Int64(number), into: &bytes) }
        var text = number.description
        text.withUTF8 { bytes.append(contentsOf: $0) }
    }

    public static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
        // Fast path: nothing to escape (the usual case), one copy.
        var copy = text
        let plain = copy.withUTF8 { utf8 -> Bool in
            guard !utf8.contains(where: { $0 < 32 || $0 == UInt8(ascii: "\"") || $0 == UInt8(ascii: "\\") }) else { return false }
            bytes.append(contentsOf: utf8)
            return true
        }
        if plain {
            bytes.append(UInt8(ascii: "\""))
            return
        }
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): bytes += [92, 34]
            case UInt8(ascii: "\\"): bytes += [92, 92]
            case 10: bytes += [92, 110]
            case 13: bytes += [92, 114]
            case 9: bytes += [92, 116]
            case 0..<32:
                let hex = Array("0123456789abcdef".utf8)
                bytes += [92, 117, 48, 48, hex[Int(byte >> 4)], hex[Int(byte & 15)]]
            default: bytes.append(byte)
            }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
