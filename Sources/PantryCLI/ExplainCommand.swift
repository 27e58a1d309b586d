import ArgumentParser
import Foundation
import Inference
import Recommender
import Reranking

/// `pantry explain USER`: a user's recommendations with the built-in model's explanations
/// (checked for faithfulness, template fallback); `--sample N` measures the raw generations'
/// faithfulness on N user–item pairs and writes a labelled report.
struct ExplainCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "explain", abstract: "Explain recommendations with the built-in LLM (grounded, checked); --sample N measures faithfulness.")

    @Argument(help: "User id (omit with --sample).") var user: Int64?
    @OptionGroup var options: RecommendOptions
    @Option(help: "GGUF model.") var llm = bundledLLMPath
    @Option(help: "Measure on this many user–item pairs (two items each of every n-th user).") var sample: Int?
    @Option(help: "Report of the --sample run.") var report = "out/explanations.md"

    func run() async throws {
        try await options.withContext { context in
            let engine = try LLMEngine(modelPath: context.store.path(llm))
            let model = context.model
            let check = FaithfulnessCheck(titles: model.items.values.map(\.title), genres: Array(Set(model.items.values.flatMap(\.categories))))
            let explainer = Explainer(engine: engine, check: check)
            if let sample {
                guard (1...5_000).contains(sample) else { throw ValidationError("--sample must be 1...5000") }
                try await measure(sample, context: context, explainer: explainer)
                return
            }
            guard let user else { throw ValidationError("give a user id, or --sample N") }
            let (profile, factors) = try await context.online(user: user)
            let answer = try model.recommend(RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors, k: options.k,
                                                                 filter: try options.filters.filter()))
            context.show(answer.items)
            for (rank, item) in answer.items.enumerated() {
                guard let facts = ExplanationFacts(item: item.item, liked: profile.liked, model: model) else { continue }
                let started = Date()
                let explanation = try await explainer.explain(facts)
                print(String(format: "%2d  [%@, %.2f s] %@", rank + 1, explanation.source.rawValue, Date().timeIntervalSince(started), explanation.text))
            }
        }
    }

    /// Two recommended items of every n-th user with likes online, until `count` pairs.
    func measure(_ count: Int, context: RecommenderContext, explainer: Explainer) async throws {
        let model = context.model
        let users = model.users.sorted()
        let step = max(1, users.count / max(1, (count + 1) / 2))
        var rows: [(user: Int64, facts: ExplanationFacts, first: String, violations: [FaithfulnessCheck.Violation], final: Explainer.Explanation, seconds: Double)] = []
        let started = Date()
        for user in stride(from: 0, to: users.count, by: step).map({ users[$0] }) where rows.count < count {
            let (profile, factors) = try await context.online(user: user)
            guard !profile.liked.isEmpty else { continue }
            let answer = try model.recommend(RecommendationQuery(liked: profile.liked, exclude: profile.seen, userFactors: factors, k: 2))
            for item in answer.items where rows.count < count {
                guard let facts = ExplanationFacts(item: item.item, liked: profile.liked, model: model) else { continue }
                let t = Date()
                var first: String?
                let final = try await explainer.explain(facts) { facts, strict in
                    let text = try explainer.generate(facts, strict: strict)
                    if first == nil { first = text }
                    return text
                }
                let raw = first ?? ""
                rows.append((user, facts, raw, raw.isEmpty ? [] : explainer.check.violations(raw, facts: facts), final, Date().timeIntervalSince(t)))
                FileHandle.standardError.write(Data("\r\(rows.count)/\(count) explained".utf8))
            }
        }
        FileHandle.standardError.write(Data("\n".utf8))
        let n = Double(rows.count)
        let rawFaithful = rows.filter { !$0.first.isEmpty && $0.violations.isEmpty }.count
        let fromModel = rows.filter { $0.final.source == .model }.count
        let returnedFaithful = rows.filter { explainer.check.violations($0.final.text, facts: $0.facts).isEmpty }.count
        for row in rows where !explainer.check.violations(row.final.text, facts: row.facts).isEmpty {
            print("returned text failing the check (\(row.final.source.rawValue)): \(row.final.text)")
        }
        let seconds = rows.map(\.seconds).sorted()
        let prompts = rows.map { explainer.prompt($0.facts, strict: false) }
        let promptTokens = Double(prompts.map(\.tokens.count).reduce(0, +)) / n, sharedTokens = Double(prompts.map(\.shared).reduce(0, +)) / n
        let generatedTokens = Double(rows.map { explainer.engine.tokenize($0.first, parseSpecial: false).count }.reduce(0, +)) / n
        var kinds: [String: Int] = [:]
        for row in rows { for v in row.violations { kinds[String(describing: v).split(separator: " ").first.map(String.init) ?? "?", default: 0] += 1 } }
        var text = "# Explanation faithfulness (`pantry explain --sample \(count)`)\n\n"
        text += "Model \(llm), recommender \(model.definition.name) v\(model.version); \(rows.count) user–item pairs (top 2 of every \(step)th user), greedy, at most \(explainer.maxTokens) tokens.\n\n"
        text += "| measure | value |\n|---|---|\n"
        text += String(format: "| raw first generations faithful | %d of %d (%.1f %%) |\n", rawFaithful, rows.count, 100 * Double(rawFaithful) / n)
        text += String(format: "| returned from the model (first or stricter second attempt) | %d (%.1f %%) |\n", fromModel, 100 * Double(fromModel) / n)
        text += String(format: "| returned as the template sentence | %d (%.1f %%) |\n", rows.count - fromModel, 100 * Double(rows.count - fromModel) / n)
        text += String(format: "| returned texts faithful | %d of %d (%.1f %%) |\n", returnedFaithful, rows.count, 100 * Double(returnedFaithful) / n)
        text += String(format: "| seconds per explanation, p50 / p90 | %.2f / %.2f |\n", seconds[seconds.count / 2], seconds[seconds.count * 9 / 10])
        text += String(format: "| prompt tokens per explanation, mean (of them the shared, cached instruction) | %.1f (%.1f) |\n", promptTokens, sharedTokens)
        text += String(format: "| tokens of a first generation, mean | %.1f |\n", generatedTokens)
        text += "| violations in raw generations by kind | \(kinds.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")) |\n\n"
        text += "## Labelled sample (first 30 pairs)\n\n| user | item | raw generation | label |\n|---|---|---|---|\n"
        for row in rows.prefix(30) {
            let label = row.first.isEmpty ? "empty" : row.violations.isEmpty ? "faithful" : "unfaithful: " + row.violations.map(\.description).joined(separator: "; ")
            text += "| \(row.user) | \(Titles.display(row.facts.title)) | \(row.first.replacingOccurrences(of: "|", with: "/")) | \(label) |\n"
        }
        let path = context.store.path(report)
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        print(text.components(separatedBy: "## Labelled")[0])
        print(String(format: "%d explanations in %.0f s; report: %@", rows.count, Date().timeIntervalSince(started), path))
    }
}
