@testable import Serving
import Foundation
import Hummingbird
import Logging
import NIOPosix
import Postgres
import Testing
import TestSupport

/// What the server says when something is wrong on its side or with the method asked.
@Suite("server errors: 5xx without detail, 405, bounded health checks")
struct ServerErrorsTests {
    let lookup = "{\"entities\": {\"user_id\": [1]}, \"features\": [\"stats:score\"]}"

    @Test("an unexpected error answers 500 with a generic message and an error id, never its detail")
    func genericInternalError() {
        struct Leaky: Error, CustomStringConvertible {
            var description: String { "relation \"secret_table\" failed: SELECT * FROM secret_table WHERE password = 'hunter2'" }
        }
        let failure = FeatureServer.httpError(Leaky(), logger: Logger(label: "test"), path: "/v1/push")
        #expect(failure.status == .internalServerError)
        let message = failure.body ?? ""
        #expect(!message.contains("secret_table") && !message.contains("hunter2"), "\(message)")
        #expect(message.range(of: #"^internal error \(id [0-9a-f]{6}\)$"#, options: .regularExpression) != nil, "\(message)")
        let again = FeatureServer.httpError(Leaky(), logger: Logger(label: "test"), path: "/v1/push").body ?? ""
        #expect(again != message, "two failures got the same id")
    }

    @Test("an unreachable Redis answers 503 without its address or password")
    func unavailableWithoutSecrets() async throws {
        let closedPort = TestServers.freePort()
        try await ServerFixture.run(redisURL: "redis://:hunter2@127.0.0.1:\(closedPort)/0") { server in
            let answer = try await server.post("/v1/features/online", lookup)
            #expect(answer.status == 503, "\(answer.body)")
            #expect(answer.body.contains("Redis"), "\(answer.body)")
            #expect(!answer.body.contains("hunter2") && !answer.body.contains(String(closedPort)), "\(answer.body)")
            #expect(answer.body.contains("(id "), "\(answer.body)")
        }
    }

    @Test("a wrong method on a known path is 405 with Allow; unknown paths stay 404")
    func methodNotAllowed() async throws {
        try await ServerFixture.run { server in
            for (method, path, allow) in [("GET", "/v1/push", "POST"), ("PUT", "/v1/features/online", "POST"),
                                          ("DELETE", "/v1/registry/feature-views/stats", "GET"), ("POST", "/health", "GET")] {
                let answer = try await server.request(method, path, body: method == "GET" || method == "DELETE" ? nil : "{}")
                #expect(answer.status == 405, "\(method) \(path): \(answer.status) \(answer.body)")
                #expect(answer.headers["allow"] == allow, "\(method) \(path): \(answer.headers)")
            }
            #expect(try await server.get("/v1/nothing-here").status == 404)
            #expect(try await server.request("POST", "/nothing", body: "{}").status == 404)
        }
    }

    @Test("/health gives up on a dependency that never answers and says which one timed out")
    func healthTimeout() async throws {
        let silent = SilentListener()
        defer { silent.close() }
        try await ServerFixture.run(serverPostgresURL: "postgres://pantry:hunter2@127.0.0.1:\(silent.port)/pantry",
                                    configure: { $0.healthTimeoutSeconds = 1 }) { server in
            let answer = try await server.get("/health")
            #expect(answer.status == 503, "\(answer.body)")
            let fields = answer.json as? [String: Any]
            #expect(fields?["postgres"] as? String == "timeout after 1 s", "\(answer.body)")
            #expect(fields?["redis"] as? String == "ok", "\(answer.body)")
            #expect(!answer.body.contains("hunter2"))
        }
    }

    @Test("a large body is handled off the event loops; a small one where it arrived")
    func largeBodyOffloaded() async throws {
        try await ServerFixture.run(maxBatchRows: 1_000, configure: { $0.maxBodyBytes = 1 << 20 }) { server in
            // Through the real server, a large push (well over 64 KiB) is still answered...
            let rows = (0..<600).map { "{\"user_id\": \($0), \"ts\": \"2025-01-01T00:00:00Z\", \"score\": 1.5, \"label\": \"\(String(repeating: "x", count: 150))\"}" }
            let body = "{\"view\": \"stats\", \"to\": \"online\", \"rows\": [\(rows.joined(separator: ","))]}"
            #expect(body.utf8.count > FeatureServer.offloadBodyBytes)
            let pushed = try await server.post("/v1/push", body, token: server.token)
            #expect(pushed.status == 200, "\(pushed.body.prefix(300))")
        }
        // ...and the handler of a large body runs on a thread-pool thread; a small one does not hop.
        for (size, offloaded) in [(100, false), (FeatureServer.offloadBodyBytes + 1, true)] {
            var request = Request(head: .init(method: .post, scheme: "http", authority: "x", path: "/v1/push"),
                                  body: .init(buffer: ByteBuffer(repeating: UInt8(ascii: " "), count: size)))
            let response = try await FeatureServer.offloadingLargeBody(&request, maxBodyBytes: 1 << 20) { request in
                let body = try await request.collectBody(upTo: 1 << 20)
                return Response(status: Self.threadName().contains("TP-#") ? .accepted : .ok,
                                headers: [.contentLength: String(body.readableBytes)])
            }
            #expect((response.status == .accepted) == offloaded, "body of \(size) bytes")
            #expect(response.headers[.contentLength] == String(size), "the handler did not see the whole body")
        }
    }

    /// The calling thread's name (Linux: /proc/thread-self/comm).
    static func threadName() -> String {
        (try? String(contentsOfFile: "/proc/thread-self/comm", encoding: .utf8)) ?? ""
    }
}
