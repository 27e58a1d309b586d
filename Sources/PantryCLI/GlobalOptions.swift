import ArgumentParser
import Foundation
import Logging
import Postgres
import Redis
import Settings

/// Options every command accepts.
struct GlobalOptions: ParsableArguments {
    @Option(name: .long, help: "Settings file (default: $PANTRY_CONFIG or Config/pantry.yaml).")
    var config: String?

    @Flag(name: .shortAndLong, help: "Log debug detail.")
    var verbose = false

    /// Loads settings and sets up logging to standard error.
    func settings() async throws -> PantrySettings {
        let settings: PantrySettings
        do { settings = try await PantrySettings.load(configFile: config) } catch {
            throw ValidationError("\(error)")
        }
        let level = verbose ? Logger.Level.debug : (Logger.Level(rawValue: settings.logLevel) ?? .info)
        LoggingSystem.bootstrap { label in
            var handler = StreamLogHandler.standardError(label: label)
            handler.logLevel = level
            return handler
        }
        if settings.configFile == nil {
            // Silently using default ports could reach another checkout's services: say so.
            FileHandle.standardError.write(Data("""
                pantry: no settings file (looked for Config/pantry.yaml in \(settings.rootDirectory) and the folders above it; \
                --config or PANTRY_CONFIG name one): using defaults and PANTRY_* variables, with project root \
                \(settings.rootDirectory), project \(settings.project), PostgreSQL \(settings.postgresConfiguration.redactedURL), \
                Redis \(RedisConfiguration.redact(settings.redis.url))

                """.utf8))
        }
        return settings
    }
}

extension PantrySettings {
    var postgresConfiguration: PostgresConfiguration {
        PostgresConfiguration(url: postgres.url, connectTimeout: postgres.connectTimeoutSeconds,
                              statementTimeoutMilliseconds: postgres.statementTimeoutMilliseconds,
                              maxConnections: postgres.poolSize)
    }

    func redisConfiguration() throws -> RedisConfiguration {
        try RedisConfiguration(url: redis.url, connectTimeout: redis.connectTimeoutSeconds,
                               commandTimeout: redis.commandTimeoutSeconds, maxConnections: redis.poolSize)
    }
}

/// Prints to standard error (standard output is kept for results).
func printError(_ text: String) {
    FileHandle.standardError.write(Data((text + "\n").utf8))
}
