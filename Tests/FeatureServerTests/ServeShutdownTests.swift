import FeatureRegistry
import Foundation
import Migrator
import OfflineStore
import Postgres
import Testing
import TestSupport

/// `pantry serve`, the binary: bounded graceful shutdown and the refusal to expose open writes.
@Suite("pantry serve, shutdown and exposure", .serialized)
struct ServeShutdownTests {
    static let binary = TestServers.repositoryRoot + "/.build/debug/pantry"

    static func launch(_ arguments: [String], environment extra: [String: String]) throws -> (Process, Pipe) {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: binary)
        process.arguments = arguments
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

    static func waitForExit(_ process: Process, seconds: Double) async throws {
        let deadline = Date().addingTimeInterval(seconds)
        while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
    }

    @Test("SIGTERM with a half-sent request body: exits within the grace period plus a margin")
    func boundedDrain() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first (swift build --build-tests)")
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let project = "bin\(UInt32.random(in: 0...UInt32.max))"
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            try RegistryStore().apply(ServerFixture.repository(project), allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            connection.close()

            let port = TestServers.freePort()
            let (process, _) = try Self.launch(["serve", "--port", "\(port)", "--project", project], environment: [
                "PANTRY_POSTGRES_URL": url, "PANTRY_REDIS_URL": try TestServers.redisURL(), "PANTRY_SERVER_TOKEN": "t0ken",
                "PANTRY_SERVER_SHUTDOWN_GRACE_SECONDS": "6", "PANTRY_SERVER_BODY_TIMEOUT_SECONDS": "600",
            ])
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let server = ServerFixture(port: port, project: project)
            var up = false
            for _ in 0..<200 where !up {
                up = (try? await server.get("/health"))?.status == 200
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(up, "pantry serve did not answer /health")

            // A request whose body will never complete (its body deadline is far away).
            let stalled = try RawConnection(port: port)
            stalled.send("POST /v1/push HTTP/1.1\r\nHost: pantry\r\nAuthorization: Bearer t0ken\r\n"
                + "Content-Type: application/json\r\nContent-Length: 1000\r\n\r\n{\"view\": \"stats\", ")
            // A request in flight at SIGTERM whose body completes during the drain: it is answered,
            // with Connection: close.
            let now = ISO8601DateFormatter().string(from: Date())
            let rest = "\"to\": \"online\", \"rows\": [{\"user_id\": 7, \"ts\": \"\(now)\", \"score\": 1.0, \"label\": \"x\"}]}"
            let first = "{\"view\": \"stats\", "
            let finishing = try RawConnection(port: port)
            finishing.send("POST /v1/push HTTP/1.1\r\nHost: pantry\r\nAuthorization: Bearer t0ken\r\n"
                + "Content-Type: application/json\r\nContent-Length: \((first + rest).utf8.count)\r\n\r\n\(first)")
            // Time for the server to read both heads (a connection it has read nothing from is
            // idle, and idle connections close at once when the drain starts).
            try await Task.sleep(for: .milliseconds(1_500))

            process.terminate()  // SIGTERM
            try await Task.sleep(for: .milliseconds(300))
            finishing.send(rest)
            let answer = await finishing.receiveResponse(limit: 10)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "the request in flight at SIGTERM was not answered: \(answer.text)")
            #expect(answer.text.lowercased().contains("connection: close"), "\(answer.text)")
            try await Self.waitForExit(process, seconds: 6 + 14)
            #expect(!process.isRunning, "pantry serve was still draining 20 s after SIGTERM with a 6 s grace period")
            let end = await stalled.receive(limit: 5)
            #expect(end.closed, "the stalled connection was not closed")
        }
    }

    @Test("under `ulimit -n 256`, more held connections than descriptors do not kill the server; it answers once they close")
    func descriptorLimit() async throws {
        #expect(FileManager.default.isExecutableFile(atPath: Self.binary), "build the package first (swift build --build-tests)")
        try await TestServers.withTemporaryDatabase(on: try TestServers.postgresURL()) { url in
            let project = "fd\(UInt32.random(in: 0...UInt32.max))"
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            try RegistryStore().apply(ServerFixture.repository(project), allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
            connection.close()

            let port = TestServers.freePort()
            let process = Process()
            process.executableURL = URL(fileURLWithPath: "/bin/bash")
            // `ulimit -n` in bash lowers both the soft and the hard limit: serve cannot raise it.
            process.arguments = ["-c", "ulimit -n 256 && exec \"$0\" serve --port \(port) --project \(project)", Self.binary]
            process.currentDirectoryURL = URL(fileURLWithPath: TestServers.repositoryRoot)
            var environment = ProcessInfo.processInfo.environment
            environment.merge(["PANTRY_POSTGRES_URL": url, "PANTRY_REDIS_URL": try TestServers.redisURL(), "PANTRY_LOG_LEVEL": "warning",
                               "PANTRY_POSTGRES_POOL_SIZE": "2", "PANTRY_REDIS_POOL_SIZE": "2"]) { $1 }
            process.environment = environment
            process.standardError = Pipe()
            try process.run()
            defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
            let server = ServerFixture(port: port, project: project)
            var up = false
            for _ in 0..<200 where !up {
                up = (try? await server.get("/health"))?.status == 200
                if !up { try await Task.sleep(for: .milliseconds(50)) }
            }
            try #require(up, "pantry serve did not answer /health")

            // More connections than descriptors (accepted up to the limit, the rest in the listen
            // backlog), each holding a half-sent request head. Without a connection limit the
            // server once died here (SIGILL in libdispatch, not reproducible every time).
            var held: [RawConnection] = []
            for _ in 0..<400 {
                guard let connection = try? RawConnection(port: port) else { break }
                connection.send("GET /health HTTP/1.1\r\nHost: pantry\r\n")
                held.append(connection)
            }
            #expect(held.count > 256, "the test did not get past the descriptor limit (\(held.count) connections)")
            // A request arriving meanwhile waits (or is refused); it must not take the server down.
            async let during = try? server.get("/health")
            try await Task.sleep(for: .seconds(3))
            #expect(process.isRunning, "pantry serve died when connections outnumbered its file descriptors")
            held.removeAll()

            var answered = false
            for _ in 0..<100 where !answered {
                answered = (try? await server.get("/health"))?.status == 200
                if !answered { try await Task.sleep(for: .milliseconds(100)) }
            }
            _ = await during
            #expect(answered, "no answer after the held connections closed")
            let lookup = try await server.post("/v1/features/online", #"{"entities": {"user_id": [1]}, "features": ["stats:score"]}"#)
            #expect(lookup.status == 200, "\(lookup.body)")
            #expect(process.isRunning)
        }
    }

    @Test("refuses to start on a non-loopback address without a write token, saying what to set")
    func refusesOpenWrites() async throws {
        let (process, errors) = try Self.launch(["serve", "--host", "0.0.0.0", "--port", "\(TestServers.freePort())"], environment: [
            "PANTRY_SERVER_TOKEN": "", "PANTRY_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none",
        ])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try await Self.waitForExit(process, seconds: 30)
        #expect(!process.isRunning)
        #expect(process.terminationStatus != 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("server.token") && message.contains("0.0.0.0"), "\(message)")
    }

    @Test("warns at startup when writes are open (loopback, no token)")
    func warnsOpenWrites() async throws {
        let (process, errors) = try Self.launch(["serve", "--host", "127.0.0.1", "--port", "\(TestServers.freePort())"], environment: [
            "PANTRY_SERVER_TOKEN": "", "PANTRY_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none",
        ])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try await Self.waitForExit(process, seconds: 30)  // it then fails: no PostgreSQL on port 1
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("writes (/v1/push, /push) are open"), "\(message)")
    }
}
