/// An error from Redis or from the driver.
public struct RedisError: Error, CustomStringConvertible, Sendable {
    public enum Kind: String, Sendable {
        /// Could not connect, or the connection broke (server died, timeout on the socket).
        case connection
        /// Redis answered with an error reply (`ERR ...`, `WRONGTYPE ...`, `NOSCRIPT ...`).
        case server
        /// A reply did not have the expected shape.
        case unexpectedReply
        /// A bad URL or argument, detected before anything was sent.
        case invalidInput
    }

    public var kind: Kind
    public var message: String
    /// The command's name (e.g. `HSET`) when known.
    public var command: String?

    public init(_ kind: Kind, _ message: String, command: String? = nil) {
        self.kind = kind
        self.message = message
        self.command = command
    }

    /// The error code Redis put first in an error reply (`NOSCRIPT`, `WRONGTYPE`, `ERR`).
    public var code: String? {
        guard kind == .server else { return nil }
        return message.split(separator: " ", maxSplits: 1).first.map(String.init)
    }

    public var description: String {
        "redis \(kind.rawValue) error" + (command.map { " in \($0)" } ?? "") + ": \(message)"
    }
}
