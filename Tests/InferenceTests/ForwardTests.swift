import Foundation
import Synchronization
import Testing
@testable import Inference

/// Truncated engines (first 2 blocks, first 2048 logits) keep these tests quick in debug builds
/// while exercising every kernel, the KV cache, batching and attention.
enum SmallEngines {
    static let layers = 2
    static let vocab = 2048
    /// Shared per configuration: building the tokenizer tables is slow in debug builds.
    static func make(_ precision: ActivationPrecision, threads: Int = 2) throws -> LLMEngine {
        let key = "\(precision)-\(threads)"
        let path = try TestModel.requirePath()
        return try cache.withLock { engines in
            if let e = engines[key] { e.clearPrefixCache(); return e }
            let e = try LLMEngine(modelPath: path, threads: threads, precision: precision,
                                  layerLimit: layers, outputLimit: vocab)
            engines[key] = e
            return e
        }
    }
    private static let cache = Mutex<[String: LLMEngine]>([:])

    /// An engine of the same shape that no other test touches: for assertions on the engine's
    /// prefix cache, which `make` clears whenever another test asks for the shared engine.
    static func makeUnshared(_ precision: ActivationPrecision, threads: Int = 2) throws -> LLMEngine {
        try LLMEngine(modelPath: try TestModel.requirePath(), threads: threads, precision: precision,
                      layerLimit: layers, outputLimit: vocab)
    }
}

func maxAbsDifference(_ a: [Float], _ b: [Float]) -> Float {
    zip(a, b).map { abs($0 - $1) }.max() ?? .infinity
}

@Suite("Forward pass", .serialized)
struct ForwardTests {
    static let tokens = [504, 3575, 282, 4649] // "The capital of France"

    @Test func floatPathMatchesNaiveReference() throws {
        let file = try GGUFFile(path: try TestModel.requirePath())
        let reference = try ReferenceForward(file: file, layers: SmallEngines.layers, vocabRows: SmallEngines.vocab)
        let expected = try reference.logits(Self.tokens)
        let engine = try SmallEngines.make(.float32)
        let got = try engine.evaluate(Self.tokens, cache: engine.makeCache(), logitsAt: Set(0..<Self.tokens.count))
        #expect(got.count == expected.count)
        for (g, e) in zip(got, expected) {
            let scale = max(1, e.map(abs).max()!)
            #expect(maxAbsDifference(g, e) < 1e-4 * scale * 10, "float path deviates: \(maxAbsDifference(g, e))")
        }
    }

    @Test func int8PathIsCloseToFloatPath() throws {
        let exact = try SmallEngines.make(.float32)
        let quantised = try SmallEngines.make(.int8)
        let a = try exact.evaluate(Self.tokens, cache: exact.makeCache(), logitsAt: Set(0..<Self.tokens.count))
        let b = try quantised.evaluate(Self.tokens, cache: quantised.makeCache(), logitsAt: Set(0..<Self.tokens.count))
        for (x, y) in zip(a, b) {
            let scale = max(1, x.map(abs).max()!)
            #expect(maxAbsDifference(x, y) < 0.03 * scale, "int8 deviates: \(maxAbsDifference(x, y)) (scale \(scale))")
            #expect(Sampler.argmax(x.withUnsafeBufferPointer { $0 }) == Sampler.argmax(y.withUnsafeBufferPointer { $0 }))
        }
    }

    @Test(arguments: [ActivationPrecision.int8, .float32], [1, 2])
    func kvCacheDecodingEqualsRecomputation(precision: ActivationPrecision, threads: Int) throws {
        let engine = try SmallEngines.make(precision, threads: threads)
        // All at once, logits at every position...
        let full = try engine.evaluate(Self.tokens, cache: engine.makeCache(), logitsAt: Set(0..<Self.tokens.count))
        // ...equal one token at a time through the cache.
        let cache = engine.makeCache()
        for (i, t) in Self.tokens.enumerated() {
            let step = try engine.evaluate([t], cache: cache)[0]
            #expect(maxAbsDifference(step, full[i]) < 1e-3, "position \(i)")
        }
        #expect(cache.count == Self.tokens.count)
    }

    @Test func batchOfSequencesEqualsSingleRuns() throws {
        let engine = try SmallEngines.make(.int8)
        let prompts = [[504, 3575], [19556, 905, 17], [1589], [33, 34, 35, 36, 37]]
        // Batched: every prompt in its own cache, prefilled together in one forward pass.
        let caches = prompts.map { _ in engine.makeCache() }
        var batch: [BatchToken] = []
        for (p, c) in zip(prompts, caches) {
            for (i, t) in p.enumerated() { batch.append(BatchToken(cache: c, position: i, token: t, wantsLogits: i == p.count - 1)) }
        }
        let batched = try engine.run(batch)
        // Then one decode step for all four at once.
        let next = [1000, 1001, 1002, 1003]
        let stepped = try engine.decodeStep(tokens: next, caches: caches)
        for (i, p) in prompts.enumerated() {
            let single = engine.makeCache()
            let a = try engine.evaluate(p, cache: single)[0]
            let b = try engine.evaluate([next[i]], cache: single)[0]
            #expect(a == batched[i], "prefill \(i)")
            #expect(b == stepped[i], "decode \(i)")
        }
    }

    @Test func fullModelIsCloseToLlamaCpp() throws {
        let engine = try TestModel.engine()
        let reference = try TestModel.reference()
        let c = reference.logits[0]
        #expect(engine.tokenize(c.prompt) == c.ids)
        let logits = try engine.logits(tokens: c.ids)
        let ours = logits.indices.sorted { logits[$0] > logits[$1] }
        #expect(ours[0] == Int(c.top[0][0]), "top token differs from llama.cpp")
        for pair in c.top.prefix(5) {
            let id = Int(pair[0])
            #expect(abs(Double(logits[id]) - pair[1]) < 0.5, "logit of \(id): \(logits[id]) vs llama.cpp \(pair[1])")
        }
    }

    @Test func rejectsInvalidTokens() throws {
        let engine = try SmallEngines.make(.int8)
        #expect(throws: InferenceError.self) { _ = try engine.evaluate([49152], cache: engine.makeCache()) }
        #expect(throws: InferenceError.self) { _ = try engine.evaluate([-1], cache: engine.makeCache()) }
        #expect(throws: InferenceError.self) { _ = try engine.logits(tokens: []) }
        let small = engine.makeCache(capacity: 2)
        #expect(throws: InferenceError.self) { _ = try engine.evaluate([1, 2, 3], cache: small) }
    }
}
