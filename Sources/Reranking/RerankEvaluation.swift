import Foundation
import Recommender

/// The LLM reranker measured offline: the served path's top candidates of each evaluated user
/// (``OfflineEvaluation/candidates(depth:progress:)``) scored once by the LLM, then reordered by
/// ``RerankBlend`` at each weight of a grid. The weight is chosen on validation NDCG@k alone
/// and reported on test beside retrieval alone and the LLM's order alone.
public struct RerankEvaluation: Sendable {
    /// `RerankBlend` weights tried on validation, ascending; 1000 is the LLM's order in effect.
    public static let weights: [Float] = [0, 0.05, 0.1, 0.2, 0.3, 0.5, 0.75, 1, 2, 5, 1000]

    /// Scores of a user's candidates, one per candidate in order: the reranker's log P(Yes) −
    /// log P(No), or a stand-in. Liked items are oldest first; candidates best first.
    public typealias Scorer = (_ liked: [ItemContent], _ candidates: [ItemContent]) throws -> [Float]

    /// One user's candidates (retrieval order, best first) with both scores.
    public struct ScoredUser: Sendable, Equatable {
        public var user: Int64
        public var candidates: [Int64]
        public var retrieval: [Float]
        public var llm: [Float]

        public init(user: Int64, candidates: [Int64], retrieval: [Float], llm: [Float]) {
            precondition(candidates.count == retrieval.count && candidates.count == llm.count, "one score of each kind per candidate")
            (self.user, self.candidates, self.retrieval, self.llm) = (user, candidates, retrieval, llm)
        }

        /// Candidate indices by LLM score alone (ties keep the retrieval order).
        public var llmOrder: [Int] { llm.indices.sorted { llm[$0] != llm[$1] ? llm[$0] > llm[$1] : $0 < $1 } }
    }

    /// One target's scored users and their held-out items (only the scored users').
    public struct ScoredTarget: Sendable {
        public var users: [ScoredUser]
        public var truth: [Int64: Set<Int64>]

        public init(users: [ScoredUser], truth: [Int64: Set<Int64>]) {
            self.users = users
            let scored = Set(users.map(\.user))
            self.truth = truth.filter { scored.contains($0.key) }
        }
    }

    public var recommender: String
    public var k: Int
    public var catalogueSize: Int
    public var validation: ScoredTarget
    public var test: ScoredTarget
    /// Wall time of the scoring (0 when built from given scores).
    public var scoringSeconds = 0.0

    public init(recommender: String, k: Int, catalogueSize: Int, validation: ScoredTarget, test: ScoredTarget) {
        precondition(k > 0, "k ≥ 1")
        (self.recommender, self.k, self.catalogueSize, self.validation, self.test) = (recommender, k, catalogueSize, validation, test)
    }

    /// Scores the candidates of every evaluated user of both targets with `scorer`, or of
    /// `users` of each (evenly spaced by id, the same users in both targets where they are in
    /// both). `progress` gets the users scored so far and the total. A candidate without
    /// content is described by its id alone; liked items without content are left out.
    public init(_ input: OfflineEvaluation.Candidates, users limit: Int? = nil, scorer: Scorer,
                progress: (_ done: Int, _ total: Int) -> Void = { _, _ in }) throws {
        if let limit { precondition(limit > 0, "users limit ≥ 1") }
        let started = Date()
        let chosen = Self.subset(validation: input.validation.users.map(\.user), test: input.test.users.map(\.user), limit: limit)
        let picked = (validation: input.validation.users.filter { chosen.validation.contains($0.user) },
                      test: input.test.users.filter { chosen.test.contains($0.user) })
        let total = picked.validation.count + picked.test.count
        var done = 0
        func score(_ users: [OfflineEvaluation.TargetCandidates.User]) throws -> [ScoredUser] {
            try users.map { user in
                let liked = user.liked.compactMap { input.items[$0] }
                let candidates = user.candidates.map { input.items[$0] ?? ItemContent(title: "item \($0)", year: nil, categories: []) }
                let llm = try scorer(liked, candidates)
                guard llm.count == candidates.count else {
                    throw RerankingError("user \(user.user): \(llm.count) LLM scores for \(candidates.count) candidates")
                }
                done += 1
                progress(done, total)
                return ScoredUser(user: user.user, candidates: user.candidates, retrieval: user.scores, llm: llm)
            }
        }
        let validation = ScoredTarget(users: try score(picked.validation), truth: input.validation.truth)
        let test = ScoredTarget(users: try score(picked.test), truth: input.test.truth)
        self.init(recommender: input.recommender, k: input.k, catalogueSize: input.catalogueSize, validation: validation, test: test)
        scoringSeconds = Date().timeIntervalSince(started)
    }

    /// Each target's users to score: all of them without a limit or when it has no more;
    /// else `limit` evenly spaced among the users both targets have, topped up evenly from
    /// its own others when those are too few.
    static func subset(validation: [Int64], test: [Int64], limit: Int?) -> (validation: Set<Int64>, test: Set<Int64>) {
        guard let limit else { return (Set(validation), Set(test)) }
        let common = Set(validation).intersection(test).sorted()
        func pick(_ own: [Int64]) -> Set<Int64> {
            guard limit < own.count else { return Set(own) }
            var chosen = Set(evenlySpaced(common, count: limit))
            chosen.formUnion(evenlySpaced(own.sorted().filter { !chosen.contains($0) }, count: limit - chosen.count))
            return chosen
        }
        return (pick(validation), pick(test))
    }

    /// `count` elements at even steps through `values` (all of them when there are no more).
    static func evenlySpaced<T>(_ values: [T], count: Int) -> [T] {
        count >= values.count ? values : (0..<count).map { values[$0 * values.count / count] }
    }
}
