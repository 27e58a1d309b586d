import ArgumentParser
import Foundation
import Inference

struct LLMGenerate: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "generate", abstract: "Generate text from a prompt (streams the text).")

    @OptionGroup var model: LLMModelOptions

    @Option(help: "The prompt.")
    var prompt: String

    @Flag(help: "Wrap the prompt in the model's chat template as a user message.")
    var chat = false

    @Flag(help: "Use the prompt as is, with special tokens parsed (the default).")
    var raw = false

    @Option(help: "Optional system message (with --chat).")
    var system: String?

    @Option(help: "Sampling temperature (0 = greedy).")
    var temperature: Float = 0

    @Option(name: .customLong("top-k"), help: "Top-k (0 = off).")
    var topK: Int = 40

    @Option(name: .customLong("top-p"), help: "Top-p nucleus threshold (1 = off).")
    var topP: Float = 0.95

    @Option(help: "Random seed.")
    var seed: UInt64 = 0

    @Option(name: .customLong("max-tokens"), help: "Maximum tokens to generate.")
    var maxTokens: Int = 128

    @Option(help: "Stop string (repeatable).")
    var stop: [String] = []

    @Flag(help: "Print the generated token ids as a JSON array instead of text.")
    var ids = false

    func validate() throws {
        if chat && raw { throw ValidationError("--chat and --raw are mutually exclusive") }
    }

    func run() throws {
        let engine = try model.load()
        // A chat prompt keeps the user's text as text; a raw prompt is parsed for special tokens.
        var tokens = engine.tokenize(prompt)
        if chat {
            var messages: [ChatMessage] = []
            if let system { messages.append(.system(system)) }
            messages.append(.user(prompt))
            tokens = engine.chatTokens(messages)
        }
        let options = GenerationOptions(
            maxTokens: maxTokens,
            sampling: SamplingOptions(temperature: temperature, topK: topK, topP: topP, seed: seed),
            stop: stop)
        let stream = !ids
        let result = try engine.generate(promptTokens: tokens, options: options) { step in
            if stream { writeStdout(step.text) }
            return true
        }
        if ids { print(jsonString(result.tokens)) } else { writeStdout("\n") }
    }
}

struct LLMLogits: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "logits", abstract: "Print the top next-token logits as [[id, logit], ...].")

    @OptionGroup var model: LLMModelOptions

    @Option(help: "The prompt.")
    var prompt: String

    @Flag(help: "Use the prompt as is, with special tokens parsed (the default).")
    var raw = false

    @Option(help: "How many logits to print.")
    var top: Int = 10

    @Flag(help: "Use float activations instead of 8-bit quantised ones (slower, reference).")
    var float = false

    func run() throws {
        let engine = try LLMEngine(modelPath: model.model, threads: model.threads, precision: float ? .float32 : .int8)
        let logits = try engine.logits(tokens: engine.tokenize(prompt))
        let best = logits.indices.sorted { logits[$0] > logits[$1] }.prefix(top)
        let pairs = best.map { "[\($0), \(logits[$0])]" }
        print("[" + pairs.joined(separator: ", ") + "]")
    }
}

struct LLMScore: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "score", abstract: "Print the log-probability of each continuation after the prompt as JSON.")

    @OptionGroup var model: LLMModelOptions

    @Option(help: "The prompt.")
    var prompt: String

    @Flag(help: "Use the prompt as is, with special tokens parsed (the default).")
    var raw = false

    @Option(help: "A continuation to score (repeatable).")
    var continuation: [String] = []

    func run() throws {
        guard !continuation.isEmpty else { throw ValidationError("give at least one --continuation") }
        let engine = try model.load()
        let scores = try engine.score(prompt: prompt, continuations: continuation)
        var result: [String: Float] = [:]
        for (c, s) in zip(continuation, scores) { result[c] = s }
        print(jsonString(result, sorted: true))
    }
}
