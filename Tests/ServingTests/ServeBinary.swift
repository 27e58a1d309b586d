import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import Postgres
import Testing
import TestSupport

/// The real `pantry serve` binary, for what the in-process fixture cannot show: Swift
/// concurrency on SwiftNIO's event loops, signals, process limits.
enum ServeBinary {
    static let path = TestServers.repositoryRoot + "/.build/debug/pantry"

    /// Starts `pantry` with `arguments` from the repository root, with `extra` added to this
    /// process's environment; under `ulimit -n descriptorLimit` when given (bash lowers the soft
    /// and hard limits alike, so the server cannot raise them back).
    static func launch(_ arguments: [String], environment extra: [String: String], descriptorLimit: Int? = nil) throws -> (Process, Pipe) {
        #expect(FileManager.default.isExecutableFile(atPath: path), "build the package first (swift build --build-tests)")
        let process = Process()
        if let descriptorLimit {
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            process.arguments = ["-c", "ulimit -n \(descriptorLimit) && exec \"$0\" \"$@\"", path] + arguments
        } else {
            process.executableURL = URL(fileURLWithPath: path)
            process.arguments = arguments
        }
        process.currentDirectoryURL = URL(fileURLWithPath: TestServers.repositoryRoot)
        var environment = ProcessInfo.processInfo.environment
        environment["PANTRY_LOG_LEVEL"] = "warning"
        environment.merge(extra) { $1 }
        process.environment = environment
        let errors = Pipe()
        process.standardError = errors
        try process.run()
        return (process, errors)
    }

    /// Runs `pantry serve` (write token `t0ken`) on a fresh migrated database holding the
    /// fixture's registry, waits until `/health` answers, and runs `body`; kills the server after.
    static func run(environment extra: [String: String] = [:], descriptorLimit: Int? = nil,
                    _ body: (Process, ServerFixture) async throws -> Void) async throws {
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let project = "bin\(UInt32.random(in: 0...UInt32.max))"
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            try RegistryStore().apply(ServerFixture.repository(project), allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            connection.close()

            let port = TestServers.freePort()
            let environment = ["PANTRY_POSTGRES_URL": url, "PANTRY_REDIS_URL": try TestServers.redisURL(), "PANTRY_SERVER_TOKEN": "t0ken"]
                .merging(extra) { $1 }
            let (process, _) = try launch(["serve", "--port", "\(port)", "--project", project], environment: environment,
                                          descriptorLimit: descriptorLimit)
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let server = ServerFixture(port: port, project: project)
            var up = false
            for _ in 0..<200 where !up {
                up = (try? await server.get("/health"))?.status == 200
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(up, "pantry serve did not answer /health")
            try await body(process, server)
        }
    }

    static func waitForExit(_ process: Process, seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }
}
