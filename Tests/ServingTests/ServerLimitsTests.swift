import Serving
import Foundation
import Testing
import TestSupport

/// Slow and greedy clients against a real server: deadlines that a byte trickle cannot push
/// back, the keep-alive idle timeout, and the connection limit. Limits are generous; what is
/// checked is that the server acts at all, never how fast.
@Suite("server limits for slow and greedy clients")
struct ServerLimitsTests {
    @Test("a request head trickled one byte at a time is answered 408 and closed at the head deadline")
    func trickledHead() async throws {
        try await ServerFixture.run(configure: { $0.headerTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { server in
            let timeoutsBefore = try await Self.connectionTimeouts(server)
            let connection = try RawConnection(port: server.port)
            connection.send("POST /v1/features/online HTTP/1.1\r\nHost: pantry\r\nX-Slow: ")
            let received = await connection.receive(limit: 20, tick: { connection.send("a") })
            #expect(received.closed, "the connection stayed open although its head never completed")
            #expect(received.text.hasPrefix("HTTP/1.1 408"), "\(received.text)")
            #expect(try await Self.connectionTimeouts(server) > timeoutsBefore, "the timeout was not counted in /metrics")
        }
    }

    /// `pantry_http_connection_timeouts_total` from `/metrics` (0 before the first timeout).
    static func connectionTimeouts(_ server: ServerFixture) async throws -> Double {
        let metrics = try await server.get("/metrics").body
        let line = metrics.split(separator: "\n").first { $0.hasPrefix("pantry_http_connection_timeouts_total ") }
        return line.flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    @Test("a body trickled one byte at a time is cut off at the body deadline")
    func trickledBody() async throws {
        try await ServerFixture.run(configure: { $0.bodyTimeoutSeconds = 1; $0.idleTimeoutSeconds = 60 }) { server in
            let connection = try RawConnection(port: server.port)
            connection.send("POST /v1/push HTTP/1.1\r\nHost: pantry\r\nAuthorization: Bearer \(server.token)\r\n"
                + "Content-Type: application/json\r\nContent-Length: 100000\r\n\r\n{\"rows\": [")
            let received = await connection.receive(limit: 20, tick: { connection.send(" ") })
            #expect(received.closed, "the connection stayed open although its body never completed")
        }
    }

    @Test("an idle keep-alive connection is closed after the idle timeout, also after a request")
    func idleConnection() async throws {
        try await ServerFixture.run(configure: { $0.idleTimeoutSeconds = 1 }) { server in
            let silent = try RawConnection(port: server.port)
            let reused = try RawConnection(port: server.port)
            reused.send("GET /health HTTP/1.1\r\nHost: pantry\r\n\r\n")
            let answer = await reused.receiveResponse(limit: 10)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "\(answer.text)")
            async let silentEnd = silent.receive(limit: 20)
            async let reusedEnd = reused.receive(limit: 20)
            #expect(await silentEnd.closed, "a connection that never sent a byte stayed open")
            #expect(await reusedEnd.closed, "a keep-alive connection stayed open after its response")
        }
    }

    @Test("beyond max_connections new connections wait, and are served once one closes")
    func connectionLimit() async throws {
        // An idle timeout longer than the 3 s this test waits to call a connection unserved,
        // shorter than the 15 s it waits at the end: the fixture's own keep-alive connections
        // (its HTTP client's) may hold slots, and must not hold them for the rest of the test.
        try await ServerFixture.run(configure: { $0.maxConnections = 3; $0.idleTimeoutSeconds = 8 }) { server in
            // The fixture's HTTP client may hold a keep-alive connection too: open raw ones
            // until one is not served, rather than assuming how many are free.
            var served: [RawConnection] = []
            var waiting: RawConnection?
            for _ in 0..<6 {
                let connection = try RawConnection(port: server.port)
                connection.send("GET /health HTTP/1.1\r\nHost: pantry\r\n\r\n")
                let answer = await connection.receiveResponse(limit: 3)
                if answer.text.hasPrefix("HTTP/1.1 200") {
                    served.append(connection)
                } else {
                    #expect(answer.text.isEmpty && !answer.closed, "a connection over the limit was refused or answered: \(answer.text)")
                    waiting = connection
                    break
                }
            }
            // A served connection may have been closed by the idle timeout meanwhile (on a busy
            // machine the waits add up past 8 s), freeing its slot for a later one: only those
            // still open were served at once.
            var open: [RawConnection] = []
            for connection in served where !(await connection.receive(limit: 0.01).closed) { open.append(connection) }
            #expect(open.count <= 3, "\(open.count) connections open and served at once with max_connections 3")
            served = open
            let blocked = try #require(waiting, "every connection was served: no limit in force")
            if !served.isEmpty { served.removeFirst() }  // closes it (deinit); otherwise idle ones time out
            let answer = await blocked.receiveResponse(limit: 15)
            #expect(answer.text.hasPrefix("HTTP/1.1 200"), "the waiting connection was not served after another closed: \(answer.text)")
        }
    }

    @Test("the connection limit fits under the descriptor limit, never below 1")
    func descriptorBudget() {
        #expect(ConnectionLimit.effective(configured: 1_024, descriptorLimit: 256, reserved: 80) == 176)
        #expect(ConnectionLimit.effective(configured: 100, descriptorLimit: 65_536, reserved: 80) == 100)
        #expect(ConnectionLimit.effective(configured: 100, descriptorLimit: 50, reserved: 80) == 1)
        #expect(ConnectionLimit.effective(configured: 100, descriptorLimit: nil, reserved: 80) == 100)
        #expect(ConnectionLimit.effective(configured: 0, descriptorLimit: nil, reserved: 80) == 1)
    }

    @Test("the soft descriptor limit is raised toward the hard limit, never lowered")
    func descriptorLimitRaised() throws {
        let before = try #require(ConnectionLimit.descriptorLimit())
        let after = try #require(ConnectionLimit.raiseDescriptorLimit())
        #expect(after >= before)
        #expect(ConnectionLimit.descriptorLimit() == after)
    }
}
