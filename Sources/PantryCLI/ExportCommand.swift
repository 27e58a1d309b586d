import ArgumentParser
import FeatureRegistry
import Foundation
import OfflineStore

/// `pantry export`: writes a point-in-time-correct training set.
struct ExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export", abstract: "Export a point-in-time-correct training set (CSV or JSON lines, optionally gzipped).")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Feature service to export.") var service: String?
    @Option(help: "Features as view or view:feature, comma-separated (instead of --service).") var features: String?
    @Option(help: "Entity set: CSV file with join keys, event_timestamp and any label columns.") var entities: String?
    @Option(help: "Entity set as a SQL query (instead of --entities).") var entitiesQuery: String?
    @Option(help: "Output file; .jsonl for JSON lines, .gz to compress.") var out: String
    @Option(help: "csv or jsonl (default: from the file name).") var format: String?
    @Flag(help: "Name feature columns view__feature.") var fullFeatureNames = false
    @Flag(help: "Only use rows whose created timestamp is at or before the entity row's time.") var asOfCreated = false
    @Option(help: "Entity set column holding each row's time.") var timestampColumn = EntitySet.defaultTimestampColumn

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let repository = try context.registry(project: project)
        let references = try ExportCommand.references(service: service, features: features, repository: repository)
        let entitySet: EntitySet
        switch (entities, entitiesQuery) {
        case (let path?, nil): entitySet = .csvFile(context.path(path))
        case (nil, let query?): entitySet = .query(query)
        default: throw ValidationError("give exactly one of --entities FILE or --entities-query SQL")
        }
        let request = try TrainingSetExporter.Request(
            references: references, entities: entitySet, output: context.path(out),
            format: try format.map { guard let f = TrainingSetExporter.Format(rawValue: $0) else { throw ValidationError("--format must be csv or jsonl") }; return f },
            fullFeatureNames: fullFeatureNames, asOfCreated: asOfCreated, timestampColumn: timestampColumn)
        try ExportCommand.run(request, repository: repository, context: context)
    }

    /// `--service NAME` or `--features a:b,c` as references.
    static func references(service: String?, features: String?, repository: FeatureRepository) throws -> [FeatureReference] {
        try repository.references(features: features.map { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } },
                                  service: service)
    }

    static func run(_ request: TrainingSetExporter.Request, repository: FeatureRepository, context: StoreContext) throws {
        let bar = ProgressBar("exporting")
        let summary = try TrainingSetExporter(repository: repository).export(request, on: context.connection) { done, total in
            bar.update(done, of: total)
        }
        bar.finish()
        print("wrote \(summary.rows) rows to \(request.output) in \(String(format: "%.2f", summary.seconds)) s (\(Int(Double(summary.rows) / max(summary.seconds, 1e-9))) rows/s)")
        for (column, rate) in summary.nullRates {
            print("  \(column.padding(toLength: 32, withPad: " ", startingAt: 0)) null \(String(format: "%5.1f", rate * 100))%")
        }
    }
}
