@testable import Serving
import Foundation
import Hummingbird
import Testing
import TestSupport

/// Secure by default: write (and optional read) tokens, loopback-only open writes.
@Suite("server authentication")
struct AuthTests {
    let lookup = "{\"entities\": {\"user_id\": [1]}, \"features\": [\"stats:score\"]}"
    let push = "{\"view\": \"stats\", \"to\": \"online\", \"rows\": [{\"user_id\": 1, \"ts\": \"2025-01-01T00:00:00Z\", \"score\": 1.0, \"label\": \"a\"}]}"

    @Test("writes need the token; the Bearer scheme is accepted in any letter case; 401 says WWW-Authenticate: Bearer")
    func writeToken() async throws {
        try await ServerFixture.run { server in
            for path in ["/v1/push", "/push"] {
                let missing = try await server.post(path, push)
                #expect(missing.status == 401, "\(path): \(missing.body)")
                #expect(missing.headers["www-authenticate"] == "Bearer", "\(missing.headers)")
                let wrong = try await server.request("POST", path, body: push, authorization: "Bearer s3creT")
                #expect(wrong.status == 401)
                let prefix = try await server.request("POST", path, body: push, authorization: "Bearer s3cre")
                #expect(prefix.status == 401)
                let longer = try await server.request("POST", path, body: push, authorization: "Bearer s3cret0")
                #expect(longer.status == 401)
                let basic = try await server.request("POST", path, body: push, authorization: "Basic s3cret")
                #expect(basic.status == 401)
            }
            for scheme in ["Bearer", "bearer", "BEARER"] {
                let accepted = try await server.request("POST", "/v1/push", body: push, authorization: "\(scheme) s3cret")
                #expect(accepted.status == 200, "\(scheme): \(accepted.body)")
            }
            // Reads stay open without a read token.
            #expect(try await server.post("/v1/features/online", lookup).status == 200)
        }
    }

    @Test("a read token closes online reads and the registry, but not /health, /metrics or /openapi.yaml")
    func readToken() async throws {
        try await ServerFixture.run(configure: { $0.readToken = "r34d" }) { server in
            for (method, path, body) in [("POST", "/v1/features/online", lookup), ("POST", "/get-online-features", lookup),
                                         ("GET", "/v1/registry/feature-views", nil), ("GET", "/v1/registry/feature-views/stats", nil)] {
                let closed = try await server.request(method, path, body: body)
                #expect(closed.status == 401, "\(path): \(closed.status) \(closed.body)")
                #expect(closed.headers["www-authenticate"] == "Bearer")
                let open = try await server.request(method, path, body: body, token: "r34d")
                #expect(open.status == 200, "\(path): \(open.status) \(open.body)")
            }
            for path in ["/health", "/metrics", "/openapi.yaml"] {
                #expect(try await server.get(path).status == 200, "\(path)")
            }
            // The write token does not open reads, nor the read token writes.
            #expect(try await server.post("/v1/features/online", lookup, token: "s3cret").status == 401)
            #expect(try await server.post("/v1/push", push, token: "r34d").status == 401)
        }
    }

    @Test("open writes are allowed on loopback only; elsewhere the server refuses to start")
    func exposure() throws {
        for host in ["127.0.0.1", "127.8.9.10", "::1", "[::1]", "::ffff:127.0.0.1", "localhost", "LOCALHOST"] {
            #expect(ServerConfiguration.isLoopback(host: host), "\(host)")
            #expect(throws: Never.self) { try ServerConfiguration(host: host, project: "p").checkExposure() }
        }
        for host in ["0.0.0.0", "::", "10.0.0.1", "192.168.1.2", "128.0.0.1", "example.com", "::ffff:10.0.0.1"] {
            #expect(!ServerConfiguration.isLoopback(host: host), "\(host)")
            let error = #expect(throws: ServerConfigurationError.self) { try ServerConfiguration(host: host, project: "p").checkExposure() }
            #expect(error?.description.contains("server.token") == true)
            #expect(throws: Never.self) { try ServerConfiguration(host: host, writeToken: "t", project: "p").checkExposure() }
        }
    }

    @Test("token comparison looks at every byte and rejects empty expectations")
    func comparison() {
        typealias Middleware = BearerTokenMiddleware<BasicRequestContext>
        #expect(Middleware.constantTimeEqual(Array("abc".utf8), Array("abc".utf8)))
        #expect(!Middleware.constantTimeEqual(Array("abd".utf8), Array("abc".utf8)))
        #expect(!Middleware.constantTimeEqual(Array("ab".utf8), Array("abc".utf8)))
        #expect(!Middleware.constantTimeEqual(Array("abc\0".utf8), Array("abc".utf8)))
        #expect(!Middleware.constantTimeEqual([UInt8](), [UInt8]()))
        #expect(Middleware.bearerToken("bEaReR  tok ").map { Array($0) } == Array("tok".utf8))
        #expect(Middleware.bearerToken("Bearer") == nil)
        #expect(Middleware.bearerToken("Bearer   ") == nil)
        #expect(Middleware.bearerToken("Bearertok") == nil)
        #expect(Middleware.bearerToken("Basic tok") == nil)
    }
}
