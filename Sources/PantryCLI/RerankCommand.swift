import ArgumentParser
import Foundation
import Inference
import Recommender
import Reranking

/// `pantry rerank USER`: the user's top candidates scored by the built-in LLM (log P(Yes) −
/// log P(No)) beside their retrieval scores, and the time it takes with a cold and a warm
/// (cached) prefix of the user's likes. `pantry rerank --evaluate [RECOMMENDER]`: the offline
/// evaluation of the blend (`RerankCommand+Evaluate.swift`).
struct RerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerank", abstract: "Score a user's top candidates with the built-in LLM and time it; --evaluate measures the blend offline.")

    @Argument(help: "User id; with --evaluate, the recommender to evaluate (default: --recommender).") var subject: String?
    @OptionGroup var options: RecommendOptions
    @Option(help: "GGUF model.") var llm = bundledLLMPath
    @Option(help: "Candidates scored (1...100; default: the definition's rerank.candidates, else 20).") var candidates: Int?
    @Option(help: "Engine threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Timed repetitions with the prefix cached.") var repeatCount = 5
    @Flag(help: "Evaluate the LLM blend offline (validation chooses the weight, test reports it) and write a report.") var evaluate = false
    @Option(help: "With --evaluate: score this many users per split (evenly spaced; default all).") var users: Int?
    @Option(help: "With --evaluate: the Markdown report.") var report = "out/rerank-evaluation.md"

    func validate() throws {
        if let candidates, !RecommenderDefinition.RerankSettings.candidateRange.contains(candidates) { throw ValidationError("--candidates \(candidates): expected 1...100") }
        guard (1...64).contains(threads) else { throw ValidationError("--threads \(threads): expected 1...64") }
        guard (1...1000).contains(repeatCount) else { throw ValidationError("--repeat-count \(repeatCount): expected 1...1000") }
        if let users, !(1...1_000_000).contains(users) { throw ValidationError("--users \(users): expected 1...1000000") }
        if !evaluate {
            guard users == nil else { throw ValidationError("--users needs --evaluate") }
            guard let subject else { throw ValidationError("give a user id, or --evaluate") }
            guard Int64(subject) != nil else { throw ValidationError("user \"\(subject)\": expected an integer user id (or --evaluate RECOMMENDER)") }
        }
    }

    func run() async throws {
        if evaluate { return try await runEvaluation() }
        let user = Int64(subject!)!  // checked by validate()
        try await options.withContext { context in
            let model = context.model
            let settings = context.definition.rerank ?? RecommenderDefinition.RerankSettings()
            var reranker = try Reranker(engine: try LLMEngine(modelPath: context.store.path(llm), threads: threads))
            reranker.likesInPrompt = settings.likes
            let (profile, factors) = try await context.online(user: user)
            let answer = try model.recommend(RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors,
                                                                 k: candidates ?? settings.candidates))
            let items = answer.items.compactMap { model.items[$0.item] }
            let liked = profile.liked.compactMap { model.items[$0] }
            func timed() throws -> (scores: [Float], seconds: Double) {
                let started = DispatchTime.now().uptimeNanoseconds
                let scores = try reranker.scores(liked: liked, candidates: items)
                return (scores, Double(DispatchTime.now().uptimeNanoseconds - started) / 1e9)
            }
            let cold = try timed()
            let warm = try (0..<repeatCount).map { _ in try timed().seconds }.sorted()
            print("retrieval rank, LLM rank, LLM score (log P(Yes) − log P(No)), item")
            let order = cold.scores.indices.sorted { cold.scores[$0] > cold.scores[$1] }
            for (i, item) in answer.items.prefix(items.count).enumerated() {
                let llmRank = order.firstIndex(of: i)! + 1
                print(String(format: "%3d  %3d  %7.3f  %@", i + 1, llmRank, cold.scores[i], Reranker.describeCandidate(items[i])))
            }
            let tokens = items.reduce(0) { $0 + reranker.candidateTokens($1).count }, prefix = reranker.prefixTokens(liked: liked).count
            let median = warm[warm.count / 2]
            print(String(format: "%d candidates on %d threads: %.0f ms with the user's prefix computed, %.0f ms (median of %d) with it cached",
                         items.count, threads, cold.seconds * 1000, median * 1000, repeatCount))
            print(String(format: "prompt: %d prefix tokens, %d candidate tokens (%.1f per candidate): %.0f candidate tokens/s",
                         prefix, tokens, Double(tokens) / Double(max(1, items.count)), Double(tokens) / median))
        }
    }
}
