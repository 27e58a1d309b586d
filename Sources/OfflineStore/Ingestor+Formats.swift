import FeatureRegistry
import Foundation
import Postgres

/// Input formats: CSV files (parsed by PostgreSQL's COPY), JSON lines files, and records pushed
/// through the API or CLI (both checked here, value by value, with line numbers).
extension Ingestor {
    /// Loads a CSV file with a header row. Returns the number of rows.
    public func ingestCSV(file: String, on connection: PostgresConnection) throws -> Int {
        let header = try Self.readCSVHeader(file)
        let columns = try checkHeader(header, source: file)
        return try ingest(columns: columns, source: file, on: connection) { tx, staging in
            let names = try columns.map { try SQLIdentifier($0.name).quoted }.joined(separator: ", ")
            try tx.copyIn("COPY \(staging) (\(names)) FROM STDIN WITH (FORMAT csv, HEADER true)", fromFile: file, name: "ingest: copy")
        }
    }

    /// Loads a JSON lines file: one object per line, keys naming columns. Returns the row count.
    public func ingestJSONLines(file: String, on connection: PostgresConnection) throws -> Int {
        guard let handle = fopen(file, "r") else {
            throw IngestError(source: file, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        var number = 0
        defer { free(line) }
        let decoder = JSONDecoder()
        return try ingestRecords(source: file, on: connection) {
            while getline(&line, &capacity, handle) > 0 {
                number += 1
                let text = String(cString: line!)
                if text.allSatisfy(\.isWhitespace) { continue }
                do { return (try decoder.decode([String: JSONValue].self, from: Data(text.utf8)), number) } catch {
                    throw IngestError(source: file, line: number, message: "not a JSON object")
                }
            }
            return nil
        }
    }

    /// Appends records (column name → value) to the offline store: offline push.
    public func push(_ records: [[String: JSONValue]], source: String = "push", on connection: PostgresConnection) throws -> Int {
        var iterator = records.enumerated().makeIterator()
        return try ingestRecords(source: source, on: connection) { iterator.next().map { ($0.element, $0.offset + 1) } }
    }

    /// Shared path of JSON lines and push: every known column is staged; each record, pulled
    /// from `next` with its line number until it returns nil, is checked value by value.
    func ingestRecords(source: String, on connection: PostgresConnection,
                       next: () throws -> (record: [String: JSONValue], line: Int)?) throws -> Int {
        let columns = inputColumns
        let known = Set(columns.map(\.name))
        return try ingest(columns: columns, source: source, on: connection) { tx, staging in
            let names = try columns.map { try SQLIdentifier($0.name).quoted }.joined(separator: ", ")
            try tx.copyIn("COPY \(staging) (\(names)) FROM STDIN", name: "ingest: copy") { send in
                var buffer: [UInt8] = []
                buffer.reserveCapacity(1 << 20)
                while let (record, line) = try next() {
                    for key in record.keys where !known.contains(key) {
                        throw IngestError(source: source, line: line, column: key,
                                          message: "unknown column for view \(table.view.name) (expected some of: \(columns.map(\.name).joined(separator: ", ")))")
                    }
                    let row = try columns.map { column -> String? in
                        let value = record[column.name] ?? .null
                        if value == .null {
                            if column.required { throw IngestError(source: source, line: line, column: column.name, message: "required value is missing") }
                            return nil
                        }
                        guard let text = Self.text(value, as: column.type) else {
                            throw IngestError(source: source, line: line, column: column.name, message: "expected \(column.type), found \(value.shown)")
                        }
                        return text
                    }
                    CopyTextFormat.appendRow(row, to: &buffer)
                    if buffer.count >= 1 << 20 {
                        try buffer.withUnsafeBytes { try send($0) }
                        buffer.removeAll(keepingCapacity: true)
                    }
                }
                if !buffer.isEmpty { try buffer.withUnsafeBytes { try send($0) } }
            }
        }
    }

    /// A JSON value in PostgreSQL's text input form for `type`, or nil when it does not fit.
    static func text(_ value: JSONValue, as type: ValueType) -> String? {
        switch (type, value) {
        case (.int32, .integer(let number)): return Int32(exactly: number).map { String($0) }
        case (.int64, .integer(let number)): return String(number)
        case (.float, .integer(let number)), (.double, .integer(let number)): return String(number)
        case (.float, .number(let number)), (.double, .number(let number)): return number.postgresText
        case (.string, .string(let text)): return text
        case (.bool, .bool(let flag)): return flag ? "t" : "f"
        case (.timestamp, .string(let text)): return PostgresTimestamp.parse(text).map(PostgresTimestamp.format)
        case (.timestamp, .integer(let seconds)): return PostgresTimestamp.format(Date(timeIntervalSince1970: Double(seconds)))
        case (.timestamp, .number(let seconds)): return PostgresTimestamp.format(Date(timeIntervalSince1970: seconds))
        case (.bytes, .string(let base64)): return Data(base64Encoded: base64).map { $0.postgresText }
        case (.list(let element), .array(let items)):
            var texts: [String?] = []
            for item in items {
                if item == .null { texts.append(nil); continue }
                guard let text = Self.text(item, as: element) else { return nil }
                texts.append(text)
            }
            return PostgresArray(texts).postgresText
        case (.vector(let dimensions), .array(let items)):
            guard items.count == dimensions else { return nil }
            var parts: [String] = []
            for item in items {
                switch item {
                case .integer(let number): parts.append(String(number))
                case .number(let number) where number.isFinite: parts.append("\(Float(number))")
                default: return nil
                }
            }
            return "[" + parts.joined(separator: ",") + "]"
        default:
            return nil
        }
    }

    /// The column names of a CSV file's first line (RFC 4180 quoting).
    static func readCSVHeader(_ file: String) throws -> [String] {
        guard let handle = fopen(file, "r") else {
            throw IngestError(source: file, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { fclose(handle) }
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        guard getline(&line, &capacity, handle) > 0 else {
            throw IngestError(source: file, line: 1, message: "empty file: expected a header row naming the columns")
        }
        var names: [String] = [], current = "", quoted = false
        var characters = String(cString: line!).trimmingCharacters(in: .newlines).makeIterator()
        while let character = characters.next() {
            if quoted {
                if character == "\"" { quoted = false } else { current.append(character) }
            } else if character == "\"" {
                quoted = true
            } else if character == "," {
                names.append(current.trimmingCharacters(in: .whitespaces)); current = ""
            } else {
                current.append(character)
            }
        }
        names.append(current.trimmingCharacters(in: .whitespaces))
        return names
    }
}
