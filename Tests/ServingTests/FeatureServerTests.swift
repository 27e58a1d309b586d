import LocalServices
import Foundation
import Testing
import TestSupport

@Suite("Feature server over HTTP", .serialized)
struct FeatureServerTests {
    @Test("push online and offline, then read back with statuses; Feast's shapes work too")
    func pushAndRead() async throws {
        try await ServerFixture.run { server in
            let now = ISO8601DateFormatter().string(from: Date())
            let old = ISO8601DateFormatter().string(from: Date().addingTimeInterval(-7_200))
            let push = try await server.post("/v1/push", """
                {"view": "stats", "to": "online_and_offline", "rows": [
                  {"user_id": 1, "ts": "\(now)", "score": 2.5, "label": null},
                  {"user_id": 2, "ts": "\(old)", "score": 9.0, "label": "stale"}]}
                """, token: server.token)
            #expect(push.status == 200, "\(push.body)")
            #expect(push.body.contains("\"offline_rows\":2"))
            let read = try await server.post("/v1/features/online", """
                {"entities": {"user_id": [1, 2, 3]}, "features": ["stats:score", "stats:label"]}
                """)
            #expect(read.status == 200)
            let results = (read.json as? [String: Any])?["results"] as? [[String: Any]]
            #expect(results?[1]["statuses"] as? [String] == ["PRESENT", "OUTSIDE_MAX_AGE", "NOT_FOUND"])
            let values = results?[1]["values"] as? [Any]
            #expect(values?.first as? Double == 2.5)
            #expect(values?.dropFirst().allSatisfy { $0 is NSNull } == true)
            #expect(results?[2]["statuses"] as? [String] == ["NULL_VALUE", "OUTSIDE_MAX_AGE", "NOT_FOUND"])

            let feastPush = try await server.post("/push", """
                {"push_source_name": "stats", "df": {"user_id": [3], "ts": ["\(now)"], "score": [1.0]}, "to": "online"}
                """, token: server.token)
            #expect(feastPush.status == 200)
            let feast = try await server.post("/get-online-features", """
                {"entities": {"user_id": [3]}, "features": ["stats:score"], "full_feature_names": true}
                """)
            #expect(feast.body.contains("\"stats__score\"") && feast.body.contains("\"PRESENT\""))

            #expect(try await server.get("/health").status == 200)
            let metrics = try await server.get("/metrics")
            #expect(metrics.body.contains("pantry_http_requests_total"))
            #expect(try await server.get("/openapi.yaml").body.contains("/v1/features/online"))
            #expect(try await server.get("/v1/registry/feature-views/stats").body.contains("\"score\""))
            #expect(try await server.get("/v1/registry/feature-views/nope").status == 404)
        }
    }

    @Test("400 for malformed JSON, unknown feature or view, wrong entity type, oversize batch; 413 for an oversize body; 401 for writes without the token")
    func errors() async throws {
        try await ServerFixture.run(maxBatchRows: 3) { server in
            func check(_ result: ServerFixture.HTTPResult, _ status: Int, _ text: String) {
                #expect(result.status == status, "\(result.body)")
                #expect(result.body.contains(text), "\(result.body)")
            }
            check(try await server.post("/v1/features/online", "{\"entities\": "), 400, "malformed JSON")
            check(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [1]}, \"features\": [\"stats:nope\"]}"), 400, "unknown feature \\\"nope\\\"")
            check(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [1]}, \"features\": [\"nope:x\"]}"), 400, "unknown feature view")
            check(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [\"one\"]}, \"features\": [\"stats:score\"]}"), 400, "expected int64")
            check(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [1,2,3,4]}, \"features\": [\"stats:score\"]}"), 400, "the limit is 3")
            let huge = "{\"entities\": {\"user_id\": [" + Array(repeating: "1", count: 40_000).joined(separator: ",") + "]}, \"features\": [\"stats:score\"]}"
            let tooLarge = try await server.post("/v1/features/online", huge)
            #expect(tooLarge.status == 413, "\(tooLarge.status) \(tooLarge.body)")
            check(try await server.post("/v1/push", "{\"view\": \"stats\", \"rows\": []}"), 401, "Bearer")
            check(try await server.post("/v1/push", "{\"view\": \"stats\", \"rows\": []}", token: "wrong"), 401, "Bearer")
            check(try await server.post("/v1/push", "{\"view\": \"stats\", \"rows\": [{\"user_id\": 1, \"score\": 1}]}", token: server.token), 400, "row 0, column ts")
            check(try await server.post("/v1/push", "{\"view\": \"stats\", \"rows\": [{\"user_id\": 1, \"ts\": \"2025-01-01\", \"score\": \"high\"}]}", token: server.token), 400, "expected double")
        }
    }

    @Test("503 while Redis is down (never a hang), and recovery on its own when it returns", .timeLimit(.minutes(2)))
    func redisOutage() async throws {
        let directory = NSTemporaryDirectory() + "pantry-server-redis-\(UUID().uuidString)"
        let redis = LocalRedis(port: TestServers.freePort(), password: "pw", servicesDirectory: directory)
        try redis.start()
        defer { try? redis.stop(); try? FileManager.default.removeItem(atPath: directory) }
        try await ServerFixture.run(redisURL: redis.url) { server in
            let body = "{\"entities\": {\"user_id\": [1]}, \"features\": [\"stats:score\"]}"
            #expect(try await server.post("/v1/features/online", body).status == 200)
            try redis.stop()
            let down = try await server.post("/v1/features/online", body)
            #expect(down.status == 503, "\(down.body)")
            #expect(try await server.get("/health").status == 503)
            try redis.start()
            #expect(try await server.post("/v1/features/online", body).status == 200)
            #expect(try await server.get("/health").status == 200)
        }
    }
}
