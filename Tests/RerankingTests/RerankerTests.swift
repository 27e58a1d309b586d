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
        #expect(Reranker.describeCandidate(Self.liked[1]) == "The Lion King (Animation, Children's, Musical)")
        #expect(Reranker.describeCandidate(ItemContent(title: "Untitled", year: 2001, categories: [])) == "Untitled")
    }
}

@Suite("Explainer")
struct ExplainerTests {
    @Test("what is returned always passes the check: the model's text, or the template after two rejected attempts")
    func faithfulByConstruction() async throws {
        let engine = try RerankerTests.engine.get()
        let check = FaithfulnessCheckTests.check
        let explainer = Explainer(engine: engine, check: check)
        let explanation = try await explainer.explain(FaithfulnessCheckTests.facts)
        #expect(check.violations(explanation.text, facts: FaithfulnessCheckTests.facts).isEmpty, "\(explanation.text)")
        switch explanation.source {
        case .model: #expect(explanation.rejected.count <= 1 && !explanation.text.isEmpty)
        case .template:
            #expect(explanation.rejected.count == 2 && explanation.text == FaithfulnessCheckTests.facts.templateSentence)
            #expect(explanation.rejected.allSatisfy { $0.text.isEmpty || !$0.violations.isEmpty })
        }
    }

    @Test("the rule: a rejected text is regenerated once (stricter), then replaced by the template")
    func fallback() async throws {
        let explainer = Explainer(engine: try RerankerTests.engine.get(), check: FaithfulnessCheckTests.check)
        let facts = FaithfulnessCheckTests.facts
        var prompts: [Bool] = []
        let twice = try await explainer.explain(facts) { _, strict in prompts.append(strict); return "Like Toy Story (1995), a hit." }
        #expect(prompts == [false, true] && twice.source == .template && twice.text == facts.templateSentence)
        #expect(twice.rejected.map(\.violations) == [[.title("Toy Story"), .year(1995)], [.title("Toy Story"), .year(1995)]])
        let second = try await explainer.explain(facts) { _, strict in strict ? "An animated musical, like Beauty and the Beast." : "A 1993 classic." }
        #expect(second.source == .model && second.text == "An animated musical, like Beauty and the Beast." && second.rejected.count == 1)
        let empty = try await explainer.explain(facts) { _, _ in "" }
        #expect(empty.source == .template)
    }

    @Test("prompts share the instruction as leading tokens and end with the answer's opening; the retry opens with a fact")
    func promptShape() throws {
        let explainer = Explainer(engine: try RerankerTests.engine.get(), check: FaithfulnessCheckTests.check)
        var other = FaithfulnessCheckTests.facts
        other.title = "Toy Story"
        other.resembles = []
        let a = explainer.prompt(FaithfulnessCheckTests.facts, strict: false), b = explainer.prompt(other, strict: false)
        #expect(a.shared == b.shared && a.shared > 10 && a.tokens.prefix(a.shared) == b.tokens.prefix(b.shared))
        #expect(a.tokens[a.shared] != b.tokens[b.shared] || a.tokens.count != b.tokens.count)
        let engine = explainer.engine
        #expect(engine.tokenizer.decode(Array(a.tokens.suffix(8))).hasSuffix("You may like Aladdin because"))
        #expect(Explainer.opening(FaithfulnessCheckTests.facts, strict: true) == "You may like Aladdin because you liked The Lion King")
        #expect(Explainer.opening(other, strict: true) == "You may like Toy Story because it is Animation, Children's, Comedy and Musical")
        #expect(explainer.prompt(FaithfulnessCheckTests.facts, strict: true).shared == a.shared)
    }

    @Test("the answer is the opening and the model's continuation; a continuation without words is no answer")
    func answer() {
        #expect(Explainer.answer("You may like Fargo because", continuation: " it is a crime drama.\n") == "You may like Fargo because it is a crime drama.")
        #expect(Explainer.answer("You may like Fargo because you liked Heat", continuation: ", a crime drama.") == "You may like Fargo because you liked Heat, a crime drama.")
        #expect(Explainer.answer("You may like Fargo because", continuation: " .") == "")
        #expect(Explainer.answer("You may like Fargo because", continuation: "") == "")
    }

    @Test("the prompt states the facts and nothing else")
    func factLines() {
        #expect(Explainer.factLines(FaithfulnessCheckTests.facts) == """
            Movie: Aladdin (1992).
            Genres: Animation, Children's, Comedy, Musical.
            It resembles movies the user liked: The Lion King (1994), Beauty and the Beast (1991).
            Genres the user likes that it has: Animation, Musical.
            219 people liked it.
            """)
    }
}
