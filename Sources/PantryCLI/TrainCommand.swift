import ArgumentParser
import FeatureRegistry
import Foundation
import OnlineFeatures
import Recommender
import Redis

/// `pantry train RECOMMENDER`: fits the recommender on everything the offline store holds,
/// writes its factors back as features, saves the item index, records a model version and
/// materializes the factor views online.
struct TrainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "train",
        abstract: "Train a recommender from the offline store; write factors back, build its index, record a model version.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Recommender name (Config/recommenders/NAME.yaml).") var recommender: String
    @Option(help: "Folder of recommender definitions.") var definitions = "Config/recommenders"
    @Option(help: "Threads for building the index.") var threads = 2
    @Flag(help: "Do not materialize the factor views and live profiles into the online store.") var noMaterialize = false

    func run() async throws {
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        let started = Date()
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let definition = try RecommenderDefinition.load(path: context.path("\(definitions)/\(recommender).yaml"))
        guard let output = definition.output else { throw ValidationError("\(recommender) has no output section: nowhere to write factors") }
        let repository = try context.registry(project: definition.project)
        let data = try RecommenderData.load(definition, repository: repository, on: context.connection)
        print("loaded \(data.interactions.count) interactions and \(data.items.count) items")
        let result = try RecommenderTraining.run(definition, data: data, repository: repository, path: context.path, threads: threads, on: context.connection) { print($0); fflush(nil) }
        print(String(format: "%@ version %d: %d positives, %d items, %d users; ALS %.2f s, index %.2f s",
                     definition.name, result.version.version, result.version.positives, result.items, result.users,
                     result.fitSeconds, result.indexSeconds))
        if !noMaterialize {
            let views = [output.itemView, output.userView].compactMap { $0 }.joined(separator: ",")
            try context.materialize(project: definition.project, views: views) { materializer, view, redis, progress in
                try materializer.materialize(view: view, start: nil, end: Date(), postgres: context.connection, redis: redis, progress: progress)
            }
            let redis = RedisConnection(configuration: try context.settings.redisConfiguration())
            defer { redis.close() }
            let users = try LiveProfiles(definition).rebuild(from: data.interactions, on: redis)
            print("live profiles of \(users) users written online (newest \(definition.profileLimit) interactions each)")
        }
        print(String(format: "trained in %.2f s", Date().timeIntervalSince(started)))
    }
}
