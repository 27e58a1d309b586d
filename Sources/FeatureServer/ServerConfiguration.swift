/// How `pantry serve` listens and what it accepts.
public struct ServerConfiguration: Sendable {
    public var host: String
    public var port: Int
    /// Bearer token required for writes (`/v1/push`, `/push`); nil leaves writes open.
    public var writeToken: String?
    /// Largest request body accepted, in bytes (larger: 413).
    public var maxBodyBytes: Int
    /// Most entity rows (reads) or event rows (pushes) in one request (more: 400).
    public var maxBatchRows: Int
    public var registryRefreshSeconds: Double
    public var project: String

    public init(host: String = "127.0.0.1", port: Int = 6566, writeToken: String? = nil, maxBodyBytes: Int = 4 << 20,
                maxBatchRows: Int = 10_000, registryRefreshSeconds: Double = 10, project: String) {
        self.host = host
        self.port = port
        self.writeToken = writeToken
        self.maxBodyBytes = maxBodyBytes
        self.maxBatchRows = maxBatchRows
        self.registryRefreshSeconds = registryRefreshSeconds
        self.project = project
    }
}
