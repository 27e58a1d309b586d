/// Writes JSON bytes directly: API responses are written on every request, and Foundation's
/// `JSONEncoder` (generic `Encodable` machinery) cost more than the Redis round trip.
public enum JSONWriter {
    public static func write(_ value: JSONValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes += [110, 117, 108, 108]  // null
        case .bool(let flag): bytes += flag ? Array("true".utf8) : Array("false".utf8)
        case .integer(let number): bytes += Array(String(number).utf8)
        case .number(let number):
            // JSON has no NaN or infinities.
            if number.isFinite {
                bytes += Array((number == number.rounded() && abs(number) < 1e15 ? String(Int64(number)) : "\(number)").utf8)
            } else {
                bytes += [110, 117, 108, 108]
            }
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

    public static func writeString(_ text: String, into bytes: inout [UInt8]) {
        bytes.append(UInt8(ascii: "\""))
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
