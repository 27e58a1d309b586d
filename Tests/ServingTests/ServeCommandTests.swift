import FeatureRegistry
import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import SchemaMigrations
import OfflineStore
import Postgres
import Testing
import TestSupport

/// The `pantry serve` binary itself: unlike the in-process fixture, it runs Swift concurrency on
/// SwiftNIO's event loops (see `Pantry.main`) and reads Redis through the event-loop multiplexer.
@Suite("pantry serve, the binary")
struct ServeCommandTests {
    @Test("answers concurrent lookups and pushes with tasks on the event loops, and exits cleanly on SIGTERM")
    func binary() async throws {
        try await ServeBinary.run { process, server in

            let now = ISO8601DateFormatter().string(from: Date())
            let push = try await server.post("/v1/push", """
                {"view": "stats", "to": "online", "rows": [{"user_id": 7, "ts": "\(now)", "score": 1.25, "label": "x"}]}
                """, token: "t0ken")
            #expect(push.status == 200, "\(push.body)")
            let statuses = try await withThrowingTaskGroup(of: [String].self) { group in
                for user in 0..<32 {
                    group.addTask {
                        let read = try await server.post("/v1/features/online", "{\"entities\": {\"user_id\": [\(user % 2 == 0 ? 7 : 8)]}, \"features\": [\"stats:score\"]}")
                        return ((read.json as? [String: Any])?["results"] as? [[String: Any]])?[1]["statuses"] as? [String] ?? ["HTTP \(read.status)"]
                    }
                }
                return try await group.reduce(into: []) { $0 += $1 }
            }
            #expect(statuses.filter { $0 == "PRESENT" }.count == 16, "\(statuses)")
            #expect(statuses.filter { $0 == "NOT_FOUND" }.count == 16, "\(statuses)")

            process.terminate()  // SIGTERM: graceful shutdown, without waiting out the registry refresh interval (10 s)
            let deadline = Date().addingTimeInterval(5)
            while process.isRunning && Date() < deadline { try await Task.sleep(for: .milliseconds(50)) }
            #expect(!process.isRunning, "pantry serve did not stop within 5 s of SIGTERM")
            #expect(process.terminationStatus == 0)
        }
    }
}
