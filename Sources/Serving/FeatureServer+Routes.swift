import Core
import FeatureRegistry
import Foundation
import Hummingbird
import OfflineStore
import OnlineFeatures
import Redis

/// The HTTP API (see `openapi.yaml`, served at `/openapi.yaml`).
extension FeatureServer {
    /// `POST /v1/features/online` and Feast's `POST /get-online-features`.
    struct OnlineRequestBody: Decodable {
        let entities: [String: [JSONValue]]
        let features: [String]?
        let feature_service: String?
        let full_feature_names: Bool?
        let as_of: String?
    }

    /// `POST /v1/push` (row-major `rows`) and Feast's `POST /push` (column-major `df`).
    struct PushBody {
        let view: String?
        let push_source_name: String?
        let rows: [[String: JSONValue]]?
        let df: [String: [JSONValue]]?
        let to: String?
    }

    struct PushResult: Encodable {
        let view: String
        let offline_rows: Int
        let online: OnlineCounts?
        struct OnlineCounts: Encodable { let current: Int, history: Int, dropped: Int }
    }

    /// Every route and its methods; any other method on these paths answers 405 with `Allow`.
    /// Writes sit behind the write token when one is set (the server refuses to start on a
    /// non-loopback address without one, see `checkExposure()`); online and registry reads
    /// behind the read token when one is set. `/health`, `/metrics`, `/openapi.yaml` stay open.
    func addRoutes(to router: Router<BasicRequestContext>) {
        let writes = router.group()
        if let token = configuration.writeToken { writes.add(middleware: BearerTokenMiddleware(token: token, purpose: "writes")) }
        // Without a read token, reads go on the router itself: no group, no middleware, no cost.
        let reads: any RouterMethods<BasicRequestContext> = configuration.readToken.map {
            router.group().add(middleware: BearerTokenMiddleware(token: $0, purpose: "reads"))
        } ?? router

        reads.post("/v1/features/online") { request, _ in
            var request = request
            return try await instrumented("/v1/features/online") {
                try await offloadingLargeBody(&request) { rawJSON(OnlineResponseJSON.write(try await onlineFeatures(&$0), style: .pantry)) }
            }
        }
        reads.post("/get-online-features") { request, _ in
            var request = request
            return try await instrumented("/get-online-features") {
                try await offloadingLargeBody(&request) { rawJSON(OnlineResponseJSON.write(try await onlineFeatures(&$0), style: .feast)) }
            }
        }
        writes.post("/v1/push") { request, _ in
            var request = request
            return try await instrumented("/v1/push") { try await offloadingLargeBody(&request) { try await push(&$0) } }
        }
        writes.post("/push") { request, _ in
            var request = request
            return try await instrumented("/push") { try await offloadingLargeBody(&request) { try await push(&$0) } }
        }
        reads.get("/v1/registry/entities") { _, _ in try await instrumented("/v1/registry") { try json(registry.repository.entities) } }
        reads.get("/v1/registry/feature-views") { _, _ in try await instrumented("/v1/registry") { try json(registry.repository.views) } }
        reads.get("/v1/registry/feature-services") { _, _ in try await instrumented("/v1/registry") { try json(registry.repository.services) } }
        reads.get("/v1/registry/feature-views/{name}") { _, context in
            try await instrumented("/v1/registry") {
                let name = try context.parameters.require("name")
                guard let view = registry.repository.view(named: name) else {
                    throw HTTPError(.notFound, message: "no feature view named \"\(name)\"")
                }
                return try json(view)
            }
        }
        addRecommendationRoutes(to: reads)
        addSearchRoutes(to: reads)
        router.get("/health") { _, _ in try await health() }
        router.get("/metrics") { _, _ in
            ServerMetrics.registryAge.record(registry.ageSeconds)
            if let search { ServerMetrics.record(searchCache: search.statistics()) }
            if let llm { ServerMetrics.record(explanationCache: llm.stage.cache.statistics) }
            return Response(status: .ok, headers: [.contentType: "text/plain; version=0.0.4"],
                            body: .init(byteBuffer: ByteBuffer(bytes: metrics.emitToBuffer())))
        }
        // Read once, here, not per request: a file read would block the event loop.
        let openAPI = Bundle.module.url(forResource: "openapi", withExtension: "yaml").flatMap { try? Data(contentsOf: $0) }
        router.get("/openapi.yaml") { _, _ in
            guard let openAPI else { throw HTTPError(.notFound) }
            return Response(status: .ok, headers: [.contentType: "application/yaml"], body: .init(byteBuffer: ByteBuffer(bytes: openAPI)))
        }
        MethodNotAllowed.add(to: router, routes: [
            ("/v1/features/online", [.post]), ("/get-online-features", [.post]), ("/v1/push", [.post]), ("/push", [.post]),
            ("/v1/registry/entities", [.get]), ("/v1/registry/feature-views", [.get]), ("/v1/registry/feature-services", [.get]),
            ("/v1/registry/feature-views/{name}", [.get]), ("/v1/recommendations/{user}", [.get]), ("/v1/recommendations", [.post]),
            ("/v1/items/{item}/similar", [.get]), ("/v1/items/popular", [.get]), ("/v1/items/latest", [.get]), ("/health", [.get]), ("/metrics", [.get]), ("/openapi.yaml", [.get]),
        ])
    }

    func onlineFeatures(_ request: inout Request) async throws -> OnlineFeatureService.Response {
        let body = try await parseOnlineRequest(&request)
        let (repository, plan) = try registry.plan(features: body.features, service: body.feature_service,
                                                   fullFeatureNames: body.full_feature_names ?? false)
        let rows = body.entities.values.first?.count ?? 0
        guard rows <= configuration.maxBatchRows else {
            throw HTTPError(.badRequest, message: "\(rows) entity rows in one request; the limit is \(configuration.maxBatchRows)")
        }
        let asOf = try body.as_of.map { text -> Date in
            do { return Timestamp.date(micros: try Timestamp.parseMicros(text)) } catch {
                throw HTTPError(.badRequest, message: "as_of: \(error)")
            }
        }
        ServerMetrics.onlineRows.increment(by: rows)
        return try await OnlineFeatureService(store: RedisOnlineStore(pool: redis, repository: repository, historyDepth: historyDepth,
                                                                      staleRetentionSeconds: staleRetentionSeconds, multiplexer: reads),
                                              repository: repository)
            .read(entities: body.entities, plan: plan, asOf: asOf)
    }

    /// Parses an online request without Codable (this runs on every lookup).
    func parseOnlineRequest(_ request: inout Request) async throws -> OnlineRequestBody {
        let fields = try await jsonObject(&request)
        for key in fields.keys where !["entities", "features", "feature_service", "full_feature_names", "as_of"].contains(key) {
            throw HTTPError(.badRequest, message: "unknown field \"\(key)\" (expected entities, features or feature_service, full_feature_names, as_of)")
        }
        guard case .object(let entityFields)? = fields["entities"] else {
            throw HTTPError(.badRequest, message: "\"entities\" must be an object of columns, e.g. {\"user_id\": [1, 2]}")
        }
        var entities: [String: [JSONValue]] = [:]
        for (name, value) in entityFields {
            guard case .array(let values) = value else { throw HTTPError(.badRequest, message: "entity column \"\(name)\" must be a list") }
            entities[name] = values
        }
        func strings(_ key: String) throws -> [String]? {
            guard let value = fields[key], value != .null else { return nil }
            guard case .array(let items) = value else { throw HTTPError(.badRequest, message: "\"\(key)\" must be a list of strings") }
            return try items.map {
                guard case .string(let text) = $0 else { throw HTTPError(.badRequest, message: "\"\(key)\" must be a list of strings") }
                return text
            }
        }
        func string(_ key: String) throws -> String? {
            guard let value = fields[key], value != .null else { return nil }
            guard case .string(let text) = value else { throw HTTPError(.badRequest, message: "\"\(key)\" must be a string") }
            return text
        }
        var full: Bool?
        if let value = fields["full_feature_names"], value != .null {
            guard case .bool(let flag) = value else { throw HTTPError(.badRequest, message: "\"full_feature_names\" must be true or false") }
            full = flag
        }
        return OnlineRequestBody(entities: entities, features: try strings("features"), feature_service: try string("feature_service"),
                                 full_feature_names: full, as_of: try string("as_of"))
    }

    /// `POST /v1/push`, `POST /push` (the write token, when set, is checked by middleware first).
    func push(_ request: inout Request) async throws -> Response {
        let body = try await parsePushBody(&request)
        guard let name = body.view ?? body.push_source_name else {
            throw HTTPError(.badRequest, message: "missing \"view\" (or Feast's \"push_source_name\")")
        }
        let repository = registry.repository
        guard let view = repository.view(named: name) else {
            throw HTTPError(.badRequest, message: "unknown feature view \"\(name)\" (views: \(repository.views.map(\.name).joined(separator: ", ")))")
        }
        let records = try Self.records(rows: body.rows, columns: body.df)
        guard records.count <= configuration.maxBatchRows else {
            throw HTTPError(.badRequest, message: "\(records.count) rows in one push; the limit is \(configuration.maxBatchRows)")
        }
        let destination = body.to ?? "online_and_offline"
        guard ["online", "offline", "online_and_offline"].contains(destination) else {
            throw HTTPError(.badRequest, message: "\"to\" is \"\(destination)\": expected online, offline or online_and_offline")
        }
        // Check (and convert for online) before writing anything anywhere, whatever the
        // destination: both stores follow the same value rules, and errors name the row.
        let rows = try Self.onlineRows(records, view: view, repository: repository)
        let profileUpdates = destination == "offline" ? [] : try liveProfileEvents(rows, view: view, repository: repository)
        var offlineRows = 0
        if destination != "online" {
            let table = try await postgres.withConnection { connection in
                OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(connection))
            }
            offlineRows = try await postgres.withConnection { try Ingestor(table: table, createsPartitions: false).push(records, source: "push", on: $0) }
        }
        var online: PushResult.OnlineCounts?
        if destination != "offline" {
            let summary = try await store.write(rows)
            if summary.corrupt > 0 {
                throw HTTPError(.internalServerError, message: """
                    \(summary.corrupt) of \(rows.count) rows were not written online: the stored value of their entity is corrupt \
                    (\(summary.corruptKeys.joined(separator: ", "))); the other rows were written\(destination == "online" ? "" : ", and all rows offline"). \
                    Repair with `pantry clear-online --views \(view.name)` and a materialization
                    """)
            }
            online = .init(current: summary.current, history: summary.history, dropped: summary.dropped)
            for (profiles, events) in profileUpdates {
                ServerMetrics.profileUpdates.increment(by: try await redis.withConnection { try profiles.apply(events, on: $0) })
            }
        }
        ServerMetrics.pushedRows.increment(by: records.count)
        return try json(PushResult(view: view.name, offline_rows: offlineRows, online: online))
    }

    /// Row-major rows, or Feast's column-major `df`, as records.
    static func records(rows: [[String: JSONValue]]?, columns: [String: [JSONValue]]?) throws -> [[String: JSONValue]] {
        switch (rows, columns) {
        case (let rows?, nil): return rows
        case (nil, let columns?):
            let count = columns.values.first?.count ?? 0
            guard columns.values.allSatisfy({ $0.count == count }) else {
                throw HTTPError(.badRequest, message: "\"df\" columns have different lengths")
            }
            return (0..<count).map { index in columns.mapValues { $0[index] } }
        default:
            throw HTTPError(.badRequest, message: "give exactly one of \"rows\" (a list of objects) or \"df\" (columns)")
        }
    }

    /// Validates pushed records for the online store: keys, event time, and typed values.
    static func onlineRows(_ records: [[String: JSONValue]], view: FeatureView, repository: FeatureRepository) throws -> [OnlineRow] {
        let keys = repository.joinKeys(of: view)
        return try records.enumerated().map { index, record in
            func fail(_ column: String, _ message: String) -> HTTPError {
                HTTPError(.badRequest, message: "row \(index), column \(column): \(message)")
            }
            for column in record.keys where !keys.contains(where: { $0.name == column }) && column != view.eventTimestampColumn
                && column != view.createdTimestampColumn && view.feature(named: column) == nil {
                throw fail(column, "unknown column for view \(view.name)")
            }
            let keyValues = try keys.map { key -> String in
                switch (key.type, record[key.name]) {
                case (_, nil), (_, .null?): throw fail(key.name, "required join key is missing")
                case (.string, let value?):
                    do { return try ValueCheck.string(value) } catch { throw fail(key.name, "\(error)") }
                case (.int32, let value?), (.int64, let value?):
                    do { return String(try ValueCheck.integer(value, key.type)) } catch { throw fail(key.name, "\(error)") }
                case (_, let other?): throw fail(key.name, "expected \(key.type), found \(other.shown)")
                }
            }
            func micros(_ column: String) throws -> Int64? {
                guard let value = record[column], value != .null else { return nil }
                do { return try ValueCheck.timestampMicros(value) } catch { throw fail(column, "\(error)") }
            }
            guard let event = try micros(view.eventTimestampColumn) else { throw fail(view.eventTimestampColumn, "required event time is missing") }
            let created = try view.createdTimestampColumn.flatMap { try micros($0) }
            let values = try view.features.map { feature -> FeatureValue in
                do { return try FeatureValue(json: record[feature.name] ?? .null, type: feature.type) } catch {
                    throw fail(feature.name, "\(error)")
                }
            }
            return OnlineRow(view: view, keys: keyValues, eventMicros: event, createdMicros: created, values: values)
        }
    }

    /// `GET /health`: 200 when Redis and PostgreSQL answer, 503 otherwise, saying which failed.
    /// Each check gives up after `healthTimeoutSeconds`, so a hung dependency cannot hang
    /// the health check (load balancers would take a hang for a dead server).
    func health() async throws -> Response {
        struct Health: Encodable { let status: String; let redis: String; let postgres: String; let registry_age_seconds: Int }
        let timeout = configuration.healthTimeoutSeconds
        async let redisState = HealthCheck.run("redis", timeout: timeout, logger: logger) { [redis] in
            try await redis.send(RedisCommand("PING")) == .status("PONG") ? "ok" : "unexpected reply"
        }
        async let postgresState = HealthCheck.run("postgres", timeout: timeout, logger: logger) { [postgres] in
            _ = try await postgres.query("SELECT 1", name: "health")
            return "ok"
        }
        let (r, p) = await (redisState, postgresState)
        let healthy = r == "ok" && p == "ok"
        return try json(Health(status: healthy ? "ok" : "unavailable", redis: r, postgres: p, registry_age_seconds: Int(registry.ageSeconds)),
                        status: healthy ? .ok : .serviceUnavailable)
    }
}
