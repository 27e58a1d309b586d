/// PostgreSQL's COPY text format: one row per line, columns separated by tabs, `\N` for NULL,
/// and backslash escapes for backslash, tab, newline and carriage return inside values.
public enum CopyTextFormat {
    static let tab: UInt8 = 9, newline: UInt8 = 10, carriageReturn: UInt8 = 13, backslash: UInt8 = 92

    /// Appends one row, escaped, with its terminating newline.
    public static func appendRow(_ row: [String?], to buffer: inout [UInt8]) {
        for (index, value) in row.enumerated() {
            if index > 0 { buffer.append(tab) }
            guard var value else {
                buffer.append(backslash)
                buffer.append(UInt8(ascii: "N"))
                continue
            }
            value.withUTF8 { bytes in
                // Fast path: most values need no escaping and are appended in one copy.
                if !bytes.contains(where: { $0 == tab || $0 == newline || $0 == carriageReturn || $0 == backslash }) {
                    buffer.append(contentsOf: bytes)
                    return
                }
                for byte in bytes {
                    switch byte {
                    case backslash: buffer.append(backslash); buffer.append(backslash)
                    case tab: buffer.append(backslash); buffer.append(UInt8(ascii: "t"))
                    case newline: buffer.append(backslash); buffer.append(UInt8(ascii: "n"))
                    case carriageReturn: buffer.append(backslash); buffer.append(UInt8(ascii: "r"))
                    default: buffer.append(byte)
                    }
                }
            }
        }
        buffer.append(newline)
    }

    /// Splits one line (without or with its trailing newline) into unescaped column values.
    public static func parseRow(_ line: UnsafeRawBufferPointer) -> [String?] {
        var end = line.count
        if end > 0, line[end - 1] == newline { end -= 1 }
        var columns: [String?] = []
        var field: [UInt8] = []
        var escaped = false, sawEscape = false
        var start = 0
        func finish(_ upTo: Int) {
            if sawEscape {
                columns.append(field.count == 1 && field[0] == 0 ? nil : String(decoding: field, as: UTF8.self))
            } else {
                columns.append(String(decoding: UnsafeRawBufferPointer(rebasing: line[start..<upTo]), as: UTF8.self))
            }
            field.removeAll(keepingCapacity: true)
            sawEscape = false
        }
        var index = 0
        while index < end {
            let byte = line[index]
            if escaped {
                escaped = false
                switch byte {
                case UInt8(ascii: "N"): field = [0]  // marker for NULL: \N is always the whole field
                case UInt8(ascii: "t"): field.append(tab)
                case UInt8(ascii: "n"): field.append(newline)
                case UInt8(ascii: "r"): field.append(carriageReturn)
                case UInt8(ascii: "b"): field.append(8)
                case UInt8(ascii: "f"): field.append(12)
                case UInt8(ascii: "v"): field.append(11)
                default: field.append(byte)
                }
            } else if byte == backslash {
                if !sawEscape {
                    field.append(contentsOf: UnsafeRawBufferPointer(rebasing: line[start..<index]))
                    sawEscape = true
                }
                escaped = true
            } else if byte == tab {
                finish(index)
                start = index + 1
            } else if sawEscape {
                field.append(byte)
            }
            index += 1
        }
        finish(end)
        return columns
    }
}
