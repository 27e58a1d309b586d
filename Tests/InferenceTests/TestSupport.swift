import Foundation
import Testing
@testable import Inference

/// Locations and shared fixtures for the inference tests. The tests use the real model file
/// (fetched by scripts/setup.sh) and fail, rather than skip, when it is missing.
enum TestModel {
    /// This test folder (symlinks resolved, so a development package that links it works too).
    static let testsFolder: URL = URL(fileURLWithPath: #filePath).resolvingSymlinksInPath().deletingLastPathComponent()
    static let repoRoot: URL = testsFolder.deletingLastPathComponent().deletingLastPathComponent()

    static var path: String {
        if let p = ProcessInfo.processInfo.environment["PANTRY_MODEL"], !p.isEmpty { return p }
        return repoRoot.appendingPathComponent(".pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf").path
    }

    /// Fails the test with a clear message when the model file is absent.
    static func requirePath() throws -> String {
        let p = path
        try #require(FileManager.default.fileExists(atPath: p),
                     "model file missing at \(p): run scripts/setup.sh or set PANTRY_MODEL")
        return p
    }

    /// The full model with llama.cpp-like int8 activations, shared by tests (loading is cheap
    /// thanks to mmap, but the tokenizer tables take a moment in debug builds).
    static func engine() throws -> LLMEngine {
        let p = try requirePath()
        return try shared.withLock { cache in
            if let e = cache[p] { return e }
            let e = try LLMEngine(modelPath: p, threads: 2)
            cache[p] = e
            return e
        }
    }

    private static let shared = Mutex<[String: LLMEngine]>([:])

    static func file() throws -> GGUFFile { try engine().file }

    /// Reference vectors written by scripts/llama_reference.py (llama.cpp via llama-cpp-python).
    static func reference() throws -> Reference {
        let url = testsFolder.appendingPathComponent("Resources/llama_reference.json")
        return try JSONDecoder().decode(Reference.self, from: Data(contentsOf: url))
    }

    struct Reference: Decodable {
        struct TokenCase: Decodable { let text: String; let ids: [Int] }
        struct LogitCase: Decodable { let prompt: String; let ids: [Int]; let top: [[Double]] }
        struct Greedy: Decodable { let prompt: String; let ids: [Int] }
        let tokenize: [TokenCase]
        let logits: [LogitCase]
        let greedy: Greedy
    }
}

import Synchronization
