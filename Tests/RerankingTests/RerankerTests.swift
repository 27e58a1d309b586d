import Foundation
import Inference
import Recommender
import Testing
@testable import Reranking

/// The reranker on the real SmolLM2-135M-Instruct (fetched by scripts/setup.sh; the tests fail
/// without it).
@Suite("LLM reranker")
struct RerankerTests {
    static let engine = Result { () throws -> LLMEngine in
        let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        return try LLMEngine(modelPath: root.appendingPathComponent(".pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf").path, threads: 2)
    }

    static let liked = [ItemContent(title: "Toy Story", year: 1995, categories: ["Animation", "Children's", "Comedy"]),
                        ItemContent(title: "Lion King, The", year: 1994, categories: ["Animation", "Children's", "Musical"])]
    static let candidates = [ItemContent(title: "Aladdin", year: 1992, categories: ["Animation", "Children's", "Musical"]),
                             ItemContent(title: "Heat", year: 1995, categories: ["Action", "Crime", "Thriller"]),
                             ItemContent(title: "Beauty and the Beast", year: 1991, categories: ["Animation", "Children's", "Musical"])]

    @Test("a batch of candidates scores as each alone; the cached prefix gives the same scores")
    func batchEqualsSingle() throws {
        let reranker = try Reranker(engine: try Self.engine.get())
        reranker.engine.clearPrefixCache()
        let batch = try reranker.scores(liked: Self.liked, candidates: Self.candidates)
        #expect(batch.count == 3 && batch.allSatisfy(\.isFinite))
        for (candidate, score) in zip(Self.candidates, batch) {
            let alone = try reranker.scores(liked: Self.liked, candidates: [candidate])[0]
            #expect(abs(alone - score) < 1e-3, "\(candidate.title): \(alone) alone, \(score) in the batch")
        }
        // The prefix is now cached: the same request again gives the same scores.
        #expect(try reranker.scores(liked: Self.liked, candidates: Self.candidates) == batch)
        // And without any cache, from scratch: the same up to rounding.
        let uncached = try Self.candidates.map { c -> Float in
            let tokens = reranker.prefixTokens(liked: Self.liked) + reranker.candidateTokens(c)
            let logits = try reranker.engine.logits(tokens: tokens)
            return LLMEngine.logSoftmax(logits, at: reranker.yes) - LLMEngine.logSoftmax(logits, at: reranker.no)
        }
        for (a, b) in zip(uncached, batch) { #expect(abs(a - b) < 1e-3, "\(a) from scratch, \(b) cached") }
    }

    @Test("descriptions: display title, year and genres")
    func describe() {
        #expect(Reranker.describe(Self.liked[1]) == "The Lion King (1994; Animation, Children's, Musical)")
        #expect(Reranker.describe(ItemContent(title: "Untitled", year: nil, categories: [])) == "Untitled")
    }
}
