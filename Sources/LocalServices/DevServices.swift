import Foundation
import Settings

/// The local PostgreSQL and Redis that `pantry dev up` manages, as configured in `Settings`.
public struct DevServices: Sendable {
    public let postgres: LocalPostgres
    public let redis: LocalRedis

    public init(settings: PantrySettings, postgresFlavor: String? = nil, postgresPort: Int? = nil, redisPort: Int? = nil) throws {
        let services = settings.services
        let directory = try Self.servicesDirectory(services.directory)
        postgres = try LocalPostgres(flavor: postgresFlavor ?? services.postgresFlavor,
                                     port: postgresPort ?? services.postgresPort,
                                     password: services.password, servicesDirectory: directory)
        redis = LocalRedis(port: redisPort ?? services.redisPort, password: services.password, servicesDirectory: directory)
    }

    public func up() throws {
        try postgres.start()
        try redis.start()
    }

    /// Stops both services; a failure to stop one does not leave the other running.
    public func down() throws {
        var failures: [String] = []
        do { try redis.stop() } catch { failures.append("\(error)") }
        do { try postgres.stop() } catch { failures.append("\(error)") }
        if !failures.isEmpty { throw Shell.Failure(description: failures.joined(separator: "\n")) }
    }

    /// Lines describing each service, its state and how to reach it.
    public var status: [String] {
        [
            "postgres (\(postgres.flavor)): " + (postgres.pid.map { "running, pid \($0)" } ?? "stopped")
                + "  PANTRY_POSTGRES_URL=\(postgres.url)",
            "redis: " + (redis.pid.map { "running, pid \($0)" } ?? "stopped")
                + "  PANTRY_REDIS_URL=\(redis.url)",
        ]
    }

    /// The services folder. As root the server runs as `postgres`, which must be able to reach
    /// the folder; when a parent folder is closed to other users (a private clone location),
    /// the data goes to a per-project folder under /tmp instead.
    /// The same folder name in every process (`String.hashValue` is seeded per process, so
    /// `dev down` could not find what `dev up` started): FNV-1a, 64-bit, in hex.
    package static func stableHash(_ text: String) -> String {
        var hash: UInt64 = 0xcbf2_9ce4_8422_2325
        for byte in text.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01b3 }
        return String(hash, radix: 16)
    }

    static func servicesDirectory(_ preferred: String) throws -> String {
        try FileManager.default.createDirectory(atPath: preferred, withIntermediateDirectories: true)
        guard getuid() == 0 else { return preferred }
        if (try? Shell.run(["/usr/bin/test", "-w", preferred], as: "postgres")) != nil
            || (try? Shell.run(["/usr/bin/test", "-x", preferred], as: "postgres")) != nil {
            return preferred
        }
        let fallback = "/tmp/pantry-services-\(stableHash(preferred))"
        try FileManager.default.createDirectory(atPath: fallback, withIntermediateDirectories: true)
        return fallback
    }
}
