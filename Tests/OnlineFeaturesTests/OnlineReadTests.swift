import Core
import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Redis
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

    @Test("a lookup without as_of applies the offline rule: a future event is not served; an older kept version is")
    func futureEvents() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project())
        let store = try OnlineFixture.store(repository)
        defer { store.pool.close() }
        let stats = repository.view(named: "stats")!
        let now = Date()
        let seconds = Int(now.timeIntervalSince1970)
        _ = try await store.write([
            // Only a future version.
            OnlineRow(view: stats, keys: ["1"], eventMicros: OnlineFixture.micros(seconds + 3_600), createdMicros: nil, values: [.double(1), .null, .null, .null]),
            // A past version and a future one.
            OnlineRow(view: stats, keys: ["2"], eventMicros: OnlineFixture.micros(seconds - 60), createdMicros: nil, values: [.double(2), .null, .null, .null]),
            OnlineRow(view: stats, keys: ["2"], eventMicros: OnlineFixture.micros(seconds + 3_600), createdMicros: nil, values: [.double(20), .null, .null, .null]),
        ])
        let response = try await OnlineFeatureService(store: store, repository: repository)
            .read(.init(entities: ["user_id": [.integer(1), .integer(2)]], references: [FeatureReference(view: "stats", feature: "score")]), now: now)
        #expect(response.columns[1].values == [.null, .double(2)])
        #expect(response.columns[1].statuses == [.outsideHistory, .present])
        #expect(response.columns[1].eventMicros == [nil, OnlineFixture.micros(seconds - 60)])
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

@Suite("Online read plans")
struct OnlineReadPlanTests {
    /// The fixture's views plus a second view of the user entity.
    static func repository() -> FeatureRepository {
        var repository = OnlineFixture.repository(project: OnlineFixture.project())
        repository.views.append(FeatureView(name: "profile", entities: ["user"], features: [Feature(name: "age", type: .int64)],
                                            eventTimestampColumn: "ts", ttlSeconds: 0))
        return repository
    }

    @Test("views of one entity share one HMGET; rows with a missing key are NOT_FOUND; pool and multiplexer paths agree")
    func keyGroups() async throws {
        let repository = Self.repository()
        let store = try OnlineFixture.store(repository)
        defer { store.pool.close() }
        let multiplexer = RedisMultiplexer(configuration: store.pool.configuration)
        defer { multiplexer.close() }
        let multiplexed = RedisOnlineStore(pool: store.pool, repository: repository, historyDepth: 4, multiplexer: multiplexer)
        let (stats, profile, pair, global) = (repository.view(named: "stats")!, repository.view(named: "profile")!,
                                              repository.view(named: "pair")!, repository.view(named: "global")!)
        let event = OnlineFixture.micros(Int(Date().timeIntervalSince1970) - 60)
        _ = try await store.write([
            OnlineRow(view: stats, keys: ["1"], eventMicros: event, createdMicros: nil, values: [.double(0.5), .list([.string("a,b")]), .null, .null]),
            OnlineRow(view: profile, keys: ["1"], eventMicros: event, createdMicros: nil, values: [.int(31)]),
            OnlineRow(view: profile, keys: ["2"], eventMicros: event, createdMicros: nil, values: [.int(-7)]),
            OnlineRow(view: pair, keys: ["1", "a:b"], eventMicros: event, createdMicros: nil, values: [.int(3)]),
            OnlineRow(view: global, keys: [], eventMicros: event, createdMicros: nil, values: [.int(42)]),
        ])
        let plan = try OnlineReadPlan(references: ["stats:score", "profile:age", "pair:clicks", "global:total"].map { FeatureReference(parsing: $0)! },
                                      repository: repository, fullFeatureNames: true)
        #expect(plan.keyGroups.map(\.keyNames) == [["user_id"], ["user_id", "item_id"], []])
        #expect(plan.keyGroups.map(\.views) == [[0, 1], [2], [3]])

        let entities: [String: [JSONValue]] = ["user_id": [.integer(1), .integer(2), .null], "item_id": [.string("a:b"), .string("a:b"), .string("a:b")]]
        var answers: [OnlineFeatureService.Response] = []
        for backend in [store, multiplexed] {
            answers.append(try await OnlineFeatureService(store: backend, repository: repository).read(entities: entities, plan: plan, asOf: nil))
        }
        for response in answers {
            let byName = Dictionary(uniqueKeysWithValues: response.columns.map { ($0.name, $0) })
            #expect(byName["stats__score"]?.values == [.double(0.5), .null, .null])
            #expect(byName["stats__score"]?.statuses == [.present, .notFound, .notFound])
            #expect(byName["profile__age"]?.values == [.int(31), .int(-7), .null])
            #expect(byName["pair__clicks"]?.values == [.int(3), .null, .null])
            #expect(byName["global__total"]?.values == [.int(42), .int(42), .int(42)])
        }
        #expect(OnlineResponseJSON.write(answers[0], style: .pantry) == OnlineResponseJSON.write(answers[1], style: .pantry))

        // Cell reads go through the same path and keep each cell's own view.
        let cells = try await store.read([OnlineCell(view: "profile", keys: ["2"]), OnlineCell(view: "nope", keys: ["1"]),
                                          OnlineCell(view: "pair", keys: ["1", "a:b"]), OnlineCell(view: "stats", keys: ["2"])])
        #expect(cells.map { $0?.versions.first?.values.first } == [.int(-7), nil, .int(3), nil])
    }

    @Test("the response JSON: Pantry's statuses and microsecond times, or Feast's enum and seconds")
    func responseJSON() async throws {
        let repository = Self.repository()
        let store = try OnlineFixture.store(repository, history: 1)
        defer { store.pool.close() }
        let stats = repository.view(named: "stats")!
        _ = try await store.write([OnlineRow(view: stats, keys: ["5"], eventMicros: 1_700_000_000_123_456, createdMicros: nil,
                                             values: [.double(2.5), .list([.string("say \"hi\"\n")]), .timestamp(1_700_000_000_000_000), .vector([1, 0.5, -2])])])
        let response = try await OnlineFeatureService(store: store, repository: repository).read(
            .init(entities: ["user_id": [.integer(5), .integer(6)]], references: [FeatureReference(view: "stats", feature: nil)],
                  asOf: Date(timeIntervalSince1970: 1_600_000_000)))
        #expect(response.columns[1].statuses == [.outsideHistory, .notFound])
        let live = try await OnlineFeatureService(store: store, repository: repository).read(
            .init(entities: ["user_id": [.integer(5)]], references: [FeatureReference(view: "stats", feature: nil)]))
        #expect(String(decoding: OnlineResponseJSON.write(live, style: .pantry), as: UTF8.self) == """
            {"metadata":{"feature_names":["user_id","score","tags","seen_at","emb"]},"results":[\
            {"values":[5],"statuses":["PRESENT"],"event_timestamps":[null]},\
            {"values":[2.5],"statuses":["PRESENT"],"event_timestamps":["2023-11-14T22:13:20.123456Z"]},\
            {"values":[["say \\"hi\\"\\n"]],"statuses":["PRESENT"],"event_timestamps":["2023-11-14T22:13:20.123456Z"]},\
            {"values":["2023-11-14T22:13:20Z"],"statuses":["PRESENT"],"event_timestamps":["2023-11-14T22:13:20.123456Z"]},\
            {"values":[[1,0.5,-2]],"statuses":["PRESENT"],"event_timestamps":["2023-11-14T22:13:20.123456Z"]}]}
            """)
        let feast = String(decoding: OnlineResponseJSON.write(response, style: .feast), as: UTF8.self)
        #expect(feast.contains("\"statuses\":[\"NOT_FOUND\",\"NOT_FOUND\"]"), "\(feast)")
        #expect(feast.contains("\"event_timestamps\":[\"1970-01-01T00:00:00Z\",\"1970-01-01T00:00:00Z\"]"), "\(feast)")
        #expect(!feast.contains("OUTSIDE_HISTORY"))
    }
}
