import Core
import FeatureRegistry
import Foundation
import Postgres

/// Input formats: CSV files (parsed by PostgreSQL's COPY), JSON lines files, and records pushed
/// through the API or CLI (both checked here, value by value, with line numbers).
extension Ingestor {
    /// Loads a CSV file (or `-`, standard input, or any pipe) with a header row, reading it
    /// once as a stream. Returns the number of rows.
    public func ingestCSV(file: String, on connection: PostgresConnection) throws -> Int {
        let input = try CSVInput(path: file)
        let columns = try checkHeader(input.header, source: file)
        return try ingest(columns: columns, source: file, firstLine: 2, on: connection) { tx, staging in
            let names = try columns.map { try SQLIdentifier($0.name).quoted }.joined(separator: ", ")
            try input.copy("COPY \(staging) (\(names)) FROM STDIN WITH (FORMAT csv)", name: "ingest: copy", on: tx)
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
        return try ingestRecords(source: file, on: connection) {
            while true {
                let length = getline(&line, &capacity, handle)
                guard length > 0, let line else { return nil }
                number += 1
                // The line's bytes as read (a NUL byte inside stays visible to the parser).
                let bytes = UnsafeRawBufferPointer(start: line, count: length)
                if bytes.allSatisfy({ $0 == 32 || $0 == 9 || $0 == 10 || $0 == 13 }) { continue }
                let parsed: JSONValue
                do { parsed = try JSONParser.parse(bytes) } catch {
                    throw IngestError(source: file, line: number, message: "\(error)")
                }
                guard case .object(let record) = parsed else {
                    throw IngestError(source: file, line: number, message: "expected a JSON object, found \(parsed.shown)")
                }
                return (record, number)
            }
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
                        do { return try Self.text(value, as: column.type) } catch {
                            throw IngestError(source: source, line: line, column: column.name, message: "\(error)")
                        }
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

    /// A JSON value in PostgreSQL's text input form for `type`, checked by `ValueCheck`'s rules.
    static func text(_ value: JSONValue, as type: ValueType) throws(ValueError) -> String {
        switch type {
        case .int32, .int64: return String(try ValueCheck.integer(value, type))
        case .float, .double:
            if case .integer(let number) = value { return String(number) }
            return try ValueCheck.floatingPoint(value, type).postgresText
        case .string: return try ValueCheck.string(value)
        case .bool: return try ValueCheck.bool(value) ? "t" : "f"
        case .timestamp: return Timestamp.format(micros: try ValueCheck.timestampMicros(value))
        case .bytes: return try ValueCheck.bytes(value).postgresText
        case .list(let element):
            guard case .array(let items) = value else { throw ValueCheck.mismatch(value, type) }
            var texts: [String?] = []
            for (index, item) in items.enumerated() {
                if item == .null { texts.append(nil); continue }
                do { texts.append(try Self.text(item, as: element)) } catch { throw ValueError("element \(index): \(error.description)") }
            }
            return PostgresArray(texts).postgresText
        case .vector(let dimensions):
            return "[" + (try ValueCheck.vector(value, dimensions: dimensions)).map { "\($0)" }.joined(separator: ",") + "]"
        }
    }
}
