import ArgumentParser
import Foundation
import Inference
import Recommender
import Reranking

/// `pantry rerank USER`: the user's top candidates scored by the built-in LLM (log P(Yes) −
/// log P(No)) beside their retrieval scores, and the time it takes with a cold and a warm
/// (cached) prefix of the user's likes.
struct RerankCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rerank", abstract: "Score a user's top candidates with the built-in LLM; time it.")

    @Argument(help: "User id.") var user: Int64
    @OptionGroup var options: RecommendOptions
    @Option(help: "GGUF model.") var llm = ".pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf"
    @Option(help: "Candidates scored (1...100).") var candidates = 20
    @Option(help: "Engine threads.") var threads = ProcessInfo.processInfo.activeProcessorCount
    @Option(help: "Timed repetitions with the prefix cached.") var repeatCount = 5

    func run() async throws {
        guard (1...100).contains(candidates), (1...64).contains(threads), (1...1000).contains(repeatCount) else {
            throw ValidationError("--candidates 1...100, --threads 1...64, --repeat-count 1...1000")
        }
        try await options.withContext { context in
            let model = context.model
            let reranker = try Reranker(engine: try LLMEngine(modelPath: context.store.path(llm), threads: threads))
            let (profile, factors) = try await context.online(user: user)
            let answer = try model.recommend(RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors, k: candidates))
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
