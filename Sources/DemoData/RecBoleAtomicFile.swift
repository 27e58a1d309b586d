import Foundation

/// A RecBole "atomic" file (`.inter`, `.item`, `.user`): tab-separated, one header line of
/// `name:type` fields (`token`, `token_seq`, `float`, `float_seq`), then one record per line.
/// Every record is checked against the header; errors name the file and line.
public struct RecBoleAtomicFile: Sendable {
    public enum FieldType: String, Sendable { case token, tokenSequence = "token_seq", float, floatSequence = "float_seq" }

    public let path: String
    public let fields: [(name: String, type: FieldType)]
    /// Records as strings, one per field, in header order (line numbers from 2).
    public let records: [[Substring]]

    public init(path: String) throws {
        self.path = path
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw DatasetError("\(path): cannot read as UTF-8 text (\(error.localizedDescription))")
        }
        var lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { $0.hasSuffix("\r") ? $0.dropLast() : $0 }
        if lines.last?.isEmpty == true { lines.removeLast() }
        guard let header = lines.first, !header.isEmpty else { throw DatasetError("\(path): empty file, expected a header line") }
        fields = try header.split(separator: "\t", omittingEmptySubsequences: false).enumerated().map { index, field in
            let parts = field.split(separator: ":", maxSplits: 1)
            guard parts.count == 2, !parts[0].isEmpty, let type = FieldType(rawValue: String(parts[1])) else {
                throw DatasetError("\(path):1: header field \(index + 1) \"\(field)\" is not name:type with type token, token_seq, float or float_seq")
            }
            return (String(parts[0]), type)
        }
        var records: [[Substring]] = []
        records.reserveCapacity(lines.count)
        for (offset, line) in lines.dropFirst().enumerated() {
            let values = line.split(separator: "\t", omittingEmptySubsequences: false)
            guard values.count == fields.count else {
                throw DatasetError("\(path):\(offset + 2): \(values.count) fields, expected \(fields.count) (\(fields.map(\.name).joined(separator: ", ")))")
            }
            records.append(values)
        }
        self.records = records
    }

    /// The column index of `name`, or an error naming the fields there are.
    public func column(_ name: String) throws -> Int {
        guard let index = fields.firstIndex(where: { $0.name == name }) else {
            throw DatasetError("\(path): no field \(name) (fields: \(fields.map(\.name).joined(separator: ", ")))")
        }
        return index
    }
}

/// A data set that cannot be read or converted.
public struct DatasetError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
