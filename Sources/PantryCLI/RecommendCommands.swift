import ArgumentParser
import FeatureRegistry
import Foundation
import Recommender
import OnlineFeatures
import Redis

/// What `pantry recommend` and `pantry similar` share: the definition and the latest model
/// version loaded exactly as `pantry serve` loads it.
struct RecommenderContext {
    let store: StoreContext
    let model: RecommendationModel
    var definition: RecommenderDefinition { model.definition }

    init(_ store: StoreContext, recommender: String, definitions: String) throws {
        self.store = store
        let definition = try RecommenderDefinition.load(path: store.path("\(definitions)/\(recommender).yaml"))
        guard let latest = try ModelVersions.latest(recommender: definition.name, on: store.connection) else {
            throw ValidationError("\(recommender) has not been trained: run `pantry train \(recommender)` first")
        }
        let repository = try store.registry(project: definition.project)
        let data = try RecommenderData.load(definition, repository: repository, on: store.connection)
        model = try RecommendationModel(definition: definition, version: latest, data: data, path: store.path)
    }

    /// The user's live profile and trained factors, read online as the server reads them.
    func online(user: Int64) async throws -> (profile: LiveProfiles.Profile, factors: [Float]?) {
        let profiles = LiveProfiles(definition)
        let redis = RedisConnection(configuration: try store.settings.redisConfiguration())
        defer { redis.close() }
        let profile = try profiles.profile(from: try redis.pipeline(profiles.readCommands(user: user)))
        guard let output = definition.output, let view = output.userView else { return (profile, nil) }
        let repository = try store.registry(project: definition.project)
        let response = try await OnlineFeatureService(store: try store.onlineStore(repository), repository: repository)
            .read(OnlineFeatureService.Request(entities: [definition.interactions.user: [.integer(user)]],
                                               references: try repository.references(features: ["\(view):\(output.feature)"], service: nil)))
        guard case .vector(let v)? = response.columns.last?.values.first else { return (profile, nil) }
        return (profile, v)
    }

    func show(_ items: [Recommendation.Item]) {
        for (rank, c) in items.enumerated() {
            let item = model.items[c.item]
            let about = item.map { "\($0.title)\($0.year.map { " (\($0))" } ?? "")  \($0.categories.joined(separator: ", "))" } ?? ""
            print(String(format: "%2d  %6lld  %8.4f  %-22@ %@", rank + 1, c.item, c.score, c.sources.joined(separator: "+"), about))
        }
    }
}

/// The options `pantry recommend` and `pantry similar` share.
struct RecommendOptions: ParsableArguments {
    @OptionGroup var global: GlobalOptions
    @Option(help: "Recommender name.") var recommender = "movielens"
    @Option(help: "Folder of recommender definitions.") var definitions = "Config/recommenders"
    @Option(help: "How many items (1...100).") var k = 10
    @OptionGroup var filters: ItemFilterOptions

    /// Runs `body` with the trained model's context; closes the connection afterwards.
    func withContext(_ body: (RecommenderContext) async throws -> Void) async throws {
        let store = try await StoreContext(global)
        defer { store.connection.close() }
        try await body(try RecommenderContext(store, recommender: recommender, definitions: definitions))
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
    @Option(help: "Also time the model stage (candidates and ranking) over this many repetitions.") var repeatCount: Int?

    func run() async throws {
        try await options.withContext { context in
            let (profile, factors) = try await context.online(user: user)
            guard !profile.isEmpty || factors != nil || context.model.users.contains(user) else {
                throw ValidationError("unknown user \(user): no interactions online or in the trained model")
            }
            let answer = try context.model.recommend(RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors,
                                                                         k: options.k, filter: try options.filters.filter()))
            print("user \(user): \(profile.liked.count) liked items online; model \(context.definition.name) v\(context.model.version); \(answer.candidates) candidates\(answer.coldStart ? "; cold start: popular items" : "")")
            context.show(answer.items)
            if let repeatCount {
                guard (1...1_000_000).contains(repeatCount) else { throw ValidationError("--repeat-count must be 1...1000000") }
                let query = RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors, k: options.k, filter: try options.filters.filter())
                let started = DispatchTime.now().uptimeNanoseconds
                for _ in 0..<repeatCount { _ = try context.model.recommend(query) }
                let micros = Double(DispatchTime.now().uptimeNanoseconds - started) / 1_000 / Double(repeatCount)
                print(String(format: "model stage: %.1f µs per request (%d repetitions, one thread)", micros, repeatCount))
            }
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
            context.show(try context.model.similar(to: item, k: options.k, filter: try options.filters.filter()))
        }
    }
}
