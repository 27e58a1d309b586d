/// How to reach a PostgreSQL server and how patient to be with it.
public struct PostgresConfiguration: Sendable {
    /// A libpq connection URL, e.g. `postgres://user:password@127.0.0.1:5432/db`.
    public var url: String
    /// Seconds to wait for a connection to be established (libpq's minimum is 2).
    public var connectTimeout: Int
    /// Milliseconds after which the server cancels a statement; 0 = no limit.
    public var statementTimeoutMilliseconds: Int
    /// Connections a pool opens at most.
    public var maxConnections: Int
    /// Seconds a caller waits for a free pooled connection before failing.
    public var acquireTimeout: Double
    /// Shown in `pg_stat_activity`.
    public var applicationName: String

    public init(url: String, connectTimeout: Int = 5, statementTimeoutMilliseconds: Int = 0,
                maxConnections: Int = 8, acquireTimeout: Double = 30, applicationName: String = "pantry") {
        self.url = url
        self.connectTimeout = connectTimeout
        self.statementTimeoutMilliseconds = statementTimeoutMilliseconds
        self.maxConnections = maxConnections
        self.acquireTimeout = acquireTimeout
        self.applicationName = applicationName
    }

    /// The connection string with every password replaced by `***`, for logs and error
    /// messages: the URL's `user:password@`, a `?password=` (or `&password=`) parameter, and
    /// `password=...` in keyword form (`host=db password='s e c'`).
    public var redactedURL: String { Self.redact(url) }

    static func redact(_ text: String) -> String {
        var result = text
        if let schemeEnd = result.range(of: "://") {
            // libpq ends the user info at the first "@" before the path's "/", so a password may
            // hold "?"; one holding "/" (a typo libpq rejects) still ends before the query.
            let after = schemeEnd.upperBound..<result.endIndex
            let slash = result.range(of: "/", range: after)?.lowerBound ?? result.endIndex
            let query = result.range(of: "?", range: after)?.lowerBound ?? result.endIndex
            if let at = result.range(of: "@", options: .backwards, range: schemeEnd.upperBound..<slash)
                ?? result.range(of: "@", options: .backwards, range: schemeEnd.upperBound..<query),
               let colon = result.range(of: ":", range: schemeEnd.upperBound..<at.lowerBound) {
                result.replaceSubrange(colon.upperBound..<at.lowerBound, with: "***")
            }
        }
        // password=value in a query string or keyword form; a quoted value may hold spaces.
        var output = "", rest = Substring(result)
        while let match = rest.range(of: "password", options: .caseInsensitive) {
            output += rest[..<match.upperBound]
            rest = rest[match.upperBound...]
            let spaces = rest.prefix { $0 == " " }
            guard rest.dropFirst(spaces.count).first == "=" else { continue }
            output += spaces + "="
            rest = rest.dropFirst(spaces.count + 1).drop { $0 == " " }
            if rest.first == "'" {
                var index = rest.index(after: rest.startIndex)
                while index < rest.endIndex, rest[index] != "'" {
                    index = rest[index] == "\\" && rest.index(after: index) < rest.endIndex ? rest.index(index, offsetBy: 2) : rest.index(after: index)
                }
                rest = index < rest.endIndex ? rest[rest.index(after: index)...] : rest[rest.endIndex...]
            } else {
                rest = rest.drop { $0 != "&" && $0 != " " }
            }
            output += "***"
        }
        return output + rest
    }
}
