import ArgumentParser
import FeatureRegistry
import Foundation
import Recommender

/// `pantry evaluate RECOMMENDER`: the offline evaluation protocol on the data in the offline
/// store, hyperparameters chosen on validation; prints and writes a Markdown report.
struct EvaluateCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evaluate",
        abstract: "Evaluate a recommender offline (train/validation/test split of its interactions) and write a report.")

    @OptionGroup var global: GlobalOptions
    @Argument(help: "Recommender name (Config/recommenders/NAME.yaml).") var recommender: String
    @Option(help: "Folder of recommender definitions.") var definitions = "Config/recommenders"
    @Option(help: "Split to report: val or test (test is the final figure; tune on val only).") var target = "test"
    @Option(help: "Write the hybrid's lists as user_id,item_id,rank to this CSV file.") var writeRecs: String?
    @Option(help: "Markdown report file (an SVG chart is written beside it).") var report = "out/evaluation.md"
    @Flag(help: "Leave the items' text embeddings (items.text) out: the same evaluation without them.") var withoutText = false

    func run() async throws {
        guard let target = OfflineEvaluation.Target(rawValue: target) else {
            throw ValidationError("--target \(target): expected val or test")
        }
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let definition = try RecommenderDefinition.load(path: context.path("\(definitions)/\(recommender).yaml"))
        let repository = try context.registry(project: definition.project)
        let loadStarted = Date()
        var data = try RecommenderData.load(definition, repository: repository, on: context.connection)
        if withoutText { data.textVectors = [:] }
        print(String(format: "loaded %d interactions and %d items from the offline store in %.2f s",
                     data.interactions.count, data.items.count, Date().timeIntervalSince(loadStarted)))
        let result = try OfflineEvaluation(definition: definition, data: data).run(target: target) { print($0); fflush(nil) }
        let reportPath = context.path(report)
        let chartPath = (reportPath as NSString).deletingPathExtension + ".svg"
        let markdown = result.markdown(chart: (chartPath as NSString).lastPathComponent)
        print("\n" + markdown)
        try FileManager.default.createDirectory(atPath: (reportPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(markdown.utf8).write(to: URL(fileURLWithPath: reportPath), options: .atomic)
        try Data(EvaluationChart.svg(result).utf8).write(to: URL(fileURLWithPath: chartPath), options: .atomic)
        print("report: \(reportPath) (chart: \(chartPath))")
        if let writeRecs, let csv = result.recommendationsCSV(model: "hybrid") {
            try Data(csv.utf8).write(to: URL(fileURLWithPath: context.path(writeRecs)), options: .atomic)
            print("recommendations: \(context.path(writeRecs))")
        }
    }
}
