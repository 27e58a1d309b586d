import Core
import FeatureRegistry
import Foundation
import Hummingbird
import OnlineFeatures
import Recommender
import Redis

/// The recommendation door: `GET /v1/recommendations/{user}`, `POST /v1/recommendations` (a user
/// and/or a session's context), `GET /v1/items/{item}/similar`, `GET /v1/items/popular` and
/// `/latest`. Profiles are read online (one pipelined Redis round trip); candidate search and
/// ranking run on the thread pool, never on an event loop.
extension FeatureServer {
    func addRecommendationRoutes(to reads: any RouterMethods<BasicRequestContext>) {
        reads.get("/v1/recommendations/{user}") { request, context in
            try await instrumented("/v1/recommendations") {
                let parameters = try RecommendationParameters(query: request.uri.queryParameters, allowed: RecommendationParameters.listKeys)
                let user = try RecommendationParameters.id(try context.parameters.require("user"), name: "user")
                return rawJSON(try await recommend(user: user, context: [], parameters))
            }
        }
        reads.post("/v1/recommendations") { request, _ in
            var request = request
            return try await instrumented("/v1/recommendations") {
                let (user, contextItems, parameters) = try RecommendationParameters.body(try await jsonObject(&request))
                return rawJSON(try await recommend(user: user, context: contextItems, parameters))
            }
        }
        reads.get("/v1/items/{item}/similar") { request, context in
            try await instrumented("/v1/items/similar") {
                let parameters = try RecommendationParameters(query: request.uri.queryParameters, allowed: RecommendationParameters.listKeys)
                let item = try RecommendationParameters.id(try context.parameters.require("item"), name: "item")
                let model = try servedModel(parameters.recommender)
                let items = try await offloaded { try model.similar(to: item, k: parameters.k, offset: parameters.offset, filter: parameters.filter) }
                ServerMetrics.recommendations("similar", coldStart: false).increment()
                return rawJSON(Self.answer(model, items: items, extra: ["item": .integer(item)]))
            }
        }
        for order in [RecommendationModel.ListOrder.popular, .latest] {
            reads.get("/v1/items/\(order.rawValue)") { request, _ in
                try await instrumented("/v1/items/\(order.rawValue)") {
                    let parameters = try RecommendationParameters(query: request.uri.queryParameters, allowed: RecommendationParameters.listKeys)
                    let model = try servedModel(parameters.recommender)
                    let items = try await offloaded { try model.list(order, k: parameters.k, offset: parameters.offset, filter: parameters.filter) }
                    ServerMetrics.recommendations(order.rawValue, coldStart: false).increment()
                    return rawJSON(Self.answer(model, items: items, extra: [:]))
                }
            }
        }
    }

    func servedModel(_ name: String?) throws -> RecommendationModel {
        guard let service = recommendations else {
            throw HTTPError(.notFound, message: "this server serves no recommender (no definitions in Config/recommenders for project \(configuration.project))")
        }
        if let name, !service.definitions.contains(where: { $0.name == name }) {
            throw HTTPError(.badRequest, message: "recommender: unknown recommender \"\(name)\" (served: \(service.definitions.map(\.name).joined(separator: ", ")))")
        }
        guard let model = service.model(name) else {
            throw HTTPError(.serviceUnavailable, message: "recommender \(name ?? service.definitions.first?.name ?? "") has no trained model yet: run `pantry train`")
        }
        return model
    }

    /// A user's (or an anonymous session's) recommendations.
    func recommend(user: Int64?, context: [Int64], _ parameters: RecommendationParameters) async throws -> [UInt8] {
        let model = try servedModel(parameters.recommender)
        let definition = model.definition
        var profile = LiveProfiles.Profile(liked: [], seen: [])
        var factors: [Float]?
        if let user {
            let profiles = LiveProfiles(definition)
            async let replies = reads.pipeline(profiles.readCommands(user: user))
            if definition.ranking.weights["als_user_factors", default: 0] > 0, let view = definition.output?.userView, let feature = definition.output?.feature {
                factors = try await userFactors(user, key: definition.interactions.user, reference: "\(view):\(feature)")
            }
            profile = try profiles.profile(from: try await replies)
            if profile.isEmpty, factors == nil, !model.users.contains(user) {
                throw HTTPError(.notFound, message: "unknown user \(user): no interactions online or in the trained model")
            }
        }
        let query = RecommendationQuery(liked: profile.liked + context, exclude: profile.seen.union(context), userFactors: factors,
                                        k: parameters.k, offset: parameters.offset, filter: parameters.filter)
        let answer = try await offloaded { try model.recommend(query) }
        ServerMetrics.recommendations(user == nil ? "session" : "user", coldStart: answer.coldStart).increment()
        var extra: [String: JSONValue] = ["cold_start": .bool(answer.coldStart), "candidates": .integer(Int64(answer.candidates))]
        extra["user"] = user.map(JSONValue.integer) ?? .null
        return Self.answer(model, items: answer.items, extra: extra)
    }

    /// The user's trained factors from the online store (nil when absent).
    func userFactors(_ user: Int64, key: String, reference: String) async throws -> [Float]? {
        let (repository, plan) = try registry.plan(features: [reference], service: nil, fullFeatureNames: false)
        let response = try await OnlineFeatureService(store: store, repository: repository)
            .read(entities: [key: [.integer(user)]], plan: plan, asOf: nil)
        guard let column = response.columns.first(where: { $0.name != key }), case .vector(let v)? = column.values.first else { return nil }
        return v
    }

    /// Runs CPU work (candidate search, ranking) on the thread pool; model errors become 400/404.
    func offloaded<T: Sendable>(_ work: @Sendable @escaping () throws -> T) async throws -> T {
        try await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            do { return try work() } catch let error as RecommendationError {
                throw HTTPError(error.kind == .notFound ? .notFound : .badRequest, message: error.description)
            }
        }
    }

    static func answer(_ model: RecommendationModel, items: [Recommendation.Item], extra: [String: JSONValue]) -> [UInt8] {
        func rounded(_ x: Float) -> JSONValue { .number((Double(x) * 1e4).rounded() / 1e4) }
        var object = extra
        object["recommender"] = .string(model.definition.name)
        object["model_version"] = .integer(Int64(model.version))
        object["items"] = .array(items.map { item in
            var fields: [String: JSONValue] = [
                "item": .integer(item.item), "score": rounded(item.score),
                "components": .object(item.components.mapValues(rounded)), "sources": .array(item.sources.map(JSONValue.string)),
            ]
            if let content = model.items[item.item] {
                fields["title"] = .string(content.title)
                fields["year"] = content.year.map { .integer(Int64($0)) } ?? .null
                fields["genres"] = .array(content.categories.map(JSONValue.string))
            }
            return .object(fields)
        })
        var bytes: [UInt8] = []
        JSONWriter.write(.object(object), into: &bytes)
        return bytes
    }
}

extension FeatureServer {
    /// The live-profile updates a push to `view` implies: one event per row for each served
    /// recommender whose interactions are that view. Checked before anything is written, so a
    /// row of unknown kind fails the whole push with a 400 naming it.
    func liveProfileEvents(_ rows: [OnlineRow], view: FeatureView, repository: FeatureRepository) throws -> [(LiveProfiles, [LiveProfiles.Event])] {
        guard let recommendations else { return [] }
        let keys = repository.joinKeys(of: view).map(\.name)
        return try recommendations.definitions(interactionsView: view.name).map { definition in
            let spec = definition.interactions
            guard let u = keys.firstIndex(of: spec.user), let i = keys.firstIndex(of: spec.item) else { return (LiveProfiles(definition), []) }
            let weightAt = spec.weight.flatMap { name in view.features.firstIndex { $0.name == name } }
            let kindAt = spec.kind.flatMap { name in view.features.firstIndex { $0.name == name } }
            let events = try rows.enumerated().compactMap { index, row -> LiveProfiles.Event? in
                guard let user = Int64(row.keys[u]), let item = Int64(row.keys[i]) else { return nil }
                var value: Double?, kind: String?
                switch weightAt.map({ row.values[$0] }) {
                case .int(let v)?: value = Double(v)
                case .double(let v)?: value = v
                default: break
                }
                if let kindAt, case .string(let k) = row.values[kindAt] { kind = k }
                do {
                    return try spec.weight(value: value, kind: kind).map { LiveProfiles.Event(user: user, item: item, weight: $0, time: row.eventMicros) }
                } catch {
                    throw HTTPError(.badRequest, message: "row \(index), column \(spec.kind ?? spec.weight ?? "weight"): \(error)")
                }
            }
            return (LiveProfiles(definition), events)
        }
    }
}
