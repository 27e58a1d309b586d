import ArgumentParser
import Foundation
import VectorIndex

/// `pantry index bench`: builds an HNSW index from a TEXMEX `.fvecs` file, then for each `ef`
/// measures recall@k against exact ground truth and single-query throughput on one thread
/// (best of 3 passes). hnswlib runs on the same files in the same run when Python can import
/// it, and prints its lines beside Pantry's.
struct IndexBench: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench", abstract: "Benchmark the HNSW index (recall and queries/s per ef), beside hnswlib when importable.")

    @Option(help: "Base vectors (.fvecs).") var base: String
    @Option(help: "Query vectors (.fvecs).") var queries: String
    @Option(help: "Ground-truth neighbour ids (.ivecs); computed exactly when absent.") var truth: String?
    @Option(help: "Write the computed ground truth to this .ivecs file.") var writeTruth: String?
    @Option(help: "l2, ip or cosine.") var metric: Metric = .l2
    @Option(help: "Neighbours per query.") var k: Int = 10
    @Option(name: .customLong("M"), help: "Links per node (layer 0 keeps 2M).") var M: Int = 16
    @Option(help: "Candidates kept while inserting.") var efConstruction: Int = 200
    @Option(help: "ef values to measure, comma separated.") var ef: String = "10,16,24,32,48,64,96,128,256"
    @Option(help: "Threads for building (queries always run on one; hnswlib builds with as many).") var threads: Int = 1
    @Option(help: "Use only the first N base vectors.") var limit: Int?
    @Option(help: "Index file: loaded (and the load timed) when it exists, else built and saved there.") var index: String?
    @Flag(help: "One JSON object per line instead of a table.") var json = false
    @Flag(help: "Skip the hnswlib comparison.") var noReference = false
    @Option(help: "Also measure pgvector's HNSW in this PostgreSQL (e.g. the dev server's URL); the table is dropped afterwards.")
    var pgvector: String?
    @Option(help: "Python interpreter for the hnswlib comparison.")
    var python: String = ProcessInfo.processInfo.environment["PANTRY_BENCH_PYTHON"] ?? "python3"

    func run() throws {
        let efs = try ef.split(separator: ",").map { part in
            guard let value = Int(part.trimmingCharacters(in: .whitespaces)), (1...100_000).contains(value) else {
                throw ValidationError("--ef: \"\(part)\" is not an ef in 1...100000")
            }
            return value
        }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        let vectors = try VectorFiles.readFvecs(base, limit: limit)
        let queryVectors = try VectorFiles.readFvecs(queries)
        guard let dimensions = vectors.first?.count, queryVectors.first?.count == dimensions else {
            throw ValidationError("base and queries must be non-empty and of one dimension")
        }
        let groundTruth = try truth.map { try VectorFiles.readIvecs($0).map { $0.prefix(k).map(Int64.init) } }
            ?? exactTruth(vectors, queryVectors)
        if let writeTruth { try VectorFiles.writeIvecs(groundTruth.map { $0.map { Int32($0) } }, to: writeTruth) }

        let rssBefore = ProcessMemory.residentBytes ?? 0
        var index = try HNSWIndex(dimensions: dimensions, metric: metric, parameters: .init(M: M, efConstruction: efConstruction))
        var (wall, cpu) = (0.0, 0.0)
        if let path = self.index, FileManager.default.fileExists(atPath: path) {
            let (seconds, _) = try Stopwatch.measure { index = try HNSWIndex.load(from: path) }
            guard index.dimensions == dimensions, index.metric == metric, index.parameters.M == M else {
                throw ValidationError("\(path) holds an index of \(index.dimensions) dimensions, \(index.metric), M \(index.parameters.M): not this run's")
            }
            report(["lib": "pantry", "phase": "load", "load_s": seconds, "index_bytes": index.memoryBytes],
                   text: String(format: "pantry  loaded %@ in %.3f s; index %@", path, seconds, ProcessMemory.mebibytes(index.memoryBytes)))
        } else {
            (wall, cpu) = try Stopwatch.measure {
                try index.add(ids: vectors.indices.map(Int64.init), vectors: vectors, threads: threads)
            }
            if let path = self.index { try index.save(to: path) }
        }
        let rssGrowth = (ProcessMemory.residentBytes ?? 0) - rssBefore
        let indexBytes = index.memoryBytes
        if wall > 0 { report(["lib": "pantry", "phase": "build", "n": vectors.count, "dim": dimensions, "M": M, "ef_construction": efConstruction,
                "threads": threads, "build_s": wall, "build_cpu_s": cpu, "index_bytes": indexBytes, "rss_growth_bytes": rssGrowth],
               text: String(format: "pantry  build %d × %d, %d thread(s): %.1f s wall, %.1f s CPU; index %@ (resident growth %@)", vectors.count,
                            dimensions, threads, wall, cpu, ProcessMemory.mebibytes(indexBytes), ProcessMemory.mebibytes(rssGrowth))) }
        for ef in efs {
            var best = 0.0
            var found: [[SearchResult]] = []
            for _ in 0..<3 {
                let (seconds, _) = try Stopwatch.measure { found = try queryVectors.map { try index.search($0, k: k, ef: ef) } }
                best = max(best, Double(queryVectors.count) / seconds)
            }
            let recall = Self.recall(found.map { $0.map(\.id) }, groundTruth, k: k)
            report(["lib": "pantry", "ef": ef, "recall": recall, "qps": best, "build_s": wall, "index_bytes": indexBytes],
                   text: String(format: "pantry  ef %4d  recall@%d %.4f  %9.0f queries/s", ef, k, recall, best))
        }
        fflush(nil)  // all C streams: our lines before the child's
        if !noReference { try runHnswlib(efs: efs, truth: groundTruth) }
        if let pgvector { try runPgvector(url: pgvector, vectors: vectors, queries: queryVectors, truth: groundTruth, efs: efs) }
    }

    private func exactTruth(_ vectors: [[Float]], _ queries: [[Float]]) throws -> [[Int64]] {
        let flat = try FlatIndex(dimensions: vectors[0].count, metric: metric)
        for (id, vector) in vectors.enumerated() { try flat.add(id: Int64(id), vector: vector) }
        let k = self.k
        return try Parallel.map(0..<queries.count) { try flat.search(queries[$0], k: k).map(\.id) }
    }

    static func recall(_ found: [[Int64]], _ truth: [[Int64]], k: Int) -> Double {
        let hits = zip(found, truth).reduce(0) { $0 + Set($1.0.prefix(k)).intersection($1.1.prefix(k)).count }
        return Double(hits) / Double(max(1, truth.reduce(0) { $0 + min(k, $1.count) }))
    }

    func report(_ fields: [String: Any], text: String) {
        if json {
            let data = (try? JSONSerialization.data(withJSONObject: fields, options: [.sortedKeys])) ?? Data()
            print(String(decoding: data, as: UTF8.self))
        } else {
            print(text)
        }
    }

    /// hnswlib on the same files, same parameters, one thread, in a child Python process.
    private func runHnswlib(efs: [Int], truth: [[Int64]]) throws {
        let truthFile = NSTemporaryDirectory() + "pantry-truth-\(getpid()).ivecs"
        defer { try? FileManager.default.removeItem(atPath: truthFile) }
        try VectorFiles.writeIvecs(truth.map { $0.map { Int32($0) } }, to: truthFile)
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = [python, "-c", Self.hnswlibScript, base, queries, truthFile, metric.rawValue, String(k), String(M), String(efConstruction),
                             efs.map(String.init).joined(separator: ","), String(limit ?? 0), json ? "json" : "text", String(threads),
                             index.map { $0 + ".hnswlib" } ?? ""]
        do {
            try process.run()
            process.waitUntilExit()
        } catch {
            print("hnswlib: cannot run \(python): \(error)")
        }
    }
}

/// Wall and process CPU seconds of a piece of work.
enum Stopwatch {
    static func measure(_ body: () throws -> Void) throws -> (wall: Double, cpu: Double) {
        let wallStart = DispatchTime.now().uptimeNanoseconds, cpuStart = cpuSeconds()
        try body()
        return (Double(DispatchTime.now().uptimeNanoseconds - wallStart) / 1e9, cpuSeconds() - cpuStart)
    }

    static func cpuSeconds() -> Double {
        var time = timespec()
        clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &time)
        return Double(time.tv_sec) + Double(time.tv_nsec) / 1e9
    }
}
