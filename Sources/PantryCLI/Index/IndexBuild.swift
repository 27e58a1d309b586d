import ArgumentParser
import Foundation
import VectorIndex

/// `pantry index build --view V --feature F --out FILE`: the latest embedding of each entity,
/// read from the offline store through COPY, into a saved HNSW index.
struct IndexBuild: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "build", abstract: "Build an HNSW index file from a vector(n) feature of the offline store.")

    @OptionGroup var global: GlobalOptions
    @Option(help: "Project (default from settings).") var project: String?
    @Option(help: "Feature view holding the embeddings.") var view: String
    @Option(help: "The vector(n) feature.") var feature: String
    @Option(help: "l2, ip or cosine.") var metric: Metric = .cosine
    @Option(name: .customLong("M"), help: "Links per node (layer 0 keeps 2M).") var M: Int = 16
    @Option(help: "Candidates kept while inserting.") var efConstruction: Int = 200
    @Option(help: "Build threads (default: all cores).") var threads: Int = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Index file to write.") var out: String

    func run() async throws {
        let context = try await StoreContext(global)
        defer { context.connection.close() }
        let table = try context.table(view: view, project: project)
        let started = Date()
        let (ids, vectors) = try table.latestVectors(feature: feature, on: context.connection)
        guard let dimensions = vectors.first?.count else { throw ValidationError("\(view):\(feature) has no values in the offline store") }
        let index = try HNSWIndex(dimensions: dimensions, metric: metric, parameters: .init(M: M, efConstruction: efConstruction))
        let bar = ProgressBar("indexing"), total = ids.count
        try index.add(ids: ids, vectors: vectors, threads: threads) { done in bar.update(done, of: total) }
        bar.finish()
        let path = context.path(out)
        try index.save(to: path)
        print(String(format: "indexed %d vectors of %@:%@ (%d dimensions, %@) into %@ in %.1f s", ids.count, view, feature, dimensions,
                     metric.rawValue, path, Date().timeIntervalSince(started)))
    }
}
