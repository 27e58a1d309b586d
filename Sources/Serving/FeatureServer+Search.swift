import Core
import Foundation
import Hummingbird
import Recommender
import VectorIndex

/// `GET /v1/search?q=…&k=10`: natural-language search over a recommender's item texts. The
/// query is encoded by the built-in sentence encoder (on the thread pool), searched in the text
/// index with the recommendation routes' filters, optionally personalised for `user`; answers
/// go through the semantic cache (see `SearchService`).
extension FeatureServer {
    static let searchKeys = RecommendationParameters.listKeys + ["q", "user", "personalization"]

    func addSearchRoutes(to reads: any RouterMethods<BasicRequestContext>) {
        reads.get("/v1/search") { request, _ in
            try await instrumented("/v1/search") {
                let query = request.uri.queryParameters
                let parameters = try RecommendationParameters(query: query, allowed: Self.searchKeys)
                let user = try query["user"].map { try RecommendationParameters.id(String($0), name: "user") }
                return rawJSON(try await search(text: try searchText(Self.formValue("q", in: request.uri.query)), user: user,
                                                personalization: try personalization(query["personalization"].map(String.init), user: user), parameters))
            }
        }
    }

    /// A query parameter decoded as HTML forms encode it (`+` is a space, `%2B` a plus), which
    /// is how search boxes send text; nil when absent.
    static func formValue(_ name: String, in query: String?) -> String? {
        for pair in (query ?? "").split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            guard parts.count == 2, parts[0] == name else { continue }
            let spaced = parts[1].replacingOccurrences(of: "+", with: " ")
            return spaced.removingPercentEncoding ?? spaced
        }
        return nil
    }

    func searchText(_ q: String?) throws -> String {
        guard let q, q.contains(where: { !$0.isWhitespace }) else {
            throw HTTPError(.badRequest, message: "q: the query text is missing or empty (GET /v1/search?q=animated+films+about+toys)")
        }
        let limit = search?.configuration.maximumQueryBytes ?? SearchService.Configuration().maximumQueryBytes
        guard q.utf8.count <= limit else { throw HTTPError(.badRequest, message: "q: \(q.utf8.count) bytes, at most \(limit)") }
        return q
    }

    func personalization(_ text: String?, user: Int64?) throws -> Float? {
        guard let text else { return nil }
        guard user != nil else { throw HTTPError(.badRequest, message: "personalization: given without a user to personalise for") }
        guard let value = Float(text), value.isFinite, (0...10).contains(value) else {
            throw HTTPError(.badRequest, message: "personalization: \"\(text.prefix(40))\", expected a number in 0...10")
        }
        return value
    }

    func search(text: String, user: Int64?, personalization: Float?, _ parameters: RecommendationParameters) async throws -> [UInt8] {
        let model = try servedModel(parameters.recommender)
        guard let service = search else {
            throw HTTPError(.serviceUnavailable, message: "search: no sentence encoder loaded (pantry serve --text-encoder DIR; scripts/setup.sh fetches all-MiniLM-L6-v2)")
        }
        guard model.textIndex != nil else {
            throw HTTPError(.serviceUnavailable, message: "search: model version \(model.version) of \(model.definition.name) has no text index (run the embedding job, e.g. Jobs/embed_movie_text.yaml, then pantry train)")
        }
        var liked: [Int64] = []
        if let user {
            let profiles = LiveProfiles(model.definition)
            let profile = try profiles.profile(from: try await reads.pipeline(profiles.readCommands(user: user)))
            if profile.isEmpty, !model.users.contains(user) {
                throw HTTPError(.notFound, message: "unknown user \(user): no interactions online or in the trained model")
            }
            liked = profile.liked
        }
        let weight = user == nil ? 0 : personalization ?? SearchQuery.defaultPersonalization
        let personalised = weight > 0 && !liked.isEmpty, profile = liked
        let filter = parameters.filter
        let scope = "k=\(parameters.k)&offset=\(parameters.offset)&genre=\(filter.category ?? "")&years=\(filter.years.map { "\($0.lowerBound)-\($0.upperBound)" } ?? "")"
        let name = model.definition.name, version = model.version
        func respond(_ items: [Recommendation.Item], _ outcome: SearchService.Outcome) -> [UInt8] {
            ServerMetrics.searches(outcome.rawValue).increment()
            var extra: [String: JSONValue] = ["query": .string(text), "cache": .string(outcome.rawValue)]
            extra["user"] = user.map(JSONValue.integer) ?? .null
            return Self.answer(model, items: items, extra: extra)
        }
        // Texts an uncased encoder cannot tell apart share one cache entry (and one encoding).
        let normalised = SemanticCache<[Recommendation.Item]>.normalised(text)
        if !personalised, let items = service.cached(name, version: version, text: normalised, scope: scope) { return respond(items, .exact) }
        let (items, outcome) = try await offloaded {
            try service.resolve(name, version: version, text: normalised, scope: scope, personalised: personalised) { vector in
                try model.search(SearchQuery(vector: vector, k: parameters.k, offset: parameters.offset, filter: filter, liked: profile, personalization: weight))
            }
        }
        return respond(items, outcome)
    }
}
