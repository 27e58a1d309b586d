import ArgumentParser
import FeatureRegistry
import Foundation
import Recommender
import VectorIndex

/// What `pantry recommend` and `pantry similar` share: the definition, the trained model's
/// index (from the latest model version), and the data the profiles and filters need.
struct RecommenderContext {
    let definition: RecommenderDefinition
    let data: RecommenderData
    let search: CandidateSearch
    let version: Int

    init(_ store: StoreContext, recommender: String, definitions: String) throws {
        definition = try RecommenderDefinition.load(path: store.path("\(definitions)/\(recommender).yaml"))
        guard let latest = try ModelVersions.latest(recommender: definition.name, on: store.connection) else {
            throw ValidationError("\(recommender) has not been trained: run `pantry train \(recommender)` first")
        }
        guard case .object(let artifacts) = latest.artifacts, case .string(let indexPath)? = artifacts["index"] else {
            throw ValidationError("model version \(latest.version) of \(recommender) records no index file")
        }
        version = latest.version
        let repository = try store.registry(project: definition.project)
        data = try RecommenderData.load(definition, repository: repository, on: store.connection)
        var counts: [Int64: Int] = [:]
        for p in data.positives(minimumWeight: definition.minimumPositiveWeight) { counts[p.item, default: 0] += 1 }
        let popular = counts.keys.sorted { (counts[$0]!, $1) > (counts[$1]!, $0) }
        search = CandidateSearch(index: try HNSWIndex.load(from: indexPath), popular: popular, content: data.items,
                                 recencyHalfLife: definition.recencyHalfLife)
    }

    /// A user's liked items, oldest first.
    func liked(by user: Int64) -> [Int64] {
        data.positives(minimumWeight: definition.minimumPositiveWeight).filter { $0.user == user }
            .sorted { ($0.time, $0.item) < ($1.time, $1.item) }.map(\.item)
    }

    func show(_ candidates: [CandidateSearch.Candidate]) {
        for (rank, c) in candidates.enumerated() {
            let item = data.items[c.item]
            let about = item.map { "\($0.title)\($0.year.map { " (\($0))" } ?? "")  \($0.categories.joined(separator: ", "))" } ?? ""
            print(String(format: "%2d  %6lld  %8.4f  %-13@ %@", rank + 1, c.item, c.score, c.source, about))
        }
    }
}

/// The options `pantry recommend` and `pantry similar` share.
struct RecommendOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Option(help: "Recommender name.") var recommender = "movielens"
    @Option(help: "Folder of recommender definitions.") var definitions = "Config/recommenders"
    @Option(help: "How many items (1...1000).") var k = 10
    @OptionGroup var filters: ItemFilterOptions

    /// Runs `body` with the trained model's context; closes the connection afterwards.
    func withContext(_ body: (RecommenderContext) throws -> Void) async throws {
        let store = try await StoreContext(global)
        defer { store.connection.close() }
        try body(try RecommenderContext(store, recommender: recommender, definitions: definitions))
    }
}

struct ItemFilterOptions: ParsableArguments {
    @Option(help: "Only items of this genre (category).") var genre: String?
    @Option(help: "Only items released in or after this year.") var yearMin: Int?
    @Option(help: "Only items released in or before this year.") var yearMax: Int?

    func filter() throws -> ItemFilter {
        if let yearMin, let yearMax, yearMin > yearMax { throw ValidationError("--year-min \(yearMin) is after --year-max \(yearMax)") }
        let years: ClosedRange<Int>? = yearMin == nil && yearMax == nil ? nil : (yearMin ?? Int.min)...(yearMax ?? Int.max)
        return ItemFilter(category: genre, years: years)
    }
}

/// `pantry recommend USER`: the trained model's candidates for a user (the CLI view of the
/// recommendation door).
struct RecommendCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "recommend", abstract: "Recommend items to a user from the trained model.")

    @Argument(help: "User id.") var user: Int64
    @OptionGroup var options: RecommendOptions

    func run() async throws {
        try await options.withContext { context in
            let liked = context.liked(by: user)
            let (candidates, coldStart) = try context.search.recommend(liked: liked, k: options.k, filter: try options.filters.filter())
            print("user \(user): \(liked.count) liked items; model \(context.definition.name) v\(context.version)\(coldStart ? "; cold start: popular items" : "")")
            context.show(candidates)
        }
    }
}

/// `pantry similar ITEM`: items nearest an item in the trained model's space ("more like this").
struct SimilarCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(commandName: "similar", abstract: "Items most like an item, from the trained model.")

    @Argument(help: "Item id.") var item: Int64
    @OptionGroup var options: RecommendOptions

    func run() async throws {
        try await options.withContext { context in
            context.show(try context.search.similar(to: item, k: options.k, filter: try options.filters.filter()))
        }
    }
}
