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

    /// The URL with any password replaced by `***`, for logs and error messages.
    public var redactedURL: String {
        guard let schemeEnd = url.range(of: "://"), let at = url.range(of: "@", range: schemeEnd.upperBound..<url.endIndex),
              let colon = url.range(of: ":", range: schemeEnd.upperBound..<at.lowerBound) else { return url }
        return url.replacingCharacters(in: colon.upperBound..<at.lowerBound, with: "***")
    }
}
