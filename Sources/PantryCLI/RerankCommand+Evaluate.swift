import ArgumentParser
import Foundation
import Inference
import Recommender
import Reranking

extension RerankCommand {
    /// `pantry rerank --evaluate [RECOMMENDER]`: the served path's candidates of every
    /// evaluated user (or `--users` of them) on validation and test, scored by the LLM; the
    /// blend weight chosen on validation; a table on standard output and a Markdown report.
    func runEvaluation() async throws {
        let recommender = subject ?? options.recommender
        let context = try await StoreContext(options.global)
        defer { context.connection.close() }
        let definition = try RecommenderDefinition.load(path: context.path("\(options.definitions)/\(recommender).yaml"))
        let settings = definition.rerank ?? RecommenderDefinition.RerankSettings()
        let depth = candidates ?? settings.candidates
        let data = try RecommenderData.load(definition, repository: try context.registry(project: definition.project), on: context.connection)
        print("loaded \(data.interactions.count) interactions and \(data.items.count) items; tuning on validation, then the served candidates (\(depth) per user)")
        fflush(nil)
        let started = Date()
        let input = try OfflineEvaluation(definition: definition, data: data).candidates(depth: depth)
        let retrievalSeconds = Date().timeIntervalSince(started)
        var reranker = try Reranker(engine: try LLMEngine(modelPath: context.path(llm), threads: threads))
        reranker.likesInPrompt = settings.likes
        let bar = ProgressBar("LLM scoring", unit: "users")
        let scored = try RerankEvaluation(input, users: users, scorer: { try reranker.scores(liked: $0, candidates: $1) },
                                          progress: { bar.update($0, of: $1) })
        bar.finish()
        let result = scored.evaluate()
        let summary = String(format: "%d of %d validation and %d of %d test users, %d candidates each, %d likes in the prompt; LLM scoring %.0f s on %d threads (protocol and candidates %.0f s)",
                             result.users.validation, input.validation.users.count, result.users.test, input.test.users.count, result.candidates,
                             settings.likes, result.scoringSeconds, threads, retrievalSeconds)
        print("\n" + result.table)
        print(String(format: "chosen weight (best validation NDCG@%d): %g", result.k, result.chosenWeight))
        print(summary)
        let command = "`pantry rerank --evaluate \(recommender)" + (users.map { " --users \($0)" } ?? "") + (candidates.map { " --candidates \($0)" } ?? "") + "`"
        let setup = "Command: \(command). Model: \(llm). " + summary + "."
        let path = context.path(report)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(result.markdown(setup: setup).utf8).write(to: URL(fileURLWithPath: path), options: .atomic)
        print("report: \(path)")
    }
}
