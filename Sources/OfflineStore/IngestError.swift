/// Why an ingestion was refused. Nothing was written: ingestion is all-or-nothing.
public struct IngestError: Error, CustomStringConvertible, Sendable {
    public let source: String
    /// 1-based line of the input (the header is line 1 in CSV files), when known.
    public let line: Int?
    public let column: String?
    public let message: String

    public init(source: String, line: Int? = nil, column: String? = nil, message: String) {
        self.source = source
        self.line = line
        self.column = column
        self.message = message
    }

    public var description: String {
        var location = source
        if let line { location += ", line \(line)" }
        if let column { location += ", column \(column)" }
        return "\(location): \(message); nothing was ingested"
    }
}
