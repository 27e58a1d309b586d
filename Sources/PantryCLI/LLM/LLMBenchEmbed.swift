import ArgumentParser
import Core
import Foundation
import Inference

/// `pantry llm bench-embed`: the sentence encoder's speed on short (≈ 12 word pieces) and long
/// (≈ 128) lines in batches, and one short query at a time (the search endpoint's case), beside
/// a numpy reference of the same model (`Benchmarks/embed_reference.py`) when its Python has
/// numpy, scipy and tokenizers; the two sets of vectors are compared too.
struct LLMBenchEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "bench-embed",
        abstract: "Sentences/s of the sentence encoder (short and long lines, single queries), beside a numpy reference.")

    @Option(help: "Model folder.") var model = ".pantry/models/all-MiniLM-L6-v2"
    @Option(help: "Threads for batches (default: all cores; the reference gets as many BLAS threads).") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Lines encoded together.") var batch = 64
    @Option(help: "Python with numpy, scipy and tokenizers for the reference (none: skip it).") var python = ".pantry/bench-venv/bin/python"
    @Option(help: "Reference script.") var referenceScript = "Benchmarks/embed_reference.py"
    @Option(help: "Runs of each measurement (the median is printed).") var runs = 3

    func run() throws {
        guard (1...256).contains(threads), (1...1024).contains(batch), (1...20).contains(runs) else {
            throw ValidationError("--threads 1...256, --batch 1...1024, --runs 1...20")
        }
        let encoder: SentenceEncoder
        do { encoder = try SentenceEncoder(directory: model) } catch { throw ValidationError("\(error)") }
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-bench-embed-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let reference = FileManager.default.isExecutableFile(atPath: python) && FileManager.default.fileExists(atPath: referenceScript)
        if !reference { print("no reference: \(python) or \(referenceScript) missing (Benchmarks/embed.sh installs them)") }
        print("threads \(threads), batches of \(batch), median of \(runs) runs; kernel tier \((try? KernelTier.selected())?.description ?? "?")")
        for (name, words, count, size, threadCount) in [("short lines", 9, 2000, batch, threads), ("long lines", 120, 200, batch, threads),
                                                        ("single short queries, one thread", 9, 300, 1, 1)] {
            let lines = Self.lines(count: count, words: words, seed: UInt64(words))
            let pieces = lines.map { encoder.tokenizer.encode($0).count }.reduce(0, +) / lines.count
            var vectors: [[Float]] = []
            let ours = (0..<runs).map { _ -> Double in
                let started = DispatchTime.now().uptimeNanoseconds
                vectors = stride(from: 0, to: lines.count, by: size).flatMap {
                    encoder.encode(Array(lines[$0..<min($0 + size, lines.count)]), threads: threadCount)
                }
                return Double(lines.count) / (Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            }.sorted()[runs / 2]
            var line = String(format: "%@ (%d, ~%d pieces): pantry %.1f sentences/s (%.2f ms per sentence)", name, lines.count, pieces, ours, 1000 / ours)
            if reference {
                let input = folder + "/lines.txt", ourVectors = folder + "/pantry.jsonl"
                try (lines.joined(separator: "\n") + "\n").write(toFile: input, atomically: true, encoding: .utf8)
                try vectors.map { "[" + $0.map { String(format: "%.8g", $0) }.joined(separator: ",") + "]" }.joined(separator: "\n")
                    .appending("\n").write(toFile: ourVectors, atomically: true, encoding: .utf8)
                var outputs: [[String]] = []
                for _ in 0..<runs {
                    outputs.append(try runReference(input: input, batch: size, threads: threadCount, compare: ourVectors, folder: folder))
                }
                let rates = outputs.compactMap { $0.first.flatMap(Double.init) }.sorted()
                if rates.count == runs, let difference = outputs.last?.dropFirst().first {
                    let theirs = rates[runs / 2]
                    line += String(format: "; numpy reference %.1f → %.2f×; largest difference %@", theirs, ours / theirs, difference)
                } else {
                    line += "; reference failed: \(outputs.last?.joined(separator: " ") ?? "")"
                }
            }
            print(line)
        }
    }

    /// Deterministic lines of `words` words from a small vocabulary.
    static func lines(count: Int, words: Int, seed: UInt64) -> [String] {
        let vocabulary = "the a movie film about toys heartwarming animated story space war love city night dark comedy family friends music".split(separator: " ")
        var random = SplitMix64(seed: seed)
        func next() -> Int { Int(random.next() % UInt64(vocabulary.count)) }
        return (0..<count).map { _ in (0..<words).map { _ in String(vocabulary[next()]) }.joined(separator: " ") }
    }

    /// The reference's output lines: sentences/s, then the largest difference.
    func runReference(input: String, batch: Int, threads: Int, compare: String, folder: String) throws -> [String] {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: python)
        process.arguments = [referenceScript, model, input, String(batch), folder + "/reference.npy", compare]
        var environment = ProcessInfo.processInfo.environment
        for key in ["OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"] { environment[key] = String(threads) }
        process.environment = environment
        let pipe = Pipe()
        process.standardOutput = pipe
        try process.run()
        let data = pipe.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return String(decoding: data, as: UTF8.self).split(separator: "\n").map(String.init)
    }
}
