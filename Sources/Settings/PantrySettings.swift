import Configuration
import Foundation
import SystemPackage

/// Everything Pantry reads from `Config/pantry.yaml`, each value overridable by an environment
/// variable: the key `postgres.url` is read from `PANTRY_POSTGRES_URL`, `redis.pool_size` from
/// `PANTRY_REDIS_POOL_SIZE`, and so on. Missing keys fall back to working local defaults.
public struct PantrySettings: Sendable {
    public struct Postgres: Sendable {
        public var url: String
        public var poolSize: Int
        public var connectTimeoutSeconds: Int
        public var statementTimeoutMilliseconds: Int
    }

    public struct Redis: Sendable {
        public var url: String
        public var poolSize: Int
        public var connectTimeoutSeconds: Double
        public var commandTimeoutSeconds: Double
    }

    /// The online store's behaviour.
    public struct Online: Sendable {
        /// Versions kept per (entity, view), for reads as of a past time.
        public var historyDepth: Int
        /// How long a value past its view's TTL stays readable (as OUTSIDE_MAX_AGE).
        public var staleRetentionSeconds: Int
    }

    /// The throwaway local servers of `pantry dev up`.
    public struct Services: Sendable {
        /// Where data folders, logs and pid files go (git-ignored).
        public var directory: String
        /// `pgvector` (PostgreSQL 16 + pgvector from the pgserver wheel) or `debian15`
        /// (Debian's PostgreSQL 15, without pgvector, to exercise the fallback schema).
        public var postgresFlavor: String
        public var postgresPort: Int
        public var redisPort: Int
        /// The password of the `pantry` database user and of Redis.
        public var password: String
    }

    public var project: String
    public var postgres: Postgres
    public var redis: Redis
    public var online: Online
    public var server: Server

    /// `pantry serve`.
    public struct Server: Sendable {
        public var host: String
        public var port: Int
        /// Bearer token for writes (push); empty = writes need no token.
        public var token: String
        public var maxBodyBytes: Int
        public var maxBatchRows: Int
        public var registryRefreshSeconds: Double
        /// Bearer token for reads (online features, registry); empty = reads need no token.
        public var readToken: String
        /// Most client connections served at once (lowered to fit RLIMIT_NOFILE).
        public var maxConnections: Int
        /// Seconds from a request's first byte until its head must be complete.
        public var headerTimeoutSeconds: Double
        /// Seconds from a request's head until its body must be complete.
        public var bodyTimeoutSeconds: Double
        /// Seconds a keep-alive connection may wait for its next request.
        public var idleTimeoutSeconds: Double
        /// Seconds busy connections get to finish after SIGTERM/SIGINT.
        public var shutdownGraceSeconds: Double
        /// Seconds each dependency check of /health may take.
        public var healthTimeoutSeconds: Double
    }
    public var services: Services
    /// A folder of migrations to apply instead of the schema embedded in the binary (for
    /// developing Pantry's schema); nil, the default, means the embedded one.
    public var migrationsDirectory: String?
    /// Folder of feature definition files (`*.yaml`).
    public var featuresDirectory: String
    public var logLevel: String
    /// The folder that holds `Config/`, `Migrations/` and `.pantry/`.
    public var rootDirectory: String
    /// The settings file read, or nil when none was found (defaults and environment only).
    public var configFile: String?

    /// Loads settings from the YAML file (if present) and the environment.
    ///
    /// - Parameters:
    ///   - configFile: explicit path; otherwise `PANTRY_CONFIG`, otherwise `Config/pantry.yaml`
    ///     in the current directory or the nearest parent that has one.
    ///   - environment: the variables to read overrides from (the process's by default).
    public static func load(configFile: String? = nil,
                            environment: [String: String] = ProcessInfo.processInfo.environment) async throws -> PantrySettings {
        let path = configFile ?? environment["PANTRY_CONFIG"] ?? findConfigFile()
        var providers: [any ConfigProvider] = [
            EnvironmentVariablesProvider(environmentVariables: environment).prefixKeys(with: "pantry"),
        ]
        if let path {
            guard FileManager.default.fileExists(atPath: path) else {
                throw SettingsError("configuration file \(path) does not exist")
            }
            do {
                providers.append(try await FileProvider<YAMLSnapshot>(filePath: FilePath(path)))
            } catch {
                throw SettingsError("cannot read configuration file \(path): \(error)")
            }
        }
        let root = path.map { URL(fileURLWithPath: $0).standardizedFileURL.deletingLastPathComponent().deletingLastPathComponent().path }
            ?? FileManager.default.currentDirectoryPath
        var settings = try PantrySettings(reader: ConfigReader(providers: providers), root: root)
        settings.configFile = path
        return settings
    }

    init(reader config: ConfigReader, root: String) throws {
        rootDirectory = root
        project = try config.checkedString("project", default: "movielens")
        let ports = 1...65_535
        services = Services(
            directory: Self.absolute(try config.checkedString("services.directory", default: ".pantry/services"), root: root),
            postgresFlavor: try config.checkedString("services.postgres_flavor", default: "pgvector", oneOf: ["pgvector", "debian15"]),
            postgresPort: try config.checkedInt("services.postgres_port", default: 55432, in: ports),
            redisPort: try config.checkedInt("services.redis_port", default: 56379, in: ports),
            password: try config.checkedString("services.password", default: "pantry"))
        postgres = Postgres(
            url: try config.checkedString("postgres.url",
                                          default: "postgres://pantry:\(services.password)@127.0.0.1:\(services.postgresPort)/pantry"),
            poolSize: try config.checkedInt("postgres.pool_size", default: 8, in: 1...1_024),
            connectTimeoutSeconds: try config.checkedInt("postgres.connect_timeout_seconds", default: 5, in: 1...3_600),
            statementTimeoutMilliseconds: try config.checkedInt("postgres.statement_timeout_ms", default: 0, in: 0...86_400_000))
        redis = Redis(
            url: try config.checkedString("redis.url", default: "redis://:\(services.password)@127.0.0.1:\(services.redisPort)/0"),
            poolSize: try config.checkedInt("redis.pool_size", default: 8, in: 1...1_024),
            connectTimeoutSeconds: try config.checkedDouble("redis.connect_timeout_seconds", default: 2, in: 0.001...3_600),
            commandTimeoutSeconds: try config.checkedDouble("redis.command_timeout_seconds", default: 5, in: 0.001...3_600))
        online = Online(
            historyDepth: try config.checkedInt("online.history_depth", default: 4, in: 1...1_000),
            staleRetentionSeconds: try config.checkedInt("online.stale_retention_seconds", default: 86_400, in: 0...(100 * 365 * 86_400)))
        server = Server(
            host: try config.checkedString("server.host", default: "127.0.0.1"),
            port: try config.checkedInt("server.port", default: 6566, in: ports),
            token: try config.checkedString("server.token", default: ""),
            maxBodyBytes: try config.checkedInt("server.max_body_bytes", default: 4 << 20, in: 1_024...(1 << 30)),
            maxBatchRows: try config.checkedInt("server.max_batch_rows", default: 10_000, in: 1...1_000_000),
            registryRefreshSeconds: try config.checkedDouble("server.registry_refresh_seconds", default: 10, in: 0.1...86_400),
            readToken: try config.checkedString("server.read_token", default: ""),
            maxConnections: try config.checkedInt("server.max_connections", default: 1_024, in: 1...1_000_000),
            headerTimeoutSeconds: try config.checkedDouble("server.header_timeout_seconds", default: 10, in: 0.01...3_600),
            bodyTimeoutSeconds: try config.checkedDouble("server.body_timeout_seconds", default: 30, in: 0.01...3_600),
            idleTimeoutSeconds: try config.checkedDouble("server.idle_timeout_seconds", default: 60, in: 0.01...86_400),
            shutdownGraceSeconds: try config.checkedDouble("server.shutdown_grace_seconds", default: 5, in: 0...3_600),
            healthTimeoutSeconds: try config.checkedDouble("server.health_timeout_seconds", default: 1, in: 0.01...60))
        let migrations = try config.checkedString("migrations_directory", default: "")
        migrationsDirectory = migrations.isEmpty ? nil : Self.absolute(migrations, root: root)
        featuresDirectory = Self.absolute(try config.checkedString("features_directory", default: "Config/features"), root: root)
        logLevel = try config.checkedString("log_level", default: "info",
                                            oneOf: ["trace", "debug", "info", "notice", "warning", "error", "critical"])
    }

    /// `Config/pantry.yaml` in the current directory or the nearest parent holding one.
    static func findConfigFile() -> String? {
        var directory = URL(fileURLWithPath: FileManager.default.currentDirectoryPath)
        while true {
            let candidate = directory.appendingPathComponent("Config/pantry.yaml").path
            if FileManager.default.fileExists(atPath: candidate) { return candidate }
            let parent = directory.deletingLastPathComponent()
            if parent.path == directory.path { return nil }
            directory = parent
        }
    }

    /// A path named by a definition (not typed by the user), resolved against the project
    /// folder: it must lie inside that folder once symlinks are followed, so a registry entry
    /// cannot make Pantry read `/etc/shadow` or `../../elsewhere`.
    public func projectPath(_ path: String) throws -> String {
        let root = URL(fileURLWithPath: rootDirectory).resolvingSymlinksInPath().standardizedFileURL.path
        let resolved = URL(fileURLWithPath: Self.absolute(path, root: rootDirectory)).resolvingSymlinksInPath().standardizedFileURL.path
        guard resolved.hasPrefix(root.hasSuffix("/") ? root : root + "/") else {
            throw SettingsError("\"\(path)\" lies outside the project folder \(root); name the file on the command line to load it anyway")
        }
        return resolved
    }

    static func absolute(_ path: String, root: String) -> String {
        path.hasPrefix("/") ? path : URL(fileURLWithPath: root).appendingPathComponent(path).standardizedFileURL.path
    }
}

/// A configuration problem, worded for the person who has to fix it.
public struct SettingsError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
