import ArgumentParser
import DemoData
import Foundation
import Synchronization
import VectorIndex

/// `pantry index ...`: Pantry's own nearest-neighbour index (HNSW) — generate benchmark sets,
/// benchmark against exact search and hnswlib, search a saved index.
struct IndexCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "index",
        abstract: "Build, search and benchmark Pantry's vector index (HNSW).",
        subcommands: [IndexBuild.self, IndexSearch.self, IndexBench.self, IndexGenerate.self])
}

extension Metric: ExpressibleByArgument {}

/// `pantry index generate gmm-100k-384 --out DIR`: the seeded benchmark sets as .fvecs.
struct IndexGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "generate", abstract: "Write a seeded benchmark set (gmm-1m-128, gmm-100k-384, gmm-10k-32) as .fvecs files.")

    @Argument(help: "gmm-1m-128, gmm-100k-384 or gmm-10k-32.")
    var name: String

    @Option(help: "Folder for NAME.base.fvecs and NAME.query.fvecs.")
    var out: String = "."

    func run() throws {
        guard let set = GaussianMixtureVectors.standard[name] else {
            throw ValidationError("unknown set \(name): expected one of \(GaussianMixtureVectors.standard.keys.sorted().joined(separator: ", "))")
        }
        try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true)
        let base = (out as NSString).appendingPathComponent("\(name).base.fvecs")
        let queries = (out as NSString).appendingPathComponent("\(name).query.fvecs")
        try VectorFiles.writeFvecs(try Parallel.map(0..<set.count) { set.base($0) }, to: base)
        try VectorFiles.writeFvecs((0..<GaussianMixtureVectors.queryCount).map(set.query), to: queries)
        print("wrote \(base) (\(set.count) × \(set.dimensions)) and \(queries) (\(GaussianMixtureVectors.queryCount))")
    }
}

/// `pantry index search FILE --vector '[...]' --k 10`: a quick look into a saved index.
struct IndexSearch: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "search", abstract: "Search a saved index file.")

    @Argument(help: "Index file written by the index commands.")
    var file: String

    @Option(help: "The query vector as a JSON array, e.g. '[0.1, 0.2]'.")
    var vector: String?

    @Option(help: "Search near this entity's own vector (it is left out of the results).")
    var entity: Int64?

    @Option(help: "Neighbours to return.")
    var k: Int = 10

    @Option(help: "Candidates searched on layer 0 (at least k).")
    var ef: Int = 64

    @Option(help: "Only these ids (comma separated).")
    var filterIds: String?

    func run() throws {
        let index = try HNSWIndex.load(from: file)
        let query: [Float]
        switch (vector, entity) {
        case (let text?, nil): query = try Self.parseVector(text)
        case (nil, let id?):
            guard let stored = index.vector(id: id) else { throw ValidationError("--entity \(id) is not in \(file)") }
            query = stored
        default: throw ValidationError("give exactly one of --vector or --entity")
        }
        var filter = try filterIds.map { text in
            SearchFilter.allow(try text.split(separator: ",").map { part in
                guard let id = Int64(part.trimmingCharacters(in: .whitespaces)) else { throw ValidationError("--filter-ids: \"\(part)\" is not an integer id") }
                return id
            })
        }
        if let entity, filter == nil { filter = .deny([entity]) }
        for result in try index.search(query, k: k, ef: ef, filter: filter) where result.id != entity {
            print("\(result.id)\t\(result.distance)")
        }
    }

    /// `[1, 2.5, -3]` → floats; anything else is a validation error saying what was expected.
    static func parseVector(_ text: String) throws -> [Float] {
        let trimmed = text.trimmingCharacters(in: .whitespaces)
        guard trimmed.hasPrefix("["), trimmed.hasSuffix("]") else { throw ValidationError("--vector: expected a JSON array such as [0.1, 0.2]") }
        return try trimmed.dropFirst().dropLast().split(separator: ",").enumerated().map { index, part in
            guard let value = Float(part.trimmingCharacters(in: .whitespaces)), value.isFinite else {
                throw ValidationError("--vector: element \(index) (\"\(part)\") is not a finite number")
            }
            return value
        }
    }
}

/// Work split over the cores with `DispatchQueue.concurrentPerform`, results in order.
enum Parallel {
    static func map<T: Sendable>(_ range: Range<Int>, threads: Int = ProcessInfo.processInfo.activeProcessorCount,
                                 _ body: @Sendable (Int) throws -> T) throws -> [T] {
        let chunks = max(1, min(threads, range.count))
        let results = Mutex<[Int: Result<[T], any Error>]>([:])
        DispatchQueue.concurrentPerform(iterations: chunks) { chunk in
            let lower = range.lowerBound + range.count * chunk / chunks
            let upper = range.lowerBound + range.count * (chunk + 1) / chunks
            let result = Result { try (lower..<upper).map(body) }
            results.withLock { $0[chunk] = result }
        }
        return try results.withLock { done in try (0..<chunks).flatMap { try done[$0]!.get() } }
    }
}
