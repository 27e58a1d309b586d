import Foundation

extension OfflineEvaluation {
    /// The served path's candidates for one target of the protocol: what a later stage (the
    /// LLM reranker) reorders and is scored on.
    public struct TargetCandidates: Sendable {
        /// One evaluated user: the served model's top candidates with their retrieval (blended)
        /// scores, best first, and the likes the served query used.
        public struct User: Sendable, Equatable {
            public var user: Int64
            /// The user's training positives, oldest first.
            public var liked: [Int64]
            public var candidates: [Int64]
            public var scores: [Float]

            public init(user: Int64, liked: [Int64], candidates: [Int64], scores: [Float]) {
                precondition(candidates.count == scores.count, "one retrieval score per candidate")
                (self.user, self.liked, self.candidates, self.scores) = (user, liked, candidates, scores)
            }
        }

        public var target: Target
        /// Every user with training positives and held-out items, by ascending id.
        public var users: [User]
        /// The held-out items of every evaluated user of the target (a user of `truth` without
        /// an entry in `users` has no training positives and scores 0, as in `run`).
        public var truth: [Int64: Set<Int64>]

        public init(target: Target, users: [User], truth: [Int64: Set<Int64>]) {
            (self.target, self.users, self.truth) = (target, users, truth)
        }
    }

    /// Both targets' candidates from one run of the protocol (tuned on validation once).
    public struct Candidates: Sendable {
        public var recommender: String
        /// Metrics are taken at this depth (the definition's `evaluation.k`).
        public var k: Int
        /// Candidates per user asked of the served path.
        public var depth: Int
        /// Fitted on the inner train split; truth: the validation items.
        public var validation: TargetCandidates
        /// Fitted on the outer train split; truth: the test items.
        public var test: TargetCandidates
        /// The catalogue's content by item id.
        public var items: [Int64: ItemContent]
        public var catalogueSize: Int

        public init(recommender: String, k: Int, depth: Int, validation: TargetCandidates, test: TargetCandidates,
                    items: [Int64: ItemContent], catalogueSize: Int) {
            (self.recommender, self.k, self.depth, self.validation, self.test) = (recommender, k, depth, validation, test)
            (self.items, self.catalogueSize) = (items, catalogueSize)
        }
    }

    /// Runs the protocol once (hyperparameters tuned on validation, as `run` does) and returns
    /// the served path's top `depth` candidates of every evaluated user for both targets: the
    /// same HNSW candidates and blend as the `served` row of `run`, asked for `depth` items.
    public func candidates(depth: Int, progress: (String) -> Void = { _ in }) throws -> Candidates {
        guard (1...RecommendationModel.maximumDepth).contains(depth) else {
            throw RecommenderError("candidates per user: \(depth), expected 1...\(RecommendationModel.maximumDepth)")
        }
        return try candidates(depth: depth, splits: try splitAndTune(progress: progress), progress: progress)
    }

    /// `candidates` after the tuning.
    func candidates(depth: Int, splits: TunedSplits, progress: (String) -> Void = { _ in }) throws -> Candidates {
        func candidates(_ target: Target) throws -> TargetCandidates {
            let (train, truth) = splits.fitAndTruth(target)
            let models = try fitTuned(train, splits)
            let served = try servedModel(models, tuned: splits.tuned, train: train, catalogue: splits.catalogue)
            var users: [TargetCandidates.User] = []
            for user in truth.keys.sorted() {
                guard let (query, _) = servedQuery(user: user, models, k: depth) else { continue }
                let answer = try served.recommend(query).items
                users.append(.init(user: user, liked: query.liked, candidates: answer.map(\.item), scores: answer.map(\.score)))
            }
            progress("\(target == .test ? "test" : "validation"): \(users.count) users' served candidates")
            return TargetCandidates(target: target, users: users, truth: truth)
        }
        return Candidates(recommender: definition.name, k: definition.k, depth: depth, validation: try candidates(.validation),
                          test: try candidates(.test), items: data.items, catalogueSize: splits.catalogue.count)
    }
}
