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
/// ranking run on the thread pool unless the model says the request is light (a default page,
/// ~0.1 ms, where the thread hop would cost a fifth of the throughput).
extension FeatureServer {
    func addRecommendationRoutes(to reads: any RouterMethods<BasicRequestContext>) {
        reads.get("/v1/recommendations/{user}") { request, context in
            try await instrumented("/v1/recommendations") {
                let parameters = try RecommendationParameters(query: request.uri.queryParameters,
                                                              allowed: RecommendationParameters.listKeys + RecommendationParameters.llmKeys)
                let user = try RecommendationParameters.id(try context.parameters.require("user"), name: "user")
                if parameters.explain > 0, request.headers[.accept]?.contains("text/event-stream") == true {
                    return try await streamRecommendations(user: user, context: [], parameters)
                }
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
        let started = ContinuousClock.now
        var retrieved = try await retrieve(user: user, context: context, parameters)
        guard parameters.wantsLLM else { return Self.answer(retrieved.model, items: retrieved.items, extra: retrieved.extra) }
        let outcome = await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            await llmStage(retrieved.model, items: retrieved.items, liked: retrieved.liked, parameters, started: started)
        }
        retrieved.extra.merge(outcome.extra) { $1 }
        return Self.answer(retrieved.model, items: outcome.items, extra: retrieved.extra, annotations: outcome.annotations)
    }

    /// The retrieval answer of a recommendation request (the reranker's candidates when the
    /// request asks for the LLM stage) and the likes it was made from.
    struct Retrieved: Sendable {
        let model: RecommendationModel
        let items: [Recommendation.Item]
        var extra: [String: JSONValue]
        /// The user's likes then the session's context, oldest first.
        let liked: [Int64]
    }

    func retrieve(user: Int64?, context: [Int64], _ parameters: RecommendationParameters) async throws -> Retrieved {
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
        let (k, offset) = parameters.wantsLLM ? llmDepth(parameters, model: model) : (parameters.k, parameters.offset)
        let query = RecommendationQuery(liked: profile.liked + context, exclude: context.isEmpty ? profile.seen : profile.seen.union(context), userFactors: factors,
                                        k: k, offset: offset, filter: parameters.filter)
        let answer = try await offloaded(inline: model.isLight(query)) { try model.recommend(query) }
        ServerMetrics.recommendations(user == nil ? "session" : "user", coldStart: answer.coldStart).increment()
        var extra: [String: JSONValue] = ["cold_start": .bool(answer.coldStart), "candidates": .integer(Int64(answer.candidates))]
        extra["user"] = user.map(JSONValue.integer) ?? .null
        return Retrieved(model: model, items: answer.items, extra: extra, liked: profile.liked + context)
    }

    /// The user's trained factors from the online store (nil when absent).
    func userFactors(_ user: Int64, key: String, reference: String) async throws -> [Float]? {
        let (repository, plan) = try registry.plan(features: [reference], service: nil, fullFeatureNames: false)
        let response = try await OnlineFeatureService(store: store, repository: repository)
            .read(entities: [key: [.integer(user)]], plan: plan, asOf: nil)
        guard let column = response.columns.first(where: { $0.name != key }), case .vector(let v)? = column.values.first else { return nil }
        return v
    }

    /// Runs CPU work (candidate search, ranking) on the thread pool, or in place when `inline`
    /// (light work: the hop would cost more than the work); model errors become 400/404.
    func offloaded<T: Sendable>(inline: Bool = false, _ work: @Sendable @escaping () throws -> T) async throws -> T {
        func run() throws -> T {
            do { return try work() } catch let error as RecommendationError {
                let status: HTTPResponse.Status = switch error.kind {
                case .notFound: .notFound
                case .badParameter: .badRequest
                case .unavailable: .serviceUnavailable
                }
                throw HTTPError(status, message: error.description)
            }
        }
        if inline { return try run() }
        return try await withTaskExecutorPreference(ThreadPoolExecutor.shared) { try run() }
    }

    /// The response body, written straight into bytes (this runs on every request): `extra`
    /// fields, then recommender, model_version and the items with their content.
    static func answer(_ model: RecommendationModel, items: [Recommendation.Item], extra: [String: JSONValue],
                       annotations: [Int64: LLMAnnotation] = [:]) -> [UInt8] {
        var b: [UInt8] = []
        b.reserveCapacity(200 + items.count * 320)
        func key(_ name: String) { b.append(UInt8(ascii: "\"")); b += name.utf8; b += "\":".utf8 }
        func value(_ v: JSONValue) { JSONWriter.write(v, into: &b) }
        func number(_ x: Float) { value(.number((Double(x) * 1e4).rounded() / 1e4)) }
        b.append(UInt8(ascii: "{"))
        for (name, v) in extra.sorted(by: { $0.key < $1.key }) { key(name); value(v); b.append(UInt8(ascii: ",")) }
        key("recommender"); value(.string(model.definition.name))
        b.append(UInt8(ascii: ",")); key("model_version"); value(.integer(Int64(model.version)))
        b.append(UInt8(ascii: ",")); key("items"); b.append(UInt8(ascii: "["))
        for (index, item) in items.enumerated() {
            if index > 0 { b.append(UInt8(ascii: ",")) }
            b.append(UInt8(ascii: "{")); key("item"); value(.integer(item.item))
            b.append(UInt8(ascii: ",")); key("score"); number(item.score)
            if let content = model.items[item.item] {
                b.append(UInt8(ascii: ",")); key("title"); value(.string(content.title))
                b.append(UInt8(ascii: ",")); key("year"); value(content.year.map { .integer(Int64($0)) } ?? .null)
                b.append(UInt8(ascii: ",")); key("genres"); value(.array(content.categories.map(JSONValue.string)))
            }
            b.append(UInt8(ascii: ",")); key("sources"); value(.array(item.sources.map(JSONValue.string)))
            b.append(UInt8(ascii: ",")); key("components"); b.append(UInt8(ascii: "{"))
            for (c, (name, x)) in item.components.sorted(by: { $0.key < $1.key }).enumerated() {
                if c > 0 { b.append(UInt8(ascii: ",")) }
                key(name); number(x)
            }
            b.append(UInt8(ascii: "}"))
            if let note = annotations[item.item] {
                if let rank = note.retrievalRank { b.append(UInt8(ascii: ",")); key("retrieval_rank"); value(.integer(Int64(rank))) }
                if let score = note.llmScore { b.append(UInt8(ascii: ",")); key("llm_score"); number(score) }
                if let e = note.explanation {
                    b.append(UInt8(ascii: ",")); key("explanation")
                    value(.object(["text": .string(e.text), "source": .string(e.source.rawValue)]))
                }
            }
            b.append(UInt8(ascii: "}"))
        }
        b += "]}".utf8
        return b
    }
}

extension FeatureServer {
    /// The live-profile updates a push to `view` implies: one event per row for each served
    /// recommender whose interactions are that view. Checked before anything is written, so a
    /// row of unknown kind fails the whole push with a 400 naming it.
    func liveProfileEvents(_ rows: [OnlineRow], view: FeatureView, repository: FeatureRepository) throws -> [(LiveProfiles, [Interaction])] {
        guard let recommendations else { return [] }
        let keys = repository.joinKeys(of: view).map(\.name)
        return try recommendations.definitions(interactionsView: view.name).map { definition in
            let spec = definition.interactions
            guard let u = keys.firstIndex(of: spec.user), let i = keys.firstIndex(of: spec.item) else { return (LiveProfiles(definition), []) }
            let weightAt = spec.weight.flatMap { name in view.features.firstIndex { $0.name == name } }
            let kindAt = spec.kind.flatMap { name in view.features.firstIndex { $0.name == name } }
            let events = try rows.enumerated().compactMap { index, row -> Interaction? in
                guard let user = Int64(row.keys[u]), let item = Int64(row.keys[i]) else { return nil }
                var value: Double?, kind: String?
                switch weightAt.map({ row.values[$0] }) {
                case .int(let v)?: value = Double(v)
                case .double(let v)?: value = v
                default: break
                }
                if let kindAt, case .string(let k) = row.values[kindAt] { kind = k }
                do {
                    return try spec.weight(value: value, kind: kind).map { Interaction(user: user, item: item, weight: $0, time: row.eventMicros) }
                } catch {
                    throw HTTPError(.badRequest, message: "row \(index), column \(spec.kind ?? spec.weight ?? "weight"): \(error)")
                }
            }
            return (LiveProfiles(definition), events)
        }
    }
}
