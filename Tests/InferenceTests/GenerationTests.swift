import Foundation
import Testing
@testable import Inference

@Suite("Generation and scoring", .serialized)
struct GenerationTests {
    static let prompt = [504, 3575, 282, 4649, 314] // "The capital of France is"

    @Test func greedyIsDeterministicAndMatchesManualLoop() throws {
        let engine = try SmallEngines.make(.int8)
        let options = GenerationOptions(maxTokens: 6, stopAtEOS: false)
        let a = try engine.generate(promptTokens: Self.prompt, options: options)
        let b = try engine.generate(promptTokens: Self.prompt, options: options)
        #expect(a.tokens == b.tokens && a.tokens.count == 6 && a.finishReason == .maxTokens)
        // The same tokens by hand: argmax, feed back through the KV cache.
        let cache = engine.makeCache()
        var logits = try engine.evaluate(Self.prompt, cache: cache)[0]
        var manual: [Int] = []
        for _ in 0..<6 {
            let t = logits.withUnsafeBufferPointer { Sampler.argmax($0) }
            manual.append(t)
            logits = try engine.evaluate([t], cache: cache)[0]
        }
        #expect(manual == a.tokens)
    }

    @Test func seededSamplingIsReproducible() throws {
        let engine = try SmallEngines.make(.int8)
        let sampling = SamplingOptions(temperature: 0.9, topK: 50, topP: 0.9, seed: 1234)
        let options = GenerationOptions(maxTokens: 5, sampling: sampling, stopAtEOS: false)
        let a = try engine.generate(promptTokens: Self.prompt, options: options)
        let b = try engine.generate(promptTokens: Self.prompt, options: options)
        #expect(a.tokens == b.tokens)
    }

    @Test func samplerRespectsTopKAndTopP() {
        let logits: [Float] = [0, 5, 1, 4.9, -3]
        var s = Sampler(SamplingOptions(temperature: 1, topK: 2, topP: 1, seed: 7))
        var seen = Set<Int>()
        for _ in 0..<200 { seen.insert(logits.withUnsafeBufferPointer { s.sample($0) }) }
        #expect(seen == [1, 3])
        var p = Sampler(SamplingOptions(temperature: 1, topK: 0, topP: 0.3, seed: 7))
        for _ in 0..<50 { #expect(logits.withUnsafeBufferPointer { p.sample($0) } == 1) }
        #expect(logits.withUnsafeBufferPointer { Sampler.argmax($0) } == 1)
    }

    @Test func streamsTextAndHonoursStopStrings() throws {
        let engine = try SmallEngines.make(.int8)
        let options = GenerationOptions(maxTokens: 6, stopAtEOS: false)
        var streamed = ""
        let full = try engine.generate(promptTokens: Self.prompt, options: options) { step in
            streamed += step.text
            return true
        }
        #expect(streamed == full.text)
        #expect(full.text == engine.tokenizer.decode(full.tokens))
        // Stop on the text of the third generated token: output ends just before it.
        let third = engine.tokenizer.decode([full.tokens[2]])
        try #require(!third.isEmpty)
        let firstTwo = engine.tokenizer.decode(Array(full.tokens.prefix(2)))
        guard !firstTwo.contains(third) else { return }
        var streamedStop = ""
        let stopped = try engine.generate(promptTokens: Self.prompt, options: GenerationOptions(maxTokens: 6, stop: [third], stopAtEOS: false)) {
            streamedStop += $0.text
            return true
        }
        #expect(stopped.finishReason == .stopString)
        #expect(stopped.text == firstTwo)
        #expect(streamedStop == firstTwo)
        // The callback can cancel.
        var count = 0
        let cancelled = try engine.generate(promptTokens: Self.prompt, options: options) { _ in count += 1; return count < 2 }
        #expect(cancelled.finishReason == .cancelled && cancelled.tokens.count == 2)
    }

    @Test func prefixCachedScoringEqualsUncached() throws {
        let engine = try SmallEngines.make(.int8)
        let continuations = [[1005], [1006, 1007], [300, 301, 302], [42]]
        let cached = try engine.score(promptTokens: Self.prompt, continuations: continuations)
        let again = try engine.score(promptTokens: Self.prompt, continuations: continuations) // prefix reused
        let uncached = try engine.scoreUncached(promptTokens: Self.prompt, continuations: continuations)
        for i in continuations.indices {
            #expect(abs(cached[i] - uncached[i]) < 1e-4, "continuation \(i): \(cached[i]) vs \(uncached[i])")
            #expect(cached[i] == again[i])
            #expect(cached[i] < 0)
        }
        // A longer prompt sharing the prefix forks the stored cache.
        let longer = Self.prompt + [1005]
        let s1 = try engine.score(promptTokens: longer, continuations: [[1006]])
        let s2 = try engine.scoreUncached(promptTokens: longer, continuations: [[1006]])
        #expect(abs(s1[0] - s2[0]) < 1e-4)
    }

    @Test func scoresTextContinuations() throws {
        let engine = try SmallEngines.make(.int8)
        // The truncated test head covers ids < 2048: " the" and " a" are in it, " Yes" is not.
        let s = try engine.score(prompt: "Paris is the capital of France. It is", continuations: [" the", " a", ""])
        #expect(s.count == 3 && s[0] < 0 && s[1] < 0 && s[2] == 0)
        #expect(throws: InferenceError.self) { _ = try engine.score(prompt: "Answer:", continuations: [" Yes"]) }
    }
}
