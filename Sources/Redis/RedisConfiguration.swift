/// How to reach a Redis server, parsed from a `redis://[user][:password@]host[:port][/db]` URL.
public struct RedisConfiguration: Sendable {
    public var host: String
    public var port: Int
    public var username: String?
    public var password: String?
    public var database: Int
    /// Seconds to wait for the TCP connection.
    public var connectTimeout: Double
    /// Seconds to wait for any reply before the connection is considered broken.
    public var commandTimeout: Double
    public var maxConnections: Int
    public var acquireTimeout: Double

    public init(url: String, connectTimeout: Double = 2, commandTimeout: Double = 5,
                maxConnections: Int = 8, acquireTimeout: Double = 30) throws(RedisError) {
        // Messages show the URL with its password hidden.
        let shown = Self.redact(url)
        guard url.hasPrefix("redis://") else {
            throw RedisError(.invalidInput, "invalid Redis URL \"\(shown)\": expected redis://[:password@]host[:port][/db]")
        }
        var rest = Substring(url.dropFirst("redis://".count))
        if let at = rest.lastIndex(of: "@") {
            let credentials = rest[..<at]
            rest = rest[rest.index(after: at)...]
            if let colon = credentials.firstIndex(of: ":") {
                let user = credentials[..<colon]
                username = user.isEmpty ? nil : String(user)
                password = String(credentials[credentials.index(after: colon)...]).removingPercentEncodingIfPossible
            } else if !credentials.isEmpty {
                password = String(credentials)
            }
        }
        database = 0
        if let slash = rest.firstIndex(of: "/") {
            let db = rest[rest.index(after: slash)...]
            if !db.isEmpty {
                guard let number = Int(db), number >= 0 else {
                    throw RedisError(.invalidInput, "invalid Redis URL \"\(shown)\": database \"\(db)\" is not a number")
                }
                database = number
            }
            rest = rest[..<slash]
        }
        if let colon = rest.lastIndex(of: ":") {
            guard let number = Int(rest[rest.index(after: colon)...]), (1...65535).contains(number) else {
                throw RedisError(.invalidInput, "invalid Redis URL \"\(shown)\": bad port \"\(rest[rest.index(after: colon)...])\"")
            }
            port = number
            rest = rest[..<colon]
        } else {
            port = 6379
        }
        guard !rest.isEmpty else { throw RedisError(.invalidInput, "invalid Redis URL \"\(shown)\": no host") }
        host = String(rest)
        self.connectTimeout = connectTimeout
        self.commandTimeout = commandTimeout
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
    }

    /// The URL with the password of `user:password@` (or a bare `password@`) replaced by `***`.
    /// Without a `://` (a mistyped scheme) everything before the last `@` is hidden.
    public static func redact(_ url: String) -> String {
        guard let schemeEnd = url.range(of: "://") else {
            guard let at = url.range(of: "@", options: .backwards) else { return url }
            return "***" + url[at.lowerBound...]
        }
        guard let at = url.range(of: "@", options: .backwards, range: schemeEnd.upperBound..<url.endIndex) else { return url }
        let credentials = url[schemeEnd.upperBound..<at.lowerBound]
        let secret = credentials.firstIndex(of: ":").map { credentials.index(after: $0) } ?? credentials.startIndex
        return url.replacingCharacters(in: secret..<at.lowerBound, with: "***")
    }

    /// `host:port/db`, without credentials, for messages.
    public var endpoint: String { "\(host):\(port)/\(database)" }
}

extension String {
    var removingPercentEncodingIfPossible: String {
        var bytes: [UInt8] = []
        var iterator = Array(utf8).makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%"), let high = iterator.next(), let low = iterator.next(),
               let value = UInt8(String(decoding: [high, low], as: UTF8.self), radix: 16) {
                bytes.append(value)
            } else {
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}
