import Foundation
import CLibPQ

/// An error from PostgreSQL or from the driver, carrying everything needed to act on it:
/// the SQLSTATE code, the server's message and detail, and which statement failed.
public struct PostgresError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Could not connect, or the connection was lost (the server died or restarted).
        case connection
        /// The server rejected a statement (syntax, constraint, permission, ...).
        case server
        /// A statement or pool acquisition exceeded its timeout.
        case timeout
        /// Bad input detected before anything was sent (invalid identifier, bad value).
        case invalidInput
        /// A value in a result could not be decoded as the requested type.
        case decoding
    }

    public var kind: Kind
    /// Five-character SQLSTATE code, e.g. `23505` for a unique violation.
    public var sqlState: String?
    public var message: String
    public var detail: String?
    public var hint: String?
    /// The statement's name if the caller gave one, otherwise the start of its SQL.
    public var statement: String?
    /// Where inside the statement the error arose, e.g. `COPY t, line 3, column rating: "abc"`.
    public var context: String?

    public init(_ kind: Kind, _ message: String, sqlState: String? = nil, detail: String? = nil,
                hint: String? = nil, statement: String? = nil, context: String? = nil) {
        self.context = context
        self.kind = kind
        self.message = message
        self.sqlState = sqlState
        self.detail = detail
        self.hint = hint
        self.statement = statement
    }

    public var description: String {
        var text = "postgres \(kind.rawValue) error"
        if let sqlState { text += " [\(sqlState)]" }
        if let statement { text += " in \(statement)" }
        text += ": \(message)"
        if let detail { text += " (detail: \(detail))" }
        if let hint { text += " (hint: \(hint))" }
        if let context { text += " (context: \(context))" }
        return text
    }

    /// SQLSTATE class 57P01..57P03 (admin shutdown, crash shutdown, cannot connect now) and
    /// class 08 (connection exception) mean the connection, not the statement, is at fault.
    public var isConnectionLoss: Bool {
        if kind == .connection { return true }
        guard let sqlState else { return false }
        return sqlState.hasPrefix("08") || sqlState.hasPrefix("57P")
    }
}

extension PostgresError {
    /// Builds an error from a failed `PGresult`, reading the diagnostic fields libpq exposes.
    static func fromResult(_ result: OpaquePointer?, connection: OpaquePointer?, statement: String?) -> PostgresError {
        func field(_ code: UInt8) -> String? {
            guard let result, let value = PQresultErrorField(result, Int32(code)) else { return nil }
            return String(cString: value)
        }
        let sqlState = field(UInt8(ascii: "C"))
        var message = field(UInt8(ascii: "M"))
        if message == nil, let connection { message = lastMessage(connection) }
        let lost = connection.map { PQstatus($0) != CONNECTION_OK } ?? false
        return PostgresError(
            lost && sqlState == nil ? .connection : .server,
            message ?? "unknown error",
            sqlState: sqlState,
            detail: field(UInt8(ascii: "D")),
            hint: field(UInt8(ascii: "H")),
            statement: statement,
            context: field(UInt8(ascii: "W")))
    }

    /// libpq's last error message for a connection, trimmed of its trailing newline.
    static func lastMessage(_ connection: OpaquePointer) -> String {
        guard let raw = PQerrorMessage(connection) else { return "unknown error" }
        let text = String(cString: raw).trimmingCharacters(in: .whitespacesAndNewlines)
        return text.isEmpty ? "unknown error" : text
    }
}

extension String {
    /// A short label for a statement, used in errors when the caller gave it no name.
    func statementLabel() -> String {
        let flat = split(whereSeparator: { $0.isWhitespace }).joined(separator: " ")
        return flat.count <= 60 ? flat : String(flat.prefix(57)) + "..."
    }
}
