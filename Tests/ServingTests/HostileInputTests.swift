import Foundation
import Testing
import TestSupport

/// Every request that once crashed or stalled `pantry serve` gets a precise 400, and the server
/// goes on answering.
@Suite("Hostile input over HTTP", .serialized)
struct HostileInputTests {
    @Test("crash and stall inputs: 400 naming the problem, then a normal lookup still answers")
    func hostile() async throws {
        try await ServerFixture.run { server in
            func check(_ path: String, _ body: String, _ text: String, token: String? = nil) async throws {
                let result = try await server.post(path, body, token: token)
                #expect(result.status == 400, "\(body.prefix(80)): \(result.status) \(result.body)")
                #expect(result.body.contains(text), "\(body.prefix(80)): \(result.body)")
            }
            let lookup = #"{"entities": {"user_id": [1]}, "features": ["stats:score"]}"#
            try await check("/v1/features/online", #"{"entities":{"user_id":[1]},"features":["\ud800\u0041"]}"#, "surrogate")
            try await check("/get-online-features", #"{"entities":{"user_id":[1]},"features":["\udc00"]}"#, "surrogate")
            try await check("/v1/features/online", #"{"entities":{"user_id":[1]},"features":["stats:score"],"features":[]}"#, "appears twice")
            try await check("/v1/features/online", #"{"entities":{"user_id":[1]},"features":["stats:score"],"as_of":"2025-02-31T00:00:00Z"}"#, "day 31")
            for destination in ["online", "offline", "online_and_offline"] {
                for (ts, text) in [("10000000000000", "looks like epoch milliseconds"), ("-10000000000000", "outside the accepted range"),
                                   ("1e300", "outside the accepted range"), ("\"2025-02-31\"", "day 31")] {
                    try await check("/v1/push", #"{"view": "stats", "to": "\#(destination)", "rows": [{"user_id": 1, "ts": \#(ts), "score": 1}]}"#,
                                    "row 0, column ts", token: server.token)
                    _ = text
                }
                try await check("/v1/push", #"{"view": "stats", "to": "\#(destination)", "rows": [{"user_id": 1, "ts": "2025-01-01T00:00:00Z", "score": 1e999}]}"#,
                                "rows[0].score", token: server.token)
                try await check("/v1/push", #"{"view": "stats", "to": "\#(destination)", "rows": [{"user_id": 1, "ts": "2025-01-01T00:00:00Z", "label": "a\u0000b"}]}"#,
                                "NUL", token: server.token)
            }
            let ms = try await server.post("/v1/push", #"{"view": "stats", "rows": [{"user_id": 1, "ts": 1733000000000, "score": 1}]}"#, token: server.token)
            #expect(ms.body.contains("looks like epoch milliseconds"), "\(ms.body)")
            try await check("/v1/push", #"{"view": "stats", "view": "stats", "rows": []}"#, "appears twice", token: server.token)

            // Eight rows nested 500 deep: refused at the nesting limit, at once.
            let deep = String(repeating: "[", count: 500) + "1" + String(repeating: "]", count: 500)
            let rows = (0..<8).map { _ in #"{"user_id": 1, "ts": "2025-01-01T00:00:00Z", "label": \#(deep)}"# }.joined(separator: ",")
            try await check("/v1/push", #"{"view": "stats", "rows": [\#(rows)]}"#, "levels of nesting", token: server.token)

            let answer = try await server.post("/v1/features/online", lookup)
            #expect(answer.status == 200, "\(answer.body)")
            #expect(try await server.get("/health").status == 200)
        }
    }
}
