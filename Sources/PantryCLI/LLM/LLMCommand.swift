import ArgumentParser
import Foundation
import Inference

/// `pantry llm ...`: inspect a GGUF model, tokenize, generate, score and benchmark with the
/// built-in inference engine.
struct LLMCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "llm",
        abstract: "Run the built-in LLM inference engine on a GGUF model.",
        subcommands: [LLMInfo.self, LLMTokenize.self, LLMGenerate.self, LLMLogits.self, LLMScore.self, LLMBench.self, LLMTiers.self, LLMEmbed.self, LLMBenchEmbed.self])
}

/// The model `scripts/setup.sh` downloads, relative to the project root: the default of every
/// command with an LLM stage (`serve`, `rerank`, `explain`).
let bundledLLMPath = ".pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf"

/// Options shared by the commands that load a model for inference.
struct LLMModelOptions: ParsableArguments {
    @Argument(help: "Path of the GGUF model file.")
    var model: String

    @Option(help: "Worker threads (default: all cores).")
    var threads: Int?

    func load() throws -> LLMEngine {
        try LLMEngine(modelPath: model, threads: threads)
    }
}

/// JSON text for a value encodable as JSON (arrays of numbers, dictionaries).
func jsonString<T: Encodable>(_ value: T, sorted: Bool = false) -> String {
    let encoder = JSONEncoder()
    if sorted { encoder.outputFormatting = [.sortedKeys] }
    let data = (try? encoder.encode(value)) ?? Data("null".utf8)
    return String(decoding: data, as: UTF8.self)
}

/// Writes to standard output without buffering delays (for streamed text).
func writeStdout(_ s: String) {
    FileHandle.standardOutput.write(Data(s.utf8))
}
