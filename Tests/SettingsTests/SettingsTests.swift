import COpenBLAS
import Foundation
import Settings
import Testing
import TestSupport

@Suite("Settings")
struct SettingsTests {
    let configFile = TestServers.repositoryRoot + "/Config/pantry.yaml"

    @Test("Config/pantry.yaml gives working local defaults")
    func defaults() async throws {
        let settings = try await PantrySettings.load(configFile: configFile, environment: [:])
        #expect(settings.postgres.url == "postgres://pantry:pantry@127.0.0.1:55432/pantry")
        #expect(settings.redis.url == "redis://:pantry@127.0.0.1:56379/0")
        #expect(settings.services.postgresFlavor == "pgvector")
        #expect(settings.postgres.poolSize == 8)
        #expect(settings.migrationsDirectory == nil, "the schema embedded in the binary is used")
        #expect(settings.rootDirectory == TestServers.repositoryRoot)
    }

    @Test("every setting can be overridden by a PANTRY_ environment variable")
    func environmentOverrides() async throws {
        let settings = try await PantrySettings.load(configFile: configFile, environment: [
            "PANTRY_POSTGRES_URL": "postgres://u:p@127.0.0.1:1/x",
            "PANTRY_REDIS_URL": "redis://127.0.0.1:2",
            "PANTRY_POSTGRES_POOL_SIZE": "3",
            "PANTRY_SERVICES_REDIS_PORT": "7000",
            "PANTRY_SERVICES_POSTGRES_FLAVOR": "debian15",
        ])
        #expect(settings.postgres.url == "postgres://u:p@127.0.0.1:1/x")
        #expect(settings.redis.url == "redis://127.0.0.1:2")
        #expect(settings.postgres.poolSize == 3)
        #expect(settings.services.redisPort == 7000)
        #expect(settings.services.postgresFlavor == "debian15")
    }

    @Test("bad values and missing files are explained")
    func errors() async throws {
        let flavor = await #expect(throws: SettingsError.self) {
            try await PantrySettings.load(configFile: configFile, environment: ["PANTRY_SERVICES_POSTGRES_FLAVOR": "oracle"])
        }
        #expect(flavor?.description.contains("expected pgvector or debian15") == true)
        let missing = await #expect(throws: SettingsError.self) {
            try await PantrySettings.load(configFile: "/nonexistent/pantry.yaml", environment: [:])
        }
        #expect(missing?.description.contains("does not exist") == true)
    }

    @Test("every number is range-checked and every wrong type named: pool_size 0 is an error, not a trap")
    func ranges() async throws {
        for (variable, value, text) in [("PANTRY_POSTGRES_POOL_SIZE", "0", "postgres.pool_size is 0: expected 1...1024"),
                                        ("PANTRY_REDIS_POOL_SIZE", "-3", "redis.pool_size is -3"),
                                        ("PANTRY_SERVER_PORT", "70000", "server.port is 70000: expected 1...65535"),
                                        ("PANTRY_SERVICES_REDIS_PORT", "0", "services.redis_port is 0"),
                                        ("PANTRY_REDIS_COMMAND_TIMEOUT_SECONDS", "0", "redis.command_timeout_seconds is 0.0"),
                                        ("PANTRY_REDIS_CONNECT_TIMEOUT_SECONDS", "nan", "redis.connect_timeout_seconds"),
                                        ("PANTRY_ONLINE_HISTORY_DEPTH", "0", "online.history_depth is 0"),
                                        ("PANTRY_SERVER_MAX_BODY_BYTES", "10", "server.max_body_bytes is 10"),
                                        ("PANTRY_SERVER_MAX_BATCH_ROWS", "abc", "server.max_batch_rows: expected an integer"),
                                        ("PANTRY_POSTGRES_POOL_SIZE", "8.5", "postgres.pool_size: expected an integer"),
                                        ("PANTRY_SERVER_REGISTRY_REFRESH_SECONDS", "0", "server.registry_refresh_seconds is 0.0"),
                                        ("PANTRY_LOG_LEVEL", "loud", "log_level is \"loud\"")] {
            let error = await #expect(throws: SettingsError.self, "\(variable)=\(value)") {
                try await PantrySettings.load(configFile: configFile, environment: [variable: value])
            }
            #expect(error?.description.contains(text) == true, "\(variable)=\(value): \(String(describing: error))")
        }
    }

    @Test("paths named by definitions must stay inside the project folder, symlinks followed")
    func projectPaths() async throws {
        let settings = try await PantrySettings.load(configFile: configFile, environment: [:])
        let root = URL(fileURLWithPath: settings.rootDirectory).resolvingSymlinksInPath().path
        #expect(try settings.projectPath("data/demo/users.csv") == root + "/data/demo/users.csv")
        for outside in ["/etc/passwd", "../outside.csv", "data/../../x.csv", "/"] {
            #expect(throws: SettingsError.self, "\(outside)") { try settings.projectPath(outside) }
        }
        let link = settings.rootDirectory + "/.pantry/test-link-\(UUID().uuidString)"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "/etc")
        defer { try? FileManager.default.removeItem(atPath: link) }
        let error = #expect(throws: SettingsError.self) { try settings.projectPath(link.dropFirst(settings.rootDirectory.count + 1) + "/passwd") }
        #expect(error?.description.contains("outside the project folder") == true)
    }

    @Test("OpenBLAS is linked and computes")
    func openBLAS() {
        let x: [Float] = [1, 2, 3], y: [Float] = [4, 5, 6]
        #expect(cblas_sdot(3, x, 1, y, 1) == 32)
    }
}
