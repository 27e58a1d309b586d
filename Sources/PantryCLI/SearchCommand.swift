import ArgumentParser
import Foundation
import Inference
import Recommender
import VectorIndex

/// `pantry search "TEXT"`: natural-language search over the trained model's item texts, as
/// `GET /v1/search` answers it; `--replay FILE` measures the semantic cache on paraphrases.
struct SearchCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "search", abstract: "Search items by a text description (the sentence encoder over the item texts).",
        discussion: """
            --replay FILE replays groups of paraphrased queries (blank-line separated; see \
            Benchmarks/search_paraphrases.txt) through a semantic cache at each threshold and reports how often a \
            hit's cached answer is identical to the fresh one.
            """)

    @Argument(help: "What to look for, e.g. \"a heartwarming animated film about toys\".") var text: String?
    @OptionGroup var options: RecommendOptions
    @Option(help: "Personalise for this user (their live profile).") var user: Int64?
    @Option(help: "Weight of the user's profile against the text match (0...10).") var personalization = SearchQuery.defaultPersonalization
    @Option(help: "Sentence encoder folder.") var textEncoder = ".pantry/models/all-MiniLM-L6-v2"
    @Option(help: "Replay a file of paraphrase groups through the semantic cache.") var replay: String?
    @Option(help: "Cache thresholds to replay, comma-separated.") var thresholds = "0.80,0.90,0.95,0.97,0.98,0.99,0.993,0.995,0.997,0.999"

    func run() async throws {
        try await options.withContext { context in
            let encoder: SentenceEncoder
            do { encoder = try SentenceEncoder(directory: context.store.path(textEncoder)) } catch {
                throw ValidationError("sentence encoder in \(textEncoder): \(error) (scripts/setup.sh fetches it)")
            }
            if let replay {
                try Self.replay(context.store.path(replay), thresholds: try Self.thresholds(thresholds), k: options.k, model: context.model, encoder: encoder)
                return
            }
            guard let text, text.contains(where: { !$0.isWhitespace }) else { throw ValidationError("give the text to search for (or --replay FILE)") }
            var liked: [Int64] = []
            if let user { liked = try await context.online(user: user).profile.liked }
            let query = SearchQuery(vector: encoder.encode([text])[0], k: options.k, filter: try options.filters.filter(),
                                    liked: liked, personalization: user == nil ? 0 : personalization)
            context.show(try context.model.search(query))
        }
    }

    static func thresholds(_ text: String) throws -> [Float] {
        try text.split(separator: ",").map {
            guard let t = Float($0.trimmingCharacters(in: .whitespaces)), (0...1).contains(t) else { throw ValidationError("--thresholds: \"\($0)\" is not in 0...1") }
            return t
        }
    }

    /// Each group's first query is cached (a miss), the group's paraphrases then look it up; a
    /// hit counts as identical when the cached top k equals a fresh search's, as wrong when its
    /// cached query came from another group.
    static func replay(_ path: String, thresholds: [Float], k: Int, model: RecommendationModel, encoder: SentenceEncoder) throws {
        let text = try String(contentsOfFile: path, encoding: .utf8)
        var groups: [[String]] = [[]]
        for line in text.split(separator: "\n", omittingEmptySubsequences: false).map({ $0.trimmingCharacters(in: .whitespaces) }) {
            if line.hasPrefix("#") { continue }
            if line.isEmpty { if !groups[groups.count - 1].isEmpty { groups.append([]) }; continue }
            groups[groups.count - 1].append(line)
        }
        groups.removeAll { $0.isEmpty }
        let queries = groups.enumerated().flatMap { g, lines in lines.map { (group: g, text: $0) } }
        guard !queries.isEmpty else { throw ValidationError("\(path): no queries") }
        let vectors = encoder.encode(queries.map(\.text), threads: ProcessInfo.processInfo.activeProcessorCount)
        let fresh = try vectors.map { try model.search(SearchQuery(vector: $0, k: k)).map(\.item) }
        print("\(queries.count) queries in \(groups.count) paraphrase groups; top \(k) compared")
        print("| threshold | hits | hit rate | identical top \(k) | same top 3 | overlap of top \(k) | hits from another group |")
        print("|---|---|---|---|---|---|---|")
        var chosen: Float?
        for threshold in thresholds.sorted() {
            struct Cached: Sendable { let group: Int; let items: [Int64] }
            var cache = SemanticCache<Cached>(threshold: threshold, capacity: 100_000, ttl: .infinity)
            var hits = 0, identical = 0, top3 = 0, wrong = 0, overlap = 0
            for (i, query) in queries.enumerated() {
                if let (cached, _) = cache.lookup(vector: vectors[i], scope: "", now: 0) {
                    hits += 1
                    if cached.items == fresh[i] { identical += 1 }
                    if cached.items.prefix(3) == fresh[i].prefix(3) { top3 += 1 }
                    if cached.group != query.group { wrong += 1 }
                    overlap += Set(cached.items).intersection(fresh[i]).count
                } else {
                    cache.insert(text: query.text, vector: vectors[i], scope: "", value: Cached(group: query.group, items: fresh[i]), now: 0)
                }
            }
            func percent(_ n: Int, _ d: Int) -> String { d == 0 ? "–" : String(format: "%.1f %%", 100 * Double(n) / Double(d)) }
            print(String(format: "| %.3f | %d | %@ | %@ | %@ | %@ | %d |", threshold, hits, percent(hits, queries.count), percent(identical, hits),
                         percent(top3, hits), percent(overlap, hits * k), wrong))
            if chosen == nil, hits > 0, Double(identical) >= 0.95 * Double(hits) { chosen = threshold }
        }
        if let chosen {
            print(String(format: "lowest threshold whose hits return the identical top %d in at least 95 %% of cases: %.3f", k, chosen))
        } else {
            print("no threshold kept hits identical in 95 % of cases")
        }
    }
}
