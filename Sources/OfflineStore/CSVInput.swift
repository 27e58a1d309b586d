import Foundation
import Postgres

/// A CSV input read once, front to back: the header line first, then the rest of the same
/// stream sent to `COPY ... FROM STDIN`. Reading the file twice (once for the header, once for
/// COPY) silently lost the data of pipes and FIFOs (`cat data.csv | pantry ingest v /dev/stdin`
/// loaded 0 rows), so nothing here opens the path a second time. `-` is standard input.
final class CSVInput {
    let path: String
    /// The column names of the first line (RFC 4180 quoting).
    let header: [String]
    private let file: UnsafeMutablePointer<FILE>

    init(path: String) throws {
        self.path = path
        // Standard input through a duplicate descriptor, so closing this input leaves fd 0 alone.
        guard let handle = path == "-" ? fdopen(dup(0), "rb") : fopen(path, "rb") else {
            throw IngestError(source: path, message: "cannot open: \(String(cString: strerror(errno)))")
        }
        file = handle
        var line: UnsafeMutablePointer<CChar>?
        var capacity = 0
        defer { free(line) }
        let length = getline(&line, &capacity, file)
        guard length > 0, let line else {
            fclose(file)
            throw IngestError(source: path, line: 1, message: "empty input: expected a header row naming the columns")
        }
        header = Self.columns(String(decoding: UnsafeRawBufferPointer(start: line, count: length), as: UTF8.self))
    }

    deinit { fclose(file) }

    /// Streams everything after the header into `sql`, a `COPY ... FROM STDIN WITH (FORMAT csv)`
    /// without `HEADER`. PostgreSQL's line numbers then start at the second line of the input:
    /// `Ingestor.explain(_:source:firstLine: 2)` maps them back.
    func copy(_ sql: String, name: String, on connection: PostgresConnection) throws {
        let chunk = 1 << 20
        let buffer = UnsafeMutableRawPointer.allocate(byteCount: chunk, alignment: 16)
        defer { buffer.deallocate() }
        try connection.copyIn(sql, name: name) { send in
            while true {
                let count = fread(buffer, 1, chunk, file)
                if count > 0 { try send(UnsafeRawBufferPointer(start: buffer, count: count)) }
                if count < chunk {
                    if ferror(file) != 0 { throw IngestError(source: path, message: "read failed: \(String(cString: strerror(errno)))") }
                    return
                }
            }
        }
    }

    /// The names in one CSV line (RFC 4180 quoting; surrounding spaces trimmed).
    static func columns(_ line: String) -> [String] {
        var names: [String] = [], current = "", quoted = false
        var characters = line.trimmingCharacters(in: .newlines).makeIterator()
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
