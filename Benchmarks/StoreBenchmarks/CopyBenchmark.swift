import Core
import Foundation
import Postgres

/// COPY FROM of a 1,000,000-row CSV file: Pantry's driver against `psql -c "\copy ..."`,
/// same server, same file, alternating runs.
struct CopyBenchmark {
    let url: String
    let directory: String
    let rows: Int
    let repetitions: Int

    func run() throws {
        let file = "\(directory)/copy-\(rows).csv"
        if !FileManager.default.fileExists(atPath: file) { try generate(file) }
        let bytes = Double((try FileManager.default.attributesOfItem(atPath: file)[.size] as? Int) ?? 0)
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
        defer { connection.close() }
        try connection.query("DROP TABLE IF EXISTS bench_copy")
        try connection.query("""
            CREATE TABLE bench_copy (id bigint, user_id int, item_id int, rating double precision,
                                     event_ts timestamptz, note text)
            """)
        let copy = "COPY bench_copy FROM STDIN WITH (FORMAT csv)"
        var pantry: [Double] = [], psql: [Double] = []
        for _ in 0..<repetitions {
            try connection.query("TRUNCATE bench_copy")
            psql.append(try Bench.time {
                try Bench.shell("psql '\(url)' -q -c \"\\copy bench_copy FROM '\(file)' WITH (FORMAT csv)\"")
            })
            try connection.query("TRUNCATE bench_copy")
            var loaded = 0
            pantry.append(try Bench.time { loaded = try connection.copyIn(copy, fromFile: file) })
            guard loaded == rows else { throw BenchError("loaded \(loaded) rows, expected \(rows)") }
        }
        try connection.query("DROP TABLE bench_copy")
        let ours = Bench.median(pantry), theirs = Bench.median(psql)
        print("COPY FROM CSV, \(rows) rows, \(Bench.format(bytes / 1_048_576, 1)) MiB, median of \(repetitions):")
        print("  pantry: \(Bench.format(ours, 3)) s  \(Bench.format(Double(rows) / ours)) rows/s  \(Bench.format(bytes / 1_048_576 / ours, 1)) MiB/s")
        print("  psql:   \(Bench.format(theirs, 3)) s  \(Bench.format(Double(rows) / theirs)) rows/s  \(Bench.format(bytes / 1_048_576 / theirs, 1)) MiB/s")
        print("  ratio pantry/psql throughput: \(Bench.format(theirs / ours, 2))x (goal >= 0.9x)")
    }

    /// A seeded CSV with quoting, NULLs and unicode, like a real event export.
    private func generate(_ path: String) throws {
        var random = SeededGenerator(seed: 42)
        let notes = ["", "great", "\"quoted\", with comma", "ünïcödé 中文", "multi\nline", "plain text note"]
        var text = ""
        text.reserveCapacity(rows * 64)
        let base = 1_700_000_000
        for id in 0..<rows {
            let note = notes[Int(random.next() % UInt64(notes.count))]
            let quoted = note.isEmpty ? "" : "\"" + note.replacingOccurrences(of: "\"", with: "\"\"") + "\""
            let rating = id % 50 == 0 ? "" : String(Double(random.next() % 50) / 10)
            let ts = Timestamp.format(Date(timeIntervalSince1970: Double(base + Int(random.next() % 30_000_000))))
            text += "\(id),\(random.next() % 50_000),\(random.next() % 20_000),\(rating),\(ts),\(quoted)\n"
        }
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
    }
}
