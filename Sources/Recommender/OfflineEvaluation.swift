import Foundation
import VectorIndex

/// The offline evaluation of a recommender definition, as `pantry evaluate` runs it: the
/// protocol of ``EvaluationSplit`` (train/test, and train split again into fit/validation),
/// hyperparameters chosen on validation only, then every model refitted on train and scored
/// once on test (or on validation, for `--target val`).
public struct OfflineEvaluation: Sendable {
    public enum Target: String, Sendable { case validation = "val", test }

    public let definition: RecommenderDefinition
    public let data: RecommenderData

    public init(definition: RecommenderDefinition, data: RecommenderData) {
        self.definition = definition
        self.data = data
    }

    /// The models fitted on one set of training positives, with the chosen hyperparameters.
    struct Models {
        let matrix: InteractionMatrix
        /// Each user's liked item positions, oldest first (the split's order).
        let liked: [Int64: [Int32]]
        let popularity: PopularityScorer
        let trending: PopularityScorer
        let als: ImplicitALS
        var ease: EASE?
        var content: EmbeddingScorer?
        var recencyHalfLife: Double?
        var alsSeconds = 0.0, easeSeconds = 0.0

        var alsUser: EmbeddingScorer {
            EmbeddingScorer(name: "als_user_factors", query: .userFactors, dimensions: als.parameters.factors,
                            itemVectors: als.itemFactors, userVectors: als.userFactors)
        }
        var alsProfile: EmbeddingScorer {
            EmbeddingScorer(name: "als_liked_items", query: .likedItems, dimensions: als.parameters.factors, itemVectors: als.itemFactors,
                            recencyHalfLife: recencyHalfLife)
        }
        /// The hybrid's components, in the order of ``Tuned/weights``.
        var components: [any ItemScorer] { [ease as (any ItemScorer)?, alsProfile, alsUser, content, popularity, trending].compactMap { $0 } }

        /// The same models with liked items weighted by recency (EASE and the profiles).
        func withRecency(_ halfLife: Double?) -> Models {
            var m = self
            m.recencyHalfLife = halfLife
            m.ease?.recencyHalfLife = halfLife
            m.content?.recencyHalfLife = halfLife
            return m
        }
    }

    /// What validation chose.
    public struct Tuned: Sendable {
        public var als: ALSParameters
        public var easeLambda: Double?
        /// Liked items' weight halves every this many likes back from the newest (nil: equal).
        public var recencyHalfLife: Double?
        /// Weights of the hybrid's components (EASE if built, ALS profile, ALS user factors,
        /// content if items are defined, popularity, trending).
        public var weights: [Float]
        public var validation: [String: RankingMetrics] = [:]
    }

    /// The protocol's two splits and what validation chose, shared by every use of it.
    struct TunedSplits {
        let catalogue: IdIndex
        /// train/test, and train split again into fit/validation.
        let outer: EvaluationSplit, inner: EvaluationSplit
        let tuned: Tuned

        /// The positives a target's models are fitted on, and the held-out items they are scored against.
        func fitAndTruth(_ target: Target) -> (train: [Interaction], truth: [Int64: Set<Int64>]) {
            target == .test ? (outer.train, outer.testItems) : (inner.train, inner.testItems)
        }
    }

    /// Splits the positives and tunes every hyperparameter on validation (inner split only).
    func splitAndTune(progress: (String) -> Void) throws -> TunedSplits {
        let positives = data.positives(minimumWeight: definition.minimumPositiveWeight)
        guard !positives.isEmpty else { throw RecommenderError("no positives (weight ≥ \(definition.minimumPositiveWeight)) in \(definition.interactions.view)") }
        let catalogue = data.catalogue
        let outer = EvaluationSplit(positives: positives, holdout: definition.holdout, minimumPositives: definition.minimumPositives)
        let inner = EvaluationSplit(positives: outer.train, holdout: definition.holdout, minimumPositives: definition.minimumPositives)
        guard !outer.test.isEmpty, !inner.test.isEmpty else {
            throw RecommenderError("no user has \(definition.minimumPositives) positives: nothing to evaluate")
        }
        progress("split: \(outer.testItems.count) test users, \(outer.test.count) test rows, \(outer.train.count) train rows; validation: \(inner.testItems.count) users, \(inner.test.count) rows")
        let tuned = try tune(fit: inner.train, validation: inner.testItems, catalogue: catalogue, progress: progress)
        return TunedSplits(catalogue: catalogue, outer: outer, inner: inner, tuned: tuned)
    }

    /// Every model fitted on `train` with the hyperparameters validation chose.
    func fitTuned(_ train: [Interaction], _ splits: TunedSplits) throws -> Models {
        let tuned = splits.tuned
        return try fit(train, catalogue: splits.catalogue, als: tuned.als, easeLambda: tuned.easeLambda).withRecency(tuned.recencyHalfLife)
    }

    /// The query the served path answers for a user of the fitted models: their training
    /// positives as likes (oldest first), all excluded, and their ALS factors; nil for a user
    /// without training positives. Also the likes' catalogue positions.
    func servedQuery(user: Int64, _ models: Models, k: Int) -> (query: RecommendationQuery, positions: [Int32])? {
        guard let u = models.matrix.users.position(of: user).map(Int.init), let positions = models.liked[user] else { return nil }
        let f = models.als.parameters.factors
        let liked = positions.map { models.matrix.items.ids[Int($0)] }
        return (RecommendationQuery(liked: liked, exclude: Set(liked), userFactors: Array(models.als.userFactors[u * f..<(u + 1) * f]), k: k), positions)
    }

    public func run(target: Target, progress: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let started = Date()
        return try run(target: target, splits: try splitAndTune(progress: progress), started: started, progress: progress)
    }

    /// `run` after the tuning (`started`: when the whole run began, for its time).
    func run(target: Target, splits: TunedSplits, started: Date = Date(), progress: (String) -> Void = { _ in }) throws -> EvaluationReport {
        let (catalogue, outer, inner, tuned) = (splits.catalogue, splits.outer, splits.inner, splits.tuned)
        let (train, truth) = splits.fitAndTruth(target)
        let fitStarted = Date()
        let models = try fitTuned(train, splits)
        let fitSeconds = Date().timeIntervalSince(fitStarted)
        var rows: [EvaluationReport.Row] = []
        var lists: [String: [Int64: [Int64]]] = [:]
        let blend: [(scorer: any ItemScorer, weight: Float)] = zip(models.components, tuned.weights).map { (scorer: $0, weight: $1) }
        var scorers: [any ItemScorer] = [models.popularity, models.trending, models.alsUser, models.alsProfile]
        if let content = models.content {
            scorers.append(content)
            // With text embeddings: the content space the other way (with them at weight 1 when
            // the definition leaves them out, else without them), and them alone, for comparison.
            if data.textDimensions > 0 {
                let configured = definition.items?.textWeight ?? 0
                let other = configured > 0 ? contentScorer(catalogue, name: "content_without_text", textWeight: 0)
                                           : contentScorer(catalogue, name: "content_with_text", textWeight: 1)
                for var extra in [other, textScorer(catalogue)].compactMap({ $0 }) {
                    extra.recencyHalfLife = content.recencyHalfLife
                    scorers.append(extra)
                }
            }
        }
        if var ease = models.ease {
            scorers.append(ease)
            (ease.name, ease.recencyHalfLife) = ("ease_unweighted", nil)  // EASE as published, for reference
            scorers.append(ease)
        }
        scorers.append(HybridScorer(components: blend))
        for scorer in scorers {
            let recommended = recommend(scorer, models, users: Array(truth.keys))
            lists[scorer.name] = recommended
            let metrics = RankingMetrics(lists: recommended, relevant: truth, k: definition.k, catalogueSize: catalogue.count)
            rows.append(.init(model: scorer.name, metrics: metrics, validation: tuned.validation[scorer.name]))
            progress("\(target == .test ? "test" : "validation") \(scorer.name): \(metrics)")
        }
        // The served path itself: candidates from HNSW indexes over the same fitted vectors,
        // ranked by the same blend; the gap to `hybrid` is what candidate retrieval costs.
        let served = try servedModel(models, tuned: tuned, train: train, catalogue: catalogue)
        var servedLists: [Int64: [Int64]] = [:]
        let f = models.als.parameters.factors
        var profiles: [(query: [Float], seen: Set<Int64>)] = []
        for user in truth.keys {
            guard let (query, positions) = servedQuery(user: user, models, k: definition.k) else { continue }
            servedLists[user] = try served.recommend(query).items.map(\.item)
            let recency = recencyWeights(count: positions.count, halfLife: served.definition.recencyHalfLife)
            if let q = weightedMean(rows: served.alsVectors, dimensions: f, positions: positions.map(Int.init), weights: recency) { profiles.append((q, query.exclude)) }
        }
        let curve = IndexCurve(model: served, profiles: profiles, k: definition.k)
        lists["served"] = servedLists
        let servedMetrics = RankingMetrics(lists: servedLists, relevant: truth, k: definition.k, catalogueSize: catalogue.count)
        rows.append(.init(model: "served", metrics: servedMetrics, validation: nil))
        progress("\(target == .test ? "test" : "validation") served (index candidates): \(servedMetrics)")
        return EvaluationReport(
            recommender: definition.name, target: target, k: definition.k, rows: rows, tuned: tuned, lists: lists,
            counts: .init(testUsers: outer.testItems.count, testRows: outer.test.count, trainRows: outer.train.count,
                          validationUsers: inner.testItems.count, validationRows: inner.test.count, fitRows: inner.train.count,
                          items: catalogue.count),
            indexCurve: curve, fitSeconds: fitSeconds, alsSeconds: models.alsSeconds, easeSeconds: models.easeSeconds,
            totalSeconds: Date().timeIntervalSince(started))
    }

    // MARK: Fitting and scoring

    func fit(_ train: [Interaction], catalogue: IdIndex, als parameters: ALSParameters, easeLambda: Double?) throws -> Models {
        let matrix = InteractionMatrix(train, users: IdIndex(train.map(\.user)), items: catalogue)
        let als = try ImplicitALS(matrix: matrix, parameters: parameters)
        let alsStarted = Date()
        als.fit()
        let alsSeconds = Date().timeIntervalSince(alsStarted)
        let easeStarted = Date()
        let ease = try easeLambda.map { lambda throws(RecommenderError) in try EASE(matrix: matrix, lambda: lambda) }
        let easeSeconds = Date().timeIntervalSince(easeStarted)
        var liked: [Int64: [Int32]] = [:]
        for p in train { if let i = catalogue.position(of: p.item) { liked[p.user, default: []].append(i) } }
        return Models(matrix: matrix, liked: liked, popularity: PopularityScorer(matrix: matrix),
                      trending: PopularityScorer(positives: train, items: catalogue, window: Self.trendingWindow),
                      als: als, ease: ease, content: contentScorer(catalogue), alsSeconds: alsSeconds, easeSeconds: easeSeconds)
    }

    /// The content scorer over the definition's content space (text embeddings included at
    /// `items.text_weight` when the data has them; `textWeight` overrides it).
    func contentScorer(_ catalogue: IdIndex, name: String = "content", textWeight: Float? = nil) -> EmbeddingScorer? {
        guard let items = definition.items, !data.items.isEmpty else { return nil }
        let embedding = ContentEmbedding(data, textWeight: textWeight ?? items.textWeight)
        var vectors: [Float] = []
        vectors.reserveCapacity(catalogue.count * embedding.dimensions)
        for id in catalogue.ids {
            vectors += data.items[id].map { embedding.vector($0, text: data.textVectors[id]) } ?? [Float](repeating: 0, count: embedding.dimensions)
        }
        return EmbeddingScorer(name: name, query: .likedItems, dimensions: embedding.dimensions, itemVectors: vectors)
    }

    /// The text embeddings alone, as a scorer (items without one score zero).
    func textScorer(_ catalogue: IdIndex) -> EmbeddingScorer? {
        let d = data.textDimensions
        guard d > 0 else { return nil }
        var vectors: [Float] = []
        vectors.reserveCapacity(catalogue.count * d)
        for id in catalogue.ids { vectors += data.textVectors[id] ?? [Float](repeating: 0, count: d) }
        return EmbeddingScorer(name: "text_only", query: .likedItems, dimensions: d, itemVectors: vectors)
    }

    /// The served model over the fitted models: ALS vectors in an inner-product index, content
    /// vectors in a cosine index, the fitted EASE, and the weights validation chose.
    func servedModel(_ models: Models, tuned: Tuned, train: [Interaction], catalogue: IdIndex) throws -> RecommendationModel {
        let f = models.als.parameters.factors
        let collaborative = try HNSWIndex(dimensions: f, metric: .innerProduct)
        try collaborative.add(ids: catalogue.ids, vectors: (0..<catalogue.count).map { Array(models.als.itemFactors[$0 * f..<($0 + 1) * f]) }, threads: 2)
        var content: HNSWIndex?
        if let scorer = models.content {
            let d = scorer.dimensions
            let rows = (0..<catalogue.count).map { Array(scorer.itemVectors[$0 * d..<($0 + 1) * d]) }
            let kept = rows.indices.filter { rows[$0].contains { $0 != 0 } }
            if !kept.isEmpty {
                content = try HNSWIndex(dimensions: d, metric: .cosine)
                try content!.add(ids: kept.map { catalogue.ids[$0] }, vectors: kept.map { rows[$0] }, threads: 2)
            }
        }
        var served = definition
        served.recencyHalfLife = tuned.recencyHalfLife
        served.ranking.weights = Dictionary(uniqueKeysWithValues: zip(models.components.map(\.name), tuned.weights))
        return try RecommendationModel(definition: served, version: 0, data: data, positives: train, collaborative: collaborative,
                                       content: content, similarIndex: nil, ease: models.ease, easeIds: models.ease == nil ? nil : catalogue.ids)
    }

    /// Trending counts positives of the last 30 days of the training data.
    static let trendingWindow: Int64 = 30 * 86_400 * 1_000_000

    /// Top-k item ids per user, never one of the user's training positives.
    func recommend(_ scorer: any ItemScorer, _ models: Models, users: [Int64]) -> [Int64: [Int64]] {
        var lists: [Int64: [Int64]] = [:]
        var scores: [Float] = []
        for user in users {
            guard let u = models.matrix.users.position(of: user), let liked = models.liked[user] else { continue }
            scorer.scores(user: Int(u), liked: liked, into: &scores)
            lists[user] = topItems(scores, k: definition.k, excluding: Set(liked)).map { models.matrix.items.ids[Int($0)] }
        }
        return lists
    }

    // MARK: Tuning on validation

    func tune(fit train: [Interaction], validation truth: [Int64: Set<Int64>], catalogue: IdIndex,
              progress: (String) -> Void) throws -> Tuned {
        func score(_ scorer: any ItemScorer, _ models: Models) -> RankingMetrics {
            RankingMetrics(lists: recommend(scorer, models, users: Array(truth.keys)), relevant: truth,
                           k: definition.k, catalogueSize: catalogue.count)
        }
        // ALS: confidence and regularisation, chosen by the liked-items profile (the serving path).
        var best: (metrics: RankingMetrics, parameters: ALSParameters, models: Models)?
        var validation: [String: RankingMetrics] = [:]
        for alpha: Float in Array(Set([definition.collaborative.alpha, 3, 5])).sorted() {
            for regularization: Float in Array(Set([definition.collaborative.regularization, 5, 10, 20])).sorted() {
                var p = definition.collaborative
                (p.alpha, p.regularization) = (alpha, regularization)
                let models = try fit(train, catalogue: catalogue, als: p, easeLambda: nil)
                let metrics = score(models.alsProfile, models)
                progress(String(format: "validation ALS α %g λ %g: NDCG %.4f", alpha, regularization, metrics.ndcg))
                if best == nil || metrics.ndcg > best!.metrics.ndcg { best = (metrics, p, models) }
            }
        }
        var models = best!.models
        validation["als_liked_items"] = best!.metrics
        validation["als_user_factors"] = score(models.alsUser, models)
        validation["popularity"] = score(models.popularity, models)
        validation["trending"] = score(models.trending, models)
        // EASE: λ.
        var easeLambda: Double?
        var bestEase = -1.0
        for lambda in definition.easeLambdas {
            let ease = try EASE(matrix: models.matrix, lambda: lambda)
            let metrics = score(ease, models)
            progress(String(format: "validation EASE λ %g: NDCG %.4f", lambda, metrics.ndcg))
            if metrics.ndcg > bestEase { (bestEase, easeLambda, validation["ease"]) = (metrics.ndcg, lambda, metrics) }
        }
        models.ease = try easeLambda.map { l throws(RecommenderError) in try EASE(matrix: models.matrix, lambda: l) }
        // Recency: how fast old likes fade, for EASE and the profiles (chosen by EASE, or the ALS profile without it).
        var recency: Double?
        var bestRecency = -1.0
        for halfLife in [nil, 100, 50, 25, 12, 6, 3] as [Double?] {
            let candidate = models.withRecency(halfLife)
            let metrics = score(candidate.ease ?? candidate.alsProfile, candidate)
            progress("validation recency half-life \(halfLife.map { String(Int($0)) } ?? "none"): NDCG \(String(format: "%.4f", metrics.ndcg))")
            if metrics.ndcg > bestRecency { (bestRecency, recency) = (metrics.ndcg, halfLife) }
        }
        models = models.withRecency(recency)
        if let ease = models.ease { validation["ease"] = score(ease, models) }
        validation["als_liked_items"] = score(models.alsProfile, models)
        if let content = models.content { validation["content"] = score(content, models) }
        // Hybrid weights: a grid over the standardised component scores, computed once per user.
        let components = models.components
        let users = Array(truth.keys).sorted()
        var parts: [Int64: (liked: Set<Int32>, scores: [[Float]])] = [:]
        for user in users {
            guard let u = models.matrix.users.position(of: user), let liked = models.liked[user] else { continue }
            parts[user] = (Set(liked), HybridScorer(components: components.map { ($0, 1) }).componentScores(user: Int(u), liked: liked))
        }
        let grids: [[Float]] = components.map { c -> [Float] in
            switch c.name {
            case "ease": [1]
            case "als_liked_items": [0, 0.25, 0.5, 1]
            case "als_user_factors": [0, 0.25, 0.5]
            case "content": [0, 0.1, 0.25]
            case "trending": [0, 0.1, 0.25, 0.5]
            default: [0, 0.1]
            }
        }
        var bestWeights = grids.map { $0[0] }, bestHybrid = RankingMetrics()
        bestHybrid.ndcg = -1
        for weights in Self.product(grids) {
            var lists: [Int64: [Int64]] = [:]
            for (user, part) in parts {
                var blended = [Float](repeating: 0, count: catalogue.count)
                for (c, w) in weights.enumerated() where w != 0 {
                    let s = part.scores[c]
                    for i in blended.indices { blended[i] += w * s[i] }
                }
                lists[user] = topItems(blended, k: definition.k, excluding: part.liked).map { models.matrix.items.ids[Int($0)] }
            }
            let metrics = RankingMetrics(lists: lists, relevant: truth, k: definition.k, catalogueSize: catalogue.count)
            if metrics.ndcg > bestHybrid.ndcg { (bestHybrid, bestWeights) = (metrics, weights) }
        }
        validation["hybrid"] = bestHybrid
        progress("validation hybrid weights \(zip(components.map(\.name), bestWeights).map { "\($0) \($1)" }.joined(separator: ", ")): NDCG \(String(format: "%.4f", bestHybrid.ndcg))")
        return Tuned(als: best!.parameters, easeLambda: easeLambda, recencyHalfLife: recency, weights: bestWeights, validation: validation)
    }

    /// Every combination of one value per grid.
    static func product(_ grids: [[Float]]) -> [[Float]] {
        grids.reduce([[]]) { partial, grid in partial.flatMap { prefix in grid.map { prefix + [$0] } } }
    }
}
