import ArgumentParser
import Foundation
import Postgres
import VectorIndex

extension IndexBench {
    /// pgvector on the same vectors: an HNSW index with the same M and efConstruction in the
    /// given PostgreSQL, then a prepared `ORDER BY embedding <op> $1 LIMIT k` per query, one
    /// client, `hnsw.ef_search` swept; the same recall and best-of-3 queries/s as Pantry's.
    func runPgvector(url: String, vectors: [[Float]], queries: [[Float]], truth: [[Int64]], efs: [Int]) throws {
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
        defer { connection.close() }
        let (opclass, op) = switch metric {
        case .l2: ("vector_l2_ops", "<->")
        case .innerProduct: ("vector_ip_ops", "<#>")
        case .cosine: ("vector_cosine_ops", "<=>")
        }
        let dimensions = vectors[0].count
        try connection.query("CREATE EXTENSION IF NOT EXISTS vector")
        try connection.query("DROP TABLE IF EXISTS pantry_bench_vectors")
        try connection.query("CREATE UNLOGGED TABLE pantry_bench_vectors (id int4 PRIMARY KEY, embedding vector(\(dimensions)))")
        defer { _ = try? connection.query("DROP TABLE IF EXISTS pantry_bench_vectors") }
        func literal(_ vector: [Float]) -> String { "[" + vector.map { String($0) }.joined(separator: ",") + "]" }
        try connection.copyIn("COPY pantry_bench_vectors (id, embedding) FROM STDIN",
                              rows: vectors.enumerated().lazy.map { [String($0.offset), literal($0.element)] })
        try connection.query("SET maintenance_work_mem = '4GB'")
        try connection.query("SET max_parallel_maintenance_workers = \(threads - 1)")
        let (wall, _) = try Stopwatch.measure {
            try connection.query("CREATE INDEX ON pantry_bench_vectors USING hnsw (embedding \(opclass)) WITH (m = \(M), ef_construction = \(efConstruction))")
        }
        let indexBytes = try connection.query("SELECT pg_relation_size(indexrelid) FROM pg_index WHERE indrelid = 'pantry_bench_vectors'::regclass AND NOT indisprimary")[0].decode(Int.self, at: 0)
        report(["lib": "pgvector", "phase": "build", "n": vectors.count, "threads": threads, "build_s": wall, "index_bytes": indexBytes],
               text: String(format: "pgvector build %d × %d, %d worker(s): %.1f s wall; index %@", vectors.count, dimensions, threads, wall,
                            ProcessMemory.mebibytes(indexBytes)))
        try connection.prepare("pantry_knn", "SELECT id FROM pantry_bench_vectors ORDER BY embedding \(op) $1::vector LIMIT \(k)")
        let texts = queries.map(literal)
        for ef in efs {
            try connection.query("SET hnsw.ef_search = \(max(ef, k))")
            var best = 0.0
            var found: [[Int64]] = []
            for _ in 0..<3 {
                let (seconds, _) = try Stopwatch.measure {
                    found = try texts.map { text in try connection.execute(prepared: "pantry_knn", [text]).rows.map { Int64(try $0.decode(Int.self, at: 0)) } }
                }
                best = max(best, Double(texts.count) / seconds)
            }
            let recall = Self.recall(found, truth, k: k)
            report(["lib": "pgvector", "ef": ef, "recall": recall, "qps": best, "build_s": wall, "index_bytes": indexBytes],
                   text: String(format: "pgvector ef %4d  recall@%d %.4f  %9.0f queries/s", ef, k, recall, best))
        }
    }
}
