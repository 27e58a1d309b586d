import ArgumentParser
import Core
import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Postgres
import Redis

extension StoreContext {
    func onlineStore(_ repository: FeatureRepository) throws -> RedisOnlineStore {
        RedisOnlineStore(pool: RedisPool(configuration: try settings.redisConfiguration()), repository: repository,
                         historyDepth: settings.online.historyDepth, staleRetentionSeconds: settings.online.staleRetentionSeconds)
    }

    /// The registry, the online store and a Redis connection of their own, for the commands
    /// that write online state (close the connection when done).
    func online(project: String?) throws -> (repository: FeatureRepository, store: RedisOnlineStore, redis: RedisConnection) {
        let repository = try registry(project: project)
        return (repository, try onlineStore(repository), RedisConnection(configuration: try settings.redisConfiguration()))
    }

    /// The views named in a comma-separated `--views` option (all when it is absent).
    func views(_ list: String?, in repository: FeatureRepository) throws -> [FeatureView] {
        guard let list else { return repository.views }
        return try list.split(separator: ",").map { name in
            guard let view = repository.view(named: String(name)) else {
                throw ValidationError("unknown feature view \"\(name)\" (views: \(repository.views.map(\.name).joined(separator: ", ")))")
            }
            return view
        }
    }

    /// Materializes each chosen view with `body`, under a progress bar, and prints its summary.
    func materialize(project: String?, views list: String?,
                     _ body: (Materializer, FeatureView, RedisConnection, @escaping (Int) -> Void) throws -> Materializer.Summary) throws {
        let (repository, store, redis) = try online(project: project)
        defer { redis.close() }
        var corrupt: [String] = []
        for view in try views(list, in: repository) {
            let bar = ProgressBar("materializing \(view.name)")
            let summary = try body(Materializer(repository: repository, store: store), view, redis) { bar.update($0, of: $0) }
            bar.finish()
            if let reason = summary.fullReason { print("\(summary.view): \(reason)") }
            print("\(summary.view): \(summary.rowsRead) latest rows read, \(summary.written.current) current, \(summary.written.history) history, \(summary.written.dropped) too old, \(String(format: "%.2f", summary.seconds)) s")
            if summary.written.corrupt > 0 {
                print("\(summary.view): \(summary.written.corrupt) entities not updated: their stored online value is corrupt, e.g. \(summary.written.corruptKeys.joined(separator: ", "))")
                corrupt.append(view.name)
            }
        }
        if !corrupt.isEmpty {
            printError("repair with `pantry clear-online --views \(corrupt.joined(separator: ","))` (then materialize again)")
            throw ExitCode(1)
        }
    }
}

/// `pantry materialize --start T --end T [--views a,b]`.
struct MaterializeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize", abstract: "Copy the latest offline rows with start <= event time < end into the online store.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Window start (RFC 3339); default: no lower bound.") var start: String?
    @Option(help: "Window end (RFC 3339, exclusive); default: now.") var end: String?
    @Option(help: "Views, comma-separated (default: all).") var views: String?

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let startDate = try start.map(parseTime)
        let endDate = try end.map(parseTime) ?? Date()
        try context.materialize(project: project, views: views) { materializer, view, redis, progress in
            try materializer.materialize(view: view, start: startDate, end: endDate, postgres: context.connection, redis: redis, progress: progress)
        }
    }
}

/// `pantry materialize-incremental [--views a,b]`.
struct MaterializeIncrementalCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "materialize-incremental",
        abstract: "Copy everything ingested since the last incremental run (late rows included) into the online store.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Views, comma-separated (default: all).") var views: String?

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        try context.materialize(project: project, views: views) { materializer, view, redis, progress in
            try materializer.materializeIncremental(view: view, postgres: context.connection, redis: redis, progress: progress)
        }
    }
}

/// A time given on the command line, by the same parser as the API and ingestion.
func parseTime(_ text: String) throws -> Date {
    do { return Timestamp.date(micros: try Timestamp.parseMicros(text)) } catch {
        throw ValidationError("\(error)")
    }
}

/// `pantry get --entities '{"user_id": [1, 2]}' --features user_stats:rating_mean`: an online lookup.
struct GetCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "get", abstract: "Read online features for entity rows and print them as JSON.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Entity rows as JSON, column-major: {\"user_id\": [1, 2]}.") var entities: String
    @Option(help: "Feature service.") var service: String?
    @Option(help: "Features as view or view:feature, comma-separated.") var features: String?
    @Option(help: "Read as of this time (RFC 3339), within the kept history.") var asOf: String?
    @Flag(help: "Name feature columns view__feature.") var fullFeatureNames = false

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let repository = try context.registry(project: project)
        let parsed: JSONValue
        do { parsed = try JSONParser.parse(entities) } catch { throw ValidationError("--entities: \(error)") }
        guard case .object(let columns) = parsed else {
            throw ValidationError("--entities must be a JSON object of columns, e.g. {\"user_id\": [1, 2]}")
        }
        var entityColumns: [String: [JSONValue]] = [:]
        for (name, value) in columns {
            guard case .array(let values) = value else { throw ValidationError("entity column \(name) must be a JSON array") }
            entityColumns[name] = values
        }
        let service = OnlineFeatureService(store: try context.onlineStore(repository), repository: repository)
        let response = try await service.read(.init(
            entities: entityColumns, references: try ExportCommand.references(service: self.service, features: features, repository: repository),
            fullFeatureNames: fullFeatureNames, asOf: try asOf.map(parseTime)))
        // The HTTP API's JSON, indented for people.
        let object = try JSONSerialization.jsonObject(with: Data(OnlineResponseJSON.write(response, style: .pantry)))
        print(String(decoding: try JSONSerialization.data(withJSONObject: object, options: [.prettyPrinted, .sortedKeys]), as: UTF8.self))
    }
}

/// `pantry check-skew --view V --sample N`: online values against a point-in-time export.
struct CheckSkewCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-skew", abstract: "Compare online values with a point-in-time export for sampled entities; exit 1 on mismatches.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Feature view to check.") var view: String
    @Option(help: "Entities to sample.") var sample = 1_000
    @Option(help: "Time to compare at (RFC 3339; default now).") var at: String?

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let repository = try context.registry(project: project)
        guard let featureView = repository.view(named: view) else { throw ValidationError("unknown feature view \"\(view)\"") }
        let store = try context.onlineStore(repository)
        let report = try await SkewChecker(repository: repository, store: store)
            .check(view: featureView, sample: sample, at: try at.map(parseTime) ?? Date(), on: context.connection)
        print("checked \(report.entities) entities x \(report.features) features of \(view): \(report.mismatches.count) mismatches")
        if report.uncomparable > 0 {
            print("  \(report.uncomparable) values could not be compared: online keeps only later versions of those entities (OUTSIDE_HISTORY)")
        }
        for mismatch in report.mismatches.prefix(20) { print("  \(mismatch)") }
        if !report.mismatches.isEmpty { throw ExitCode(1) }
    }
}
