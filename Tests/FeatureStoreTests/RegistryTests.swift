import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import Testing
import TestSupport

@Suite("Registry")
struct RegistryTests {
    static func repository(extraFeature: Bool = false, retype: Bool = false) -> FeatureRepository {
        var features = [Feature(name: "total", type: retype ? .int64 : .double)]
        if extraFeature { features.append(Feature(name: "count", type: .int32)) }
        return FeatureRepository(
            project: "shop",
            entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int64)],
            views: [FeatureView(name: "orders", entities: ["customer"], features: features, ttlSeconds: 3600)],
            services: [FeatureService(name: "checkout", features: [FeatureReference(view: "orders", feature: nil)])])
    }

    @Test("apply creates objects and tables, records history; re-applying changes nothing")
    func applyAndReapply() async throws {
        try await StoreFixture.withStore { connection in
            let first = try StoreFixture.apply(Self.repository(), on: connection)
            #expect(first.changes.map(\.action) == [.create, .create, .create])
            #expect(try RegistryStore().load(project: "shop", on: connection) == Self.repository())
            #expect(try connection.query("SELECT to_regclass('pantry_offline.shop__orders') IS NOT NULL")[0].decode(Bool.self, at: 0))
            #expect(try StoreFixture.apply(Self.repository(), on: connection).isEmpty)
            #expect(try RegistryStore().history(project: "shop", on: connection).count == 1)
        }
    }

    @Test("adding a feature is a non-breaking update that adds the column and bumps the version")
    func nonBreakingUpdate() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository(), on: connection)
            let plan = try StoreFixture.apply(Self.repository(extraFeature: true), on: connection)
            #expect(plan.changes.count == 1 && plan.changes[0].action == .update && !plan.changes[0].breaking)
            #expect(plan.summary[0].contains("feature count added (int32)"))
            #expect(try RegistryStore().versions(project: "shop", on: connection)["feature_view:orders"] == 2)
            let columns = try connection.query("SELECT column_name FROM information_schema.columns WHERE table_name = 'shop__orders' ORDER BY ordinal_position").rows.map { try $0.decode(String.self, at: 0) }
            #expect(columns.contains("count"))
        }
    }

    @Test("a breaking change is refused without --allow-breaking and nothing changes")
    func breakingRefused() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository(), on: connection)
            let plan = try RegistryStore().plan(Self.repository(retype: true), on: connection)
            #expect(plan.hasBreakingChanges)
            #expect(plan.summary[0].contains("feature total: double -> int64"))
            let error = #expect(throws: RegistryError.self) { try StoreFixture.apply(Self.repository(retype: true), on: connection) }
            #expect(error?.description.contains("--allow-breaking") == true)
            #expect(try RegistryStore().load(project: "shop", on: connection) == Self.repository())
            let rebuilt = try RegistryStore().apply(Self.repository(retype: true), allowBreaking: true, hooks: [OfflineTablesHook()], on: connection)
            #expect(rebuilt.changes.count == 1)
            let type = try connection.query("SELECT data_type FROM information_schema.columns WHERE table_name = 'shop__orders' AND column_name = 'total'")[0].decode(String.self, at: 0)
            #expect(type == "bigint")
        }
    }

    @Test("concurrent applies serialise: one creates, the others find nothing to do")
    func concurrentApplies() async throws {
        try await StoreFixture.withStore { connection in
            let database = try connection.query("SELECT current_database()")[0].decode(String.self, at: 0)
            let pool = PostgresPool(configuration: PostgresConfiguration(url: TestServers.url(try TestServers.postgresURL(), database: database), maxConnections: 4))
            defer { pool.close() }
            let counts = try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<4 {
                    group.addTask {
                        try await pool.withConnection {
                            try RegistryStore().apply(Self.repository(), allowBreaking: false, hooks: [OfflineTablesHook()], on: $0).changes.count
                        }
                    }
                }
                return try await group.reduce(into: [Int]()) { $0.append($1) }
            }
            #expect(counts.sorted() == [0, 0, 0, 3])
        }
    }
}
