/// A bounds-checked little-endian cursor over the bytes of a GGUF file.
///
/// Every read checks the remaining length first and throws ``GGUFError/truncated`` instead of
/// reading past the end, so corrupt files cannot crash the process.
struct GGUFReader {
    let base: UnsafeRawPointer
    let size: Int
    private(set) var offset: Int = 0

    init(base: UnsafeRawPointer, size: Int) {
        self.base = base
        self.size = size
    }

    private func require(_ n: Int, _ what: String) throws(GGUFError) {
        if n < 0 || n > size - offset {
            throw .truncated(offset: offset, needed: n, fileSize: size, what: what)
        }
    }

    mutating func read<T: FixedWidthInteger>(_: T.Type, _ what: String) throws(GGUFError) -> T {
        try require(MemoryLayout<T>.size, what)
        let v = base.loadUnaligned(fromByteOffset: offset, as: T.self)
        offset += MemoryLayout<T>.size
        return T(littleEndian: v)
    }

    mutating func readFloat(_ what: String) throws(GGUFError) -> Float {
        Float(bitPattern: try read(UInt32.self, what))
    }

    mutating func readDouble(_ what: String) throws(GGUFError) -> Double {
        Double(bitPattern: try read(UInt64.self, what))
    }

    /// Reads a count and rejects counts that could not possibly fit in the rest of the file
    /// (each element needs at least `minElementBytes`), so corrupt lengths never trigger huge
    /// allocations.
    mutating func readCount(_ what: String, minElementBytes: Int) throws(GGUFError) -> Int {
        let raw = try read(UInt64.self, "\(what) count")
        guard raw <= UInt64(Int.max), Int(raw) <= (size - offset) / max(1, minElementBytes) else {
            throw .unreasonableCount(raw > UInt64(Int.max) ? Int.max : Int(raw), what: what)
        }
        return Int(raw)
    }

    mutating func readString(_ what: String) throws(GGUFError) -> String {
        let start = offset
        let n = try readCount(what, minElementBytes: 1)
        try require(n, what)
        let bytes = UnsafeRawBufferPointer(start: base + offset, count: n)
        offset += n
        // GGUF strings are UTF-8; repair rather than fail on invalid sequences except for keys.
        if let s = String(validating: bytes, as: UTF8.self) { return s }
        _ = start
        return String(decoding: bytes, as: UTF8.self)
    }

    mutating func skip(to newOffset: Int) throws(GGUFError) {
        guard newOffset >= offset, newOffset <= size else {
            throw .truncated(offset: offset, needed: newOffset - offset, fileSize: size, what: "padding")
        }
        offset = newOffset
    }

    /// Reads one metadata value of the given GGUF type code.
    mutating func readValue(type: UInt32, key: String, depth: Int = 0) throws(GGUFError) -> GGUFValue {
        switch type {
        case 0: return .uint8(try read(UInt8.self, key))
        case 1: return .int8(try read(Int8.self, key))
        case 2: return .uint16(try read(UInt16.self, key))
        case 3: return .int16(try read(Int16.self, key))
        case 4: return .uint32(try read(UInt32.self, key))
        case 5: return .int32(try read(Int32.self, key))
        case 6: return .float32(try readFloat(key))
        case 7:
            let b = try read(UInt8.self, key)
            guard b <= 1 else { throw .invalidValueType(type, key: key) }
            return .bool(b == 1)
        case 8: return .string(try readString(key))
        case 9:
            guard depth < 8 else { throw .invalidValueType(type, key: key) }
            let elementType = try read(UInt32.self, "\(key) array type")
            let minBytes: Int
            switch elementType {
            case 0, 1, 7: minBytes = 1
            case 2, 3: minBytes = 2
            case 4, 5, 6: minBytes = 4
            case 8, 9, 10, 11, 12: minBytes = 8
            default: throw .invalidValueType(elementType, key: key)
            }
            let n = try readCount("\(key) array", minElementBytes: minBytes)
            var items: [GGUFValue] = []
            items.reserveCapacity(n)
            for _ in 0..<n {
                items.append(try readValue(type: elementType, key: key, depth: depth + 1))
            }
            return .array(items)
        case 10: return .uint64(try read(UInt64.self, key))
        case 11: return .int64(try read(Int64.self, key))
        case 12: return .float64(try readDouble(key))
        default: throw .invalidValueType(type, key: key)
        }
    }
}
