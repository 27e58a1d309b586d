import LocalServices
import Foundation
import Postgres
import Settings
import Testing
import TestSupport

/// `pantry dev up` from a project in a folder other users cannot enter (root's home, a
/// `mktemp -d` folder): as root, PostgreSQL runs as `postgres`, which can reach neither binaries
/// nor data inside such a folder.
@Suite("Dev services from a private folder")
struct PrivateFolderTests {
    @Test("up, status from a second instance (as a second process would), a query, down")
    func privateFolder() async throws {
        let parent = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-private-\(UInt32.random(in: 0...UInt32.max))").path
        try FileManager.default.createDirectory(atPath: parent + "/project/Config", withIntermediateDirectories: true,
                                                attributes: [.posixPermissions: 0o700])
        try FileManager.default.setAttributes([.posixPermissions: 0o700], ofItemAtPath: parent)
        defer { try? FileManager.default.removeItem(atPath: parent) }
        try FileManager.default.copyItem(atPath: TestServers.repositoryRoot + "/Config/pantry.yaml", toPath: parent + "/project/Config/pantry.yaml")

        let settings = try await PantrySettings.load(configFile: parent + "/project/Config/pantry.yaml", environment: [
            "PANTRY_SERVICES_POSTGRES_PORT": "\(TestServers.freePort())",
            "PANTRY_SERVICES_REDIS_PORT": "\(TestServers.freePort())",
            "PANTRY_SERVICES_PASSWORD": "s3cr\"et-\(UInt32.random(in: 0...UInt32.max))",
        ])
        let services = try DevServices(settings: settings)
        try services.up()
        defer {
            try? services.down()
            // As root the data went to a folder under /tmp that `postgres` can reach.
            let folder = URL(fileURLWithPath: services.postgres.directory).deletingLastPathComponent().path
            if !folder.hasPrefix(parent) { try? FileManager.default.removeItem(atPath: folder) }
        }

        // The password is in no process's command line (`ps` shows those to every user).
        for pid in [services.redis.pid, services.postgres.pid].compactMap({ $0 }) {
            let commandLine = try String(decoding: Data(contentsOf: URL(fileURLWithPath: "/proc/\(pid)/cmdline")), as: UTF8.self)
            #expect(!commandLine.contains(settings.services.password), "pid \(pid): \(commandLine)")
        }

        let again = try DevServices(settings: settings)
        #expect(again.postgres.isRunning)
        #expect(again.redis.isRunning)
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: again.postgres.url, connectTimeout: 5))
        defer { connection.close() }
        #expect(try connection.query("SELECT 1 + 1")[0].decode(Int.self, at: 0) == 2)

        try again.down()
        #expect(!services.postgres.isRunning)
        #expect(!services.redis.isRunning)
    }

    @Test("the fallback folder's name is the same in every process (FNV-1a, not hashValue)")
    func stableName() {
        #expect(DevServices.stableHash("") == "cbf29ce484222325")
        #expect(DevServices.stableHash("a") == "af63dc4c8601ec8c")
    }
}
