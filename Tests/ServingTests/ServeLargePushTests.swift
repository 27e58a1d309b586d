import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import Postgres
import Testing
import TestSupport

/// `pantry serve` runs Swift concurrency on its event loops: a large push is parsed on the
/// thread pool, so lookups keep being answered while it is processed.
@Suite("pantry serve, a large push beside lookups")
struct ServeLargePushTests {
    @Test("lookups are answered while a multi-megabyte push is processed")
    func lookupsDuringLargePush() async throws {
        try await ServeBinary.run { _, server in

            let now = ISO8601DateFormatter().string(from: Date())
            let label = String(repeating: "x", count: 250)
            let rows = (0..<10_000).map { "{\"user_id\": \($0), \"ts\": \"\(now)\", \"score\": \($0).5, \"label\": \"\(label)\"}" }
            let push = "{\"view\": \"stats\", \"to\": \"online\", \"rows\": [\(rows.joined(separator: ","))]}"
            #expect(push.utf8.count > 2 << 20)
            async let pushed = server.post("/v1/push", push, token: "t0ken")
            var lookups: [Int] = []
            for user in 0..<20 {
                lookups.append(try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [\(user)]}, \"features\": [\"stats:score\"]}").status)
            }
            let pushAnswer = try await pushed
            #expect(pushAnswer.status == 200, "\(pushAnswer.body.prefix(300))")
            #expect(lookups.allSatisfy { $0 == 200 }, "\(lookups)")
        }
    }
}
