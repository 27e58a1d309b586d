import Foundation

extension LLMEngine {
    /// Log-probabilities of each continuation after `prompt`: `Σ_i log P(c_i | prompt, c_<i)`.
    ///
    /// The prompt is tokenized (special tokens parsed) and evaluated once; its KV cache is
    /// shared by all continuations, which are then evaluated together in one batched forward
    /// pass. A reranker uses e.g. `score(prompt: p, continuations: [" Yes", " No"])` and takes
    /// the difference. Continuations are tokenized on their own (without special tokens).
    public func score(prompt: String, continuations: [String]) throws -> [Float] {
        try score(promptTokens: tokenize(prompt),
                  continuations: continuations.map { tokenizer.encode($0, parseSpecial: false) })
    }

    public func score(promptTokens: [Int], continuations: [[Int]]) throws -> [Float] {
        let prefix = try prefill(promptTokens)
        return try score(prefix: prefix, continuations: continuations)
    }

    /// Scores continuations after an already evaluated prefix.
    public func score(prefix: PrefixState, continuations: [[Int]]) throws -> [Float] {
        for c in continuations {
            for t in c where t < 0 || t >= vocabularySize { throw InferenceError.invalidToken(t) }
        }
        var totals = [Float](repeating: 0, count: continuations.count)
        var batch: [BatchToken] = []
        var targets: [(continuation: Int, token: Int)] = []
        for (i, c) in continuations.enumerated() {
            guard let first = c.first else { continue }
            totals[i] = LLMEngine.logSoftmax(prefix.lastLogits, at: first)
            guard c.count > 1 else { continue }
            let cache = KVCache(parent: prefix.cache)
            // Token j of the continuation predicts token j+1.
            for j in 0..<c.count - 1 {
                batch.append(BatchToken(cache: cache, position: prefix.cache.count + j, token: c[j], wantsLogits: true))
                targets.append((i, c[j + 1]))
            }
        }
        if !batch.isEmpty {
            let rows = try run(batch)
            for (row, target) in zip(rows, targets) {
                totals[target.continuation] += LLMEngine.logSoftmax(row, at: target.token)
            }
        }
        return totals
    }

    /// For each continuation after the prefix, the log-probabilities of `next` tokens at its end:
    /// `log P(next_j | prefix, continuation)`. All continuations run in one batched forward
    /// pass over the prefix's cache (a reranker's candidates: each a short description ending
    /// where the answer goes, `next` = the answer's first tokens, e.g. "Yes" and "No").
    public func nextTokenScores(prefix: PrefixState, continuations: [[Int]], next: [Int]) throws -> [[Float]] {
        try nextTokenScores([ScoringGroup(prefix: prefix, continuations: continuations)], next: next)[0]
    }

    /// Several prefixes' continuations (e.g. several users' rerank requests) in one batched
    /// forward pass: one list of `next` log-probabilities per continuation, per group.
    public func nextTokenScores(_ groups: [ScoringGroup], next: [Int]) throws -> [[[Float]]] {
        for t in next where t < 0 || t >= vocabularySize { throw InferenceError.invalidToken(t) }
        for t in groups.flatMap({ $0.continuations.flatMap { $0 } }) where t < 0 || t >= config.vocabSize {
            throw InferenceError.invalidToken(t)
        }
        var batch: [BatchToken] = []
        var rowsWanted = 0
        let ends: [[Int?]] = groups.map { group in
            group.continuations.map { c in
                guard !c.isEmpty else { return nil }
                let cache = KVCache(parent: group.prefix.cache)
                for (j, token) in c.enumerated() {
                    batch.append(BatchToken(cache: cache, position: group.prefix.cache.count + j, token: token, wantsLogits: j == c.count - 1))
                }
                rowsWanted += 1
                return rowsWanted - 1
            }
        }
        let rows = batch.isEmpty ? [] : try run(batch)
        return zip(groups, ends).map { group, ends in
            ends.map { end in
                let logits = end.map { rows[$0] } ?? group.prefix.lastLogits
                return next.map { LLMEngine.logSoftmax(logits, at: $0) }
            }
        }
    }

    /// Scores without any cache reuse: every continuation is evaluated from scratch together
    /// with the prompt (the reference the prefix-cached path is tested against).
    public func scoreUncached(promptTokens: [Int], continuations: [[Int]]) throws -> [Float] {
        try continuations.map { c in
            guard !c.isEmpty else { return 0 }
            let all = promptTokens + c
            let cache = makeCache(capacity: all.count)
            let rows = try evaluate(all, cache: cache, logitsAt: Set((promptTokens.count - 1)..<(all.count - 1)))
            var total: Float = 0
            for (j, row) in rows.enumerated() { total += LLMEngine.logSoftmax(row, at: c[j]) }
            return total
        }
    }

    /// `log softmax(logits)[index]`, computed stably.
    public static func logSoftmax(_ logits: [Float], at index: Int) -> Float {
        let m = logits.max() ?? 0
        var sum: Double = 0
        for v in logits { sum += Double(exp(v - m)) }
        return logits[index] - m - Float(log(sum))
    }
}

/// Continuations that share one evaluated prefix (see ``LLMEngine/nextTokenScores(_:next:)``).
public struct ScoringGroup: Sendable {
    public var prefix: PrefixState
    public var continuations: [[Int]]

    public init(prefix: PrefixState, continuations: [[Int]]) {
        self.prefix = prefix
        self.continuations = continuations
    }
}
