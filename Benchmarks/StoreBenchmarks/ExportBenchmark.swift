import DemoData
import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import Postgres

/// Point-in-time export at the Feast benchmark's shape: 4 views with 1,000,000 + 300,000 +
/// 500,000 (compound key) + ~2,000 (no entity) rows, 18 features, 50k users and 20k movies;
/// exports for 10,000, 100,000 and 1,000,000 entity rows. Also measures ingestion.
struct ExportBenchmark {
    let serverURL: String
    let root: String
    let directory: String

    func run() throws {
        let database = "pantry_bench_export"
        let admin = PostgresConnection(configuration: PostgresConfiguration(url: replaceDatabase(serverURL, "postgres")))
        try admin.query("DROP DATABASE IF EXISTS \(database) WITH (FORCE)")
        try admin.query("CREATE DATABASE \(database)")
        admin.close()
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: replaceDatabase(serverURL, database)))
        defer { connection.close() }
        try Migrator(directory: "\(root)/Migrations").migrate(on: connection)
        let repository = try DefinitionLoader.load(path: "\(root)/Config/features")
        try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
        let pgvector = try OfflineTable.hasPgvector(connection)

        let data = "\(directory)/movielens-benchmark"
        if !FileManager.default.fileExists(atPath: "\(data)/entities.csv") {
            var sizes = MovieLensGenerator.Sizes.benchmark
            sizes.entityRows = 1_000_000
            let seconds = try Bench.time { try MovieLensGenerator(sizes: sizes, seed: 7).write(to: data) }
            print("generated benchmark data in \(Bench.format(seconds, 1)) s")
        }
        let views = ["user_stats", "movie_stats", "user_movie", "global_stats"]
        print("Ingestion (CSV through COPY, validated, partitioned):")
        var totalRows = 0
        var totalSeconds = 0.0
        for name in views {
            let table = OfflineTable(project: repository.project, view: repository.view(named: name)!, repository: repository, pgvector: pgvector)
            var rows = 0
            let seconds = try Bench.time { rows = try Ingestor(table: table).ingestCSV(file: "\(data)/\(name).csv", on: connection) }
            totalRows += rows
            totalSeconds += seconds
            print("  \(name.padding(toLength: 13, withPad: " ", startingAt: 0)) \(rows) rows  \(Bench.format(seconds, 2)) s  \(Bench.format(Double(rows) / seconds)) rows/s")
        }
        print("  total         \(totalRows) rows  \(Bench.format(totalSeconds, 2)) s  \(Bench.format(Double(totalRows) / totalSeconds)) rows/s")
        try connection.query("VACUUM ANALYZE")

        let features = repository.views.filter { views.contains($0.name) }.reduce(0) { $0 + $1.features.count }
        print("Point-in-time export, \(features) features from \(views.count) views (Feast 0.67: 81-118 s for 100k; goal <= 3 s, 1M <= 30 s):")
        for count in [10_000, 100_000, 1_000_000] {
            let entities = "\(data)/entities-\(count).csv"
            if !FileManager.default.fileExists(atPath: entities) {
                try Bench.shell("head -n \(count + 1) '\(data)/entities.csv' > '\(entities)'")
            }
            let output = "\(directory)/train-\(count).csv"
            var summary: TrainingSetExporter.Summary?
            let seconds = try Bench.time {
                summary = try TrainingSetExporter(repository: repository).export(
                    .init(references: views.map { FeatureReference(view: $0, feature: nil) }, entities: .csvFile(entities),
                          output: output, fullFeatureNames: true), on: connection)
            }
            guard summary?.rows == count else { throw BenchError("exported \(summary?.rows ?? 0) rows, expected \(count)") }
            print("  \(String(count).padding(toLength: 8, withPad: " ", startingAt: 0)) entity rows: \(Bench.format(seconds, 2)) s  \(Bench.format(Double(count) / seconds)) rows/s  peak RSS \(Bench.format(Bench.peakMemoryMiB(), 0)) MiB")
            try? FileManager.default.removeItem(atPath: output)
        }
    }

    private func replaceDatabase(_ url: String, _ database: String) -> String {
        guard let slash = url.lastIndex(of: "/") else { return url }
        return String(url[..<slash]) + "/" + database
    }
}
