import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import Postgres
import Testing
import TestSupport

/// `pantry serve`, the binary: bounded graceful shutdown and the refusal to expose open writes.
@Suite("pantry serve, shutdown and exposure", .serialized)
struct ServeShutdownTests {
    static func grace(_ seconds: Int) -> [String: String] {
        ["PANTRY_SERVER_SHUTDOWN_GRACE_SECONDS": "\(seconds)", "PANTRY_SERVER_BODY_TIMEOUT_SECONDS": "600"]
    }

    static func pushHead(contentLength: Int) -> String {
        "POST /v1/push HTTP/1.1\r\nHost: pantry\r\nAuthorization: Bearer t0ken\r\nContent-Type: application/json\r\nContent-Length: \(contentLength)\r\n\r\n"
    }

    @Test("SIGTERM with a half-sent request body: exits within the grace period plus a margin")
    func boundedDrain() async throws {
        try await ServeBinary.run(environment: Self.grace(2)) { process, server in
            let port = server.port
            // A request whose body will never complete (its body deadline is far away).
            let stalled = try RawConnection(port: port)
            stalled.send(Self.pushHead(contentLength: 1000) + "{\"view\": \"stats\", ")
            try await Task.sleep(for: .milliseconds(500))
            process.terminate()  // SIGTERM
            try await ServeBinary.waitForExit(process, seconds: 2 + 13)
            #expect(!process.isRunning, "pantry serve was still draining 15 s after SIGTERM with a 2 s grace period")
            let end = await stalled.receive(limit: 5)
            #expect(end.closed, "the stalled connection was not closed")
        }
    }

    @Test("SIGTERM with a request in flight: it is answered, with Connection: close, then the server exits")
    func inFlightAnswered() async throws {
        // A long grace: the request's body completes after SIGTERM, however slow this machine
        // (other suites' tests may hold the concurrency pool for seconds).
        try await ServeBinary.run(environment: Self.grace(60)) { process, server in
            let port = server.port
            let now = ISO8601DateFormatter().string(from: Date())
            let first = "{\"view\": \"stats\", "
            let rest = "\"to\": \"online\", \"rows\": [{\"user_id\": 7, \"ts\": \"\(now)\", \"score\": 1.0, \"label\": \"x\"}]}"
            let finishing = try RawConnection(port: port)
            finishing.send(Self.pushHead(contentLength: (first + rest).utf8.count) + first)
            // Time for the server to read the head (a connection it has read nothing from is
            // idle, and idle connections close at once when the drain starts).
            try await Task.sleep(for: .milliseconds(1_500))
            process.terminate()  // SIGTERM
            try await Task.sleep(for: .milliseconds(300))
            finishing.send(rest)
            let answer = await finishing.receiveResponse(limit: 30)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "the request in flight at SIGTERM was not answered: \(answer.text)")
            #expect(answer.text.lowercased().contains("connection: close"), "\(answer.text)")
            try await ServeBinary.waitForExit(process, seconds: 30)
            #expect(!process.isRunning, "pantry serve did not exit after answering its last request")
        }
    }

    @Test("under `ulimit -n 256`, more held connections than descriptors do not kill the server; it answers once they close")
    func descriptorLimit() async throws {
        try await ServeBinary.run(environment: ["PANTRY_POSTGRES_POOL_SIZE": "2", "PANTRY_REDIS_POOL_SIZE": "2"],
                                  descriptorLimit: 256) { process, server in
            let port = server.port

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
        let (process, errors) = try ServeBinary.launch(["serve", "--host", "0.0.0.0", "--port", "\(TestServers.freePort())"], environment: [
            "PANTRY_SERVER_TOKEN": "", "PANTRY_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none",
        ])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try await ServeBinary.waitForExit(process, seconds: 30)
        #expect(!process.isRunning)
        #expect(process.terminationStatus != 0)
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("server.token") && message.contains("0.0.0.0"), "\(message)")
    }

    @Test("warns at startup when writes are open (loopback, no token)")
    func warnsOpenWrites() async throws {
        let (process, errors) = try ServeBinary.launch(["serve", "--host", "127.0.0.1", "--port", "\(TestServers.freePort())"], environment: [
            "PANTRY_SERVER_TOKEN": "", "PANTRY_POSTGRES_URL": "postgres://nobody@127.0.0.1:1/none",
        ])
        defer { if process.isRunning { kill(process.processIdentifier, SIGKILL) } }
        try await ServeBinary.waitForExit(process, seconds: 30)  // it then fails: no PostgreSQL on port 1
        let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        #expect(message.contains("writes (/v1/push, /push) are open"), "\(message)")
    }
}
