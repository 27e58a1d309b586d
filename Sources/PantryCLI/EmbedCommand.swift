import ArgumentParser
import FeatureRegistry
import Foundation
import Inference
import OfflineStore
import TextEmbeddings

/// `pantry embed`: item text → sentence embeddings → a `vector(384)` feature of another view,
/// re-encoding only the entities whose text changed (see `EmbeddingJob`).
struct EmbedCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Encode each entity's latest text features into a vector feature (only texts that changed).",
        discussion: """
            The output view must exist in the registry, keyed like the source view, with a vector(384) feature \
            (--vector-feature) and a string feature for the text hash (--hash-feature). Example:
              pantry embed --view movie_info --text-features title,genres --out-view movie_text
            """)

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Source view: each entity's latest row is encoded.") var view: String
    @Option(help: "Features whose values make the text, comma-separated (joined by \". \").") var textFeatures: String?
    @Option(help: "Text template instead of --text-features, e.g. \"{title}. Genres: {genres}.\"") var template: String?
    @Option(help: "Output view.") var outView: String
    @Option(help: "Output vector feature.") var vectorFeature = "embedding"
    @Option(help: "Output feature holding the text hash.") var hashFeature = "text_hash"
    @Option(help: "Sentence encoder folder.") var model = ".pantry/models/all-MiniLM-L6-v2"
    @Option(help: "Texts encoded together (1...4096).") var batch = 64

    func run() async throws {
        let template: TextTemplate
        switch (textFeatures, self.template) {
        case (let list?, nil): template = try TextTemplate.joining(list.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) })
        case (nil, let text?): template = try TextTemplate(text)
        default: throw ValidationError("give exactly one of --text-features or --template")
        }
        var request = EmbeddingJob.Request(view: view, template: template, outView: outView)
        (request.vectorFeature, request.hashFeature, request.batch) = (vectorFeature, hashFeature, batch)
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        try Self.run(request, project: project, model: model, context: context)
    }

    /// Loads the encoder, checks the request against the registry and runs it with a progress bar.
    static func run(_ request: EmbeddingJob.Request, project: String?, model: String, context: StoreContext) throws {
        let started = Date()
        let directory = context.path(model)
        let encoder: SentenceEncoder
        do { encoder = try SentenceEncoder(directory: directory) } catch {
            throw ValidationError("sentence encoder in \(model): \(error) (scripts/setup.sh fetches it)")
        }
        let repository = try context.registry(project: project)
        let job = try EmbeddingJob(request, repository: repository, dimensions: encoder.config.hidden,
                                   pgvector: try OfflineTable.hasPgvector(context.connection))
        let bar = ProgressBar("embedding \(request.view)")
        let result = try job.run(encoder: encoder, model: (directory as NSString).lastPathComponent, on: context.connection) { done, total in
            bar.update(done, of: total)
        }
        bar.finish()
        print(String(format: "%@ → %@:%@: %d entities, %d encoded, %d unchanged, %d without text (template \"%@\") in %.1f s",
                     request.view, request.outView, request.vectorFeature, result.items, result.encoded, result.unchanged, result.empty,
                     request.template.description, Date().timeIntervalSince(started)))
    }
}
