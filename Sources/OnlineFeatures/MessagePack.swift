/// The subset of MessagePack the online store uses: nil, booleans, integers, float64, strings,
/// binary and arrays. MessagePack because Redis's Lua has `cmsgpack`, so the write script can
/// read and rewrite a view's version list atomically on the server.
public enum MessagePackValue: Equatable, Sendable {
    case null
    case bool(Bool)
    case int(Int64)
    case double(Double)
    case string(String)
    case binary([UInt8])
    /// Bytes written with the MessagePack *string* type: Redis's Lua cmsgpack predates the
    /// binary types, so anything the write script must read travels as a string.
    case rawString([UInt8])
    case array([MessagePackValue])
}

public enum MessagePack {
    public struct DecodingError: Error, CustomStringConvertible {
        public let description: String
    }

    public static func encode(_ value: MessagePackValue) -> [UInt8] {
        var bytes: [UInt8] = []
        encode(value, into: &bytes)
        return bytes
    }

    public static func encode(_ value: MessagePackValue, into bytes: inout [UInt8]) {
        switch value {
        case .null: bytes.append(0xc0)
        case .bool(let flag): bytes.append(flag ? 0xc3 : 0xc2)
        case .int(let number):
            if number >= 0 && number < 128 { bytes.append(UInt8(number)) }
            else if number < 0 && number >= -32 { bytes.append(UInt8(bitPattern: Int8(number))) }
            else { bytes.append(0xd3); append(UInt64(bitPattern: number), 8, &bytes) }
        case .double(let number): bytes.append(0xcb); append(number.bitPattern, 8, &bytes)
        case .string(let text):
            encode(.rawString(Array(text.utf8)), into: &bytes)
        case .rawString(let utf8):
            if utf8.count < 32 { bytes.append(0xa0 | UInt8(utf8.count)) }
            else if utf8.count < 256 { bytes.append(0xd9); bytes.append(UInt8(utf8.count)) }
            else if utf8.count < 65_536 { bytes.append(0xda); append(UInt64(utf8.count), 2, &bytes) }
            else { bytes.append(0xdb); append(UInt64(utf8.count), 4, &bytes) }
            bytes.append(contentsOf: utf8)
        case .binary(let data):
            if data.count < 256 { bytes.append(0xc4); bytes.append(UInt8(data.count)) }
            else if data.count < 65_536 { bytes.append(0xc5); append(UInt64(data.count), 2, &bytes) }
            else { bytes.append(0xc6); append(UInt64(data.count), 4, &bytes) }
            bytes.append(contentsOf: data)
        case .array(let items):
            if items.count < 16 { bytes.append(0x90 | UInt8(items.count)) }
            else if items.count < 65_536 { bytes.append(0xdc); append(UInt64(items.count), 2, &bytes) }
            else { bytes.append(0xdd); append(UInt64(items.count), 4, &bytes) }
            for item in items { encode(item, into: &bytes) }
        }
    }

    private static func append(_ value: UInt64, _ count: Int, _ bytes: inout [UInt8]) {
        for shift in stride(from: (count - 1) * 8, through: 0, by: -8) { bytes.append(UInt8(truncatingIfNeeded: value >> UInt64(shift))) }
    }

    /// Decodes one value; throws on truncated or unsupported input (never traps).
    /// With `stringsAsBinary`, strings come back as `.binary` with their exact bytes (Lua's
    /// cmsgpack writes every Lua string as a MessagePack string, even binary ones).
    public static func decode(_ bytes: [UInt8], stringsAsBinary: Bool = false) throws -> MessagePackValue {
        var reader = Reader(bytes: bytes, stringsAsBinary: stringsAsBinary)
        return try reader.value()
    }

    struct Reader {
        let bytes: [UInt8]
        let stringsAsBinary: Bool
        var offset = 0

        mutating func take(_ count: Int) throws -> ArraySlice<UInt8> {
            guard count >= 0, offset + count <= bytes.count else { throw DecodingError(description: "truncated MessagePack") }
            defer { offset += count }
            return bytes[offset..<offset + count]
        }

        mutating func unsigned(_ count: Int) throws -> UInt64 {
            try take(count).reduce(0) { $0 << 8 | UInt64($1) }
        }

        mutating func value() throws -> MessagePackValue {
            let tag = try take(1).first!
            switch tag {
            case 0x00...0x7f: return .int(Int64(tag))
            case 0xe0...0xff: return .int(Int64(Int8(bitPattern: tag)))
            case 0x80...0x8f: throw DecodingError(description: "maps are not used")
            case 0x90...0x9f: return try array(Int(tag & 0x0f))
            case 0xa0...0xbf: return try string(Int(tag & 0x1f))
            case 0xc0: return .null
            case 0xc2: return .bool(false)
            case 0xc3: return .bool(true)
            case 0xc4: return .binary(Array(try take(Int(try unsigned(1)))))
            case 0xc5: return .binary(Array(try take(Int(try unsigned(2)))))
            case 0xc6: return .binary(Array(try take(Int(try unsigned(4)))))
            case 0xca: return .double(Double(Float(bitPattern: UInt32(try unsigned(4)))))
            case 0xcb: return .double(Double(bitPattern: try unsigned(8)))
            case 0xcc: return .int(Int64(try unsigned(1)))
            case 0xcd: return .int(Int64(try unsigned(2)))
            case 0xce: return .int(Int64(try unsigned(4)))
            case 0xcf: return .int(Int64(bitPattern: try unsigned(8)))
            case 0xd0: return .int(Int64(Int8(bitPattern: UInt8(try unsigned(1)))))
            case 0xd1: return .int(Int64(Int16(bitPattern: UInt16(try unsigned(2)))))
            case 0xd2: return .int(Int64(Int32(bitPattern: UInt32(try unsigned(4)))))
            case 0xd3: return .int(Int64(bitPattern: try unsigned(8)))
            case 0xd9: return try string(Int(try unsigned(1)))
            case 0xda: return try string(Int(try unsigned(2)))
            case 0xdb: return try string(Int(try unsigned(4)))
            case 0xdc: return try array(Int(try unsigned(2)))
            case 0xdd: return try array(Int(try unsigned(4)))
            default: throw DecodingError(description: String(format: "unsupported MessagePack tag 0x%02x", tag))
            }
        }

        mutating func string(_ count: Int) throws -> MessagePackValue {
            let raw = try take(count)
            return stringsAsBinary ? .binary(Array(raw)) : .string(String(decoding: raw, as: UTF8.self))
        }

        mutating func array(_ count: Int) throws -> MessagePackValue {
            guard count <= bytes.count - offset else { throw DecodingError(description: "truncated MessagePack array") }
            var items: [MessagePackValue] = []
            items.reserveCapacity(count)
            for _ in 0..<count { items.append(try value()) }
            return .array(items)
        }
    }
}
