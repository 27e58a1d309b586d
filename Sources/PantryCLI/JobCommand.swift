import ArgumentParser
import FeatureRegistry
import Foundation
import OfflineStore
import TextEmbeddings
import Yams

/// `pantry job run Jobs/NAME.yaml`: runs a job definition: a training-set export
/// (`kind: export`) or an embedding job (`kind: embed`).
struct JobCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "job", abstract: "Run job definitions from Jobs/.", subcommands: [Run.self])

    struct Run: AsyncParsableCommand {
        static let configuration = CommandConfiguration(abstract: "Run one job file.")
        @OptionGroup var global: GlobalOptions
        @Argument(help: "Job file, e.g. Jobs/export_training_set.yaml.") var file: String

        func run() async throws {
            let context = try await StoreContext(global)
            defer { context.connection.close() }
            let path = context.path(file)
            let text = try String(contentsOfFile: path, encoding: .utf8)
            guard let root = try Yams.compose(yaml: text) else { throw ValidationError("\(file) is empty") }
            let node = try YAMLNode(node: root, file: file, path: "")
            let kindNode = try node.mapping(allowed: nil).required("kind", expected: "export or embed")
            switch try kindNode.string() {
            case "export": try export(node, context: context)
            case "embed": try embed(node, context: context)
            default: throw kindNode.error(found: "\"\(try kindNode.string())\"", expected: "export or embed")
            }
        }

        func embed(_ node: YAMLNode, context: StoreContext) throws {
            let job = try node.mapping(allowed: ["kind", "description", "project", "view", "text_features", "template",
                                                 "out_view", "vector_feature", "hash_feature", "model", "batch"])
            let template: TextTemplate
            switch (job["text_features"], job["template"]) {
            case (let list?, nil): template = try TextTemplate.joining(try list.list().map { try $0.string() })
            case (nil, let text?):
                do { template = try TextTemplate(try text.string()) } catch { throw text.error(found: "\"\(try text.string())\"", expected: "a template (\(error))") }
            default: throw node.error(found: "both or neither of text_features and template", expected: "exactly one of them")
            }
            var request = EmbeddingJob.Request(view: try job.required("view", expected: "the source view").string(), template: template,
                                               outView: try job.required("out_view", expected: "the output view").string())
            if let v = job["vector_feature"] { request.vectorFeature = try v.string() }
            if let v = job["hash_feature"] { request.hashFeature = try v.string() }
            if let v = job["batch"] {
                guard let b = Int(try v.string()), (1...4096).contains(b) else { throw v.error(found: "\"\(try v.string())\"", expected: "an integer 1...4096") }
                request.batch = b
            }
            try EmbedCommand.run(request, project: try job["project"]?.string(),
                                 model: try job["model"]?.string() ?? ".pantry/models/all-MiniLM-L6-v2", context: context)
        }

        func export(_ node: YAMLNode, context: StoreContext) throws {
            let job = try node.mapping(allowed: [
                "kind", "description", "project", "feature_service", "features", "entities", "entities_query",
                "output", "format", "full_feature_names", "as_of_created", "timestamp_column"])
            let repository = try context.registry(project: try job["project"]?.string())
            let references = try repository.references(features: try job["features"]?.list().map { try $0.string() },
                                                       service: try job["feature_service"]?.string())
            let entities: EntitySet
            if let csv = job["entities"] { entities = .csvFile(context.path(try csv.string())) }
            else { entities = .query(try job.required("entities_query", expected: "entities (a CSV file) or entities_query (SQL)").string()) }
            func flag(_ key: String) throws -> Bool {
                guard let node = job[key] else { return false }
                let text = try node.string()
                guard let value = Bool(text) else { throw node.error(found: "\"\(text)\"", expected: "true or false") }
                return value
            }
            let format = try job["format"].map { node -> TrainingSetExporter.Format in
                guard let format = TrainingSetExporter.Format(rawValue: try node.string()) else {
                    throw node.error(found: "\"\(try node.string())\"", expected: "csv or jsonl")
                }
                return format
            }
            let outputNode = try job.required("output", expected: "the output file")
            let request: TrainingSetExporter.Request
            do {
                request = try TrainingSetExporter.Request(
                    references: references, entities: entities, output: context.path(try outputNode.string()),
                    format: format, fullFeatureNames: try flag("full_feature_names"), asOfCreated: try flag("as_of_created"),
                    timestampColumn: try job["timestamp_column"]?.string() ?? EntitySet.defaultTimestampColumn)
            } catch let error as ExportError {
                throw outputNode.error(found: "\"\(try outputNode.string())\"", expected: "a supported output file (\(error))")
            }
            try ExportCommand.run(request, repository: repository, context: context)
        }
    }
}
