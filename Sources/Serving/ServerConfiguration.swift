/// How `pantry serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token required for writes (`/v1/push`, `/push`); nil leaves writes open, which is
    /// allowed only on a loopback address (see `checkExposure()`).
    public var writeToken: String?
    /// Bearer token required for reads (online features, registry); nil leaves reads open.
    /// `/health`, `/metrics` and `/openapi.yaml` stay open either way.
    public var readToken: String?
    /// Largest request body accepted, in bytes (larger: 413).
    public var maxBodyBytes: Int
    /// Most entity rows (reads) or event rows (pushes) in one request (more: 400).
    public var maxBatchRows: Int
    public var registryRefreshSeconds: Double
    public var project: String
    /// Most client connections open at once; further ones wait in the listen backlog.
    public var maxConnections: Int
    /// A request's head must arrive within this many seconds of its first byte (else 408 and close).
    public var headerTimeoutSeconds: Double
    /// A request's body must arrive within this many seconds of its head (else the connection closes).
    public var bodyTimeoutSeconds: Double
    /// A keep-alive connection with no request for this long is closed.
    public var idleTimeoutSeconds: Double
    /// On SIGTERM/SIGINT, connections still busy this long after the drain began are closed.
    public var shutdownGraceSeconds: Double
    /// Each dependency check of `/health` gives up after this long.
    public var healthTimeoutSeconds: Double

    public init(host: String = "127.0.0.1", port: Int = 6566, writeToken: String? = nil, readToken: String? = nil,
                maxBodyBytes: Int = 4 << 20, maxBatchRows: Int = 10_000, registryRefreshSeconds: Double = 10, project: String,
                maxConnections: Int = 1_024, headerTimeoutSeconds: Double = 10, bodyTimeoutSeconds: Double = 30,
                idleTimeoutSeconds: Double = 60, shutdownGraceSeconds: Double = 5, healthTimeoutSeconds: Double = 1) {
        self.host = host
        self.port = port
        self.writeToken = writeToken
        self.readToken = readToken
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchRows = maxBatchRows
        self.registryRefreshSeconds = registryRefreshSeconds
        self.project = project
        self.maxConnections = maxConnections
        self.headerTimeoutSeconds = headerTimeoutSeconds
        self.bodyTimeoutSeconds = bodyTimeoutSeconds
        self.idleTimeoutSeconds = idleTimeoutSeconds
        self.shutdownGraceSeconds = shutdownGraceSeconds
        self.healthTimeoutSeconds = healthTimeoutSeconds
    }
}
