import ArgumentParser
import Foundation
import Inference

/// `pantry llm embed`: sentence embeddings of standard input's lines, as JSON lines.
struct LLMEmbed: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "embed",
        abstract: "Encode each line of standard input with the sentence encoder; print one JSON array of floats per line.")

    @Option(help: "Model folder (config.json, model.safetensors, vocab.txt).") var model = ".pantry/models/all-MiniLM-L6-v2"
    @Option(help: "Lines encoded together (1...1024).") var batch = 64
    @Option(help: "Word pieces per line at most, [CLS] and [SEP] included (3...512).") var maxLength = 256
    @Option(help: "Threads (each encodes part of a batch; default: all cores).") var threads = ProcessInfo.processInfo.activeProcessorCount

    func run() throws {
        guard (1...1024).contains(batch) else { throw ValidationError("--batch must be 1...1024") }
        guard (3...512).contains(maxLength) else { throw ValidationError("--max-length must be 3...512") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads must be 1...256") }
        let encoder: SentenceEncoder
        do { encoder = try SentenceEncoder(directory: model) } catch { throw ValidationError("\(error)") }
        var pending: [String] = []
        func flush() {
            for vector in encoder.encode(pending, maxLength: maxLength, threads: threads) {
                print("[" + vector.map { String(format: "%.7g", $0) }.joined(separator: ",") + "]")
            }
            pending.removeAll(keepingCapacity: true)
        }
        while let line = readLine(strippingNewline: true) {
            pending.append(line)
            if pending.count == batch { flush() }
        }
        if !pending.isEmpty { flush() }
    }
}
