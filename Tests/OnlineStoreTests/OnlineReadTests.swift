import FeatureRegistry
import Foundation
import OfflineStore
import OnlineStore
import Testing
import TestSupport

@Suite("Online reads")
struct OnlineReadTests {
    @Test("statuses: unknown entity NOT_FOUND, stored null NULL_VALUE, stale OUTSIDE_MAX_AGE, before history OUTSIDE_HISTORY")
    func statuses() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project(), ttl: 3_600)
        let store = try OnlineFixture.store(repository, history: 2)
        defer { store.pool.close() }
        let stats = repository.view(named: "stats")!
        let now = Date()
        let nowSeconds = Int(now.timeIntervalSince1970)
        _ = try await store.write([
            OnlineRow(view: stats, keys: ["1"], eventMicros: OnlineFixture.micros(nowSeconds - 60), createdMicros: nil,
                      values: [.double(1.5), .null, .null, .null]),
            OnlineRow(view: stats, keys: ["2"], eventMicros: OnlineFixture.micros(nowSeconds - 7_200), createdMicros: nil,
                      values: [.double(9), .null, .null, .null]),
            OnlineRow(view: stats, keys: ["3"], eventMicros: OnlineFixture.micros(nowSeconds - 300), createdMicros: nil, values: [.double(3), .null, .null, .null]),
            OnlineRow(view: stats, keys: ["3"], eventMicros: OnlineFixture.micros(nowSeconds - 200), createdMicros: nil, values: [.double(4), .null, .null, .null]),
        ])
        let service = OnlineFeatureService(store: store, repository: repository)
        let response = try await service.read(.init(entities: ["user_id": [.integer(1), .integer(2), .integer(99)]],
                                                     references: [FeatureReference(view: "stats", feature: "score"), FeatureReference(view: "stats", feature: "tags")]),
                                              now: now)
        #expect(response.columns.map(\.name) == ["user_id", "score", "tags"])
        #expect(response.columns[1].statuses == [.present, .outsideMaxAge, .notFound])
        #expect(response.columns[1].values == [.double(1.5), .null, .null])
        #expect(response.columns[2].statuses == [.nullValue, .outsideMaxAge, .notFound])
        #expect(response.columns[1].eventMicros[0] == OnlineFixture.micros(nowSeconds - 60))

        // As of a past time: the version valid then, or OUTSIDE_HISTORY when older than what is kept.
        let asOf = try await service.read(.init(entities: ["user_id": [.integer(3), .integer(3)]],
                                                references: [FeatureReference(view: "stats", feature: "score")],
                                                asOf: now.addingTimeInterval(-250)), now: now)
        #expect(asOf.columns[1].values == [.double(3), .double(3)])
        let tooOld = try await service.read(.init(entities: ["user_id": [.integer(3)]], references: [FeatureReference(view: "stats", feature: "score")],
                                                  asOf: now.addingTimeInterval(-1_000)), now: now)
        #expect(tooOld.columns[1].statuses == [.outsideHistory])
    }

    @Test("bad requests are explained: unknown feature, missing or mistyped entity column, ragged columns")
    func badRequests() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project())
        let store = try OnlineFixture.store(repository)
        defer { store.pool.close() }
        let service = OnlineFeatureService(store: store, repository: repository)
        func failure(_ request: OnlineFeatureService.Request) async -> String {
            do { _ = try await service.read(request); return "no error" } catch { return "\(error)" }
        }
        #expect(await failure(.init(entities: ["user_id": [.integer(1)]], references: [FeatureReference(view: "stats", feature: "nope")])).contains("unknown feature \"nope\""))
        #expect(await failure(.init(entities: ["user_id": [.integer(1)]], references: [FeatureReference(view: "pair", feature: nil)])).contains("missing entity column \"item_id\""))
        #expect(await failure(.init(entities: ["user_id": [.string("one")]], references: [FeatureReference(view: "stats", feature: nil)])).contains("expected int64, found \"one\""))
        #expect(await failure(.init(entities: ["user_id": [.integer(1)], "item_id": []], references: [FeatureReference(view: "pair", feature: nil)])).contains("different lengths: item_id 0, user_id 1"))
    }
}
