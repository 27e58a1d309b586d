import Core
import Hummingbird
import HummingbirdCore
import Recommender

/// The parameters of the recommendation routes, checked: integers in range, a coherent year
/// range, and no unknown names (a typo is a 400 naming it, not a silent default).
struct RecommendationParameters {
    static let listKeys = ["k", "offset", "genre", "year_min", "year_max", "recommender"]
    /// The LLM stage's parameters, accepted by the user and session routes.
    static let llmKeys = ["rerank", "explain", "deadline_ms"]
    static let maximumContext = 100
    static let maximumDeadlineMilliseconds = 60_000

    var k = 10
    var offset = 0
    var filter = ItemFilter()
    var recommender: String?
    /// Reorder the top candidates with the LLM reranker.
    var rerank = false
    /// Explain this many of the returned items (from the top); `explain=true` means up to 3.
    var explain = 0
    /// The LLM stage's time budget (nil: the server's default).
    var deadlineMilliseconds: Int?

    init() {}

    init(query: HummingbirdCore.FlatDictionary<Substring, Substring>, allowed: [String]) throws {
        var values: [String: String] = [:]
        for (key, value) in query {
            guard allowed.contains(String(key)) else {
                throw HTTPError(.badRequest, message: "unknown parameter \"\(key)\" (expected \(allowed.joined(separator: ", ")))")
            }
            guard values[String(key)] == nil else { throw HTTPError(.badRequest, message: "\(key): given more than once") }
            values[String(key)] = String(value)
        }
        try self.init(fields: values.mapValues { JSONValue.string($0) }, fromQuery: true)
    }

    private init(fields: [String: JSONValue], fromQuery: Bool) throws {
        func integer(_ name: String, _ range: ClosedRange<Int>) throws -> Int? {
            guard let value = fields[name], value != .null else { return nil }
            let number: Int?
            switch value {
            case .string(let text) where fromQuery: number = Int(text)
            case .integer(let v): number = Int(exactly: v)
            case .number(let v): number = Int(exactly: v)
            default: number = nil
            }
            guard let number else { throw HTTPError(.badRequest, message: "\(name): \(value.shown) is not an integer") }
            guard range.contains(number) else {
                throw HTTPError(.badRequest, message: "\(name): \(number), expected \(range.lowerBound)...\(range.upperBound)")
            }
            return number
        }
        func string(_ name: String) throws -> String? {
            guard let value = fields[name], value != .null else { return nil }
            guard case .string(let text) = value, !text.isEmpty, text.utf8.count <= 200 else {
                throw HTTPError(.badRequest, message: "\(name): expected a non-empty string of at most 200 bytes")
            }
            return text
        }
        k = try integer("k", 1...100) ?? 10
        offset = try integer("offset", 0...(RecommendationModel.maximumDepth - k)) ?? 0
        let yearMin = try integer("year_min", 0...9999), yearMax = try integer("year_max", 0...9999)
        if let yearMin, let yearMax, yearMin > yearMax {
            throw HTTPError(.badRequest, message: "year_min: \(yearMin) is after year_max \(yearMax)")
        }
        let years: ClosedRange<Int>? = yearMin == nil && yearMax == nil ? nil : (yearMin ?? 0)...(yearMax ?? 9999)
        filter = ItemFilter(category: try string("genre"), years: years)
        recommender = try string("recommender")
        func flag(_ name: String) throws -> Bool? {
            switch fields[name] {
            case nil, .null?: return nil
            case .bool(let b)?: return b
            case .string("true")? where fromQuery, .string("1")? where fromQuery: return true
            case .string("false")? where fromQuery, .string("0")? where fromQuery: return false
            case let other?: throw HTTPError(.badRequest, message: "\(name): \(other.shown), expected true or false")
            }
        }
        rerank = try flag("rerank") ?? false
        if let all = try? flag("explain") {
            explain = all ? min(3, k) : 0
        } else if fields["explain"] != nil {
            guard let count = try? integer("explain", 0...k) else {
                throw HTTPError(.badRequest, message: "explain: \(fields["explain"]!.shown), expected true, false or a count of items 0...\(k) (k)")
            }
            explain = count ?? 0
        }
        deadlineMilliseconds = try integer("deadline_ms", 1...Self.maximumDeadlineMilliseconds)
    }

    var wantsLLM: Bool { rerank || explain > 0 }

    /// An id from the path.
    static func id(_ text: String, name: String) throws -> Int64 {
        guard let id = Int64(text) else { throw HTTPError(.badRequest, message: "\(name): \"\(text.prefix(40))\" is not an integer id") }
        return id
    }

    /// `POST /v1/recommendations`: the list parameters plus `user` (optional) and `context`
    /// (recently viewed item ids, oldest first; unknown ids are ignored).
    static func body(_ fields: [String: JSONValue]) throws -> (user: Int64?, context: [Int64], RecommendationParameters) {
        let allowed = listKeys + llmKeys + ["user", "context"]
        for key in fields.keys where !allowed.contains(key) {
            throw HTTPError(.badRequest, message: "unknown field \"\(key)\" (expected \(allowed.joined(separator: ", ")))")
        }
        var user: Int64?
        switch fields["user"] {
        case nil, .null?: break
        case .integer(let v)?: user = v
        case let other?: throw HTTPError(.badRequest, message: "user: \(other.shown) is not an integer id")
        }
        var context: [Int64] = []
        switch fields["context"] {
        case nil, .null?: break
        case .array(let items)?:
            guard items.count <= maximumContext else {
                throw HTTPError(.badRequest, message: "context: \(items.count) items, at most \(maximumContext)")
            }
            for (index, item) in items.enumerated() {
                guard case .integer(let id) = item else { throw HTTPError(.badRequest, message: "context[\(index)]: \(item.shown) is not an integer id") }
                context.append(id)
            }
        case let other?: throw HTTPError(.badRequest, message: "context: \(other.shown) is not a list of item ids")
        }
        guard user != nil || !context.isEmpty else {
            throw HTTPError(.badRequest, message: "give a user, a context of recently viewed items, or both")
        }
        return (user, context, try RecommendationParameters(fields: fields.filter { (listKeys + llmKeys).contains($0.key) }, fromQuery: false))
    }
}
