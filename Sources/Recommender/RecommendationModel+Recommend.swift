import VectorIndex

extension RecommendationModel {
    /// Most items one request may ask for (k + offset).
    public static let maximumDepth = 1_000

    /// Recommendations for a user or session: candidates from both index searches with the
    /// request's exclusions and filters applied *inside* the graph walk, then ranked by the
    /// definition's blend. With no usable likes and no user factors: popular items (`coldStart`).
    public func recommend(_ query: RecommendationQuery) throws(RecommendationError) -> Recommendation {
        let depth = try Self.depth(k: query.k, offset: query.offset)
        let liked = query.liked.filter { catalogue.position(of: $0) != nil }
        let factors = query.userFactors.flatMap { $0.count == collaborative.dimensions && $0.allSatisfy(\.isFinite) ? $0 : nil }
        let filter = searchFilter(query.filter, excluding: query.exclude)
        guard !liked.isEmpty || factors != nil else {
            let items = popularItems(depth, filter: filter).map { id in
                let z = standardised(popularity[Int(catalogue.position(of: id)!)], popularityMoments)
                return Recommendation.Item(item: id, score: z, components: ["popularity": z], sources: ["popular"])
            }
            return Recommendation(items: Self.page(items, query), coldStart: true, candidates: items.count)
        }
        var profile = Profile()
        let recency = recencyWeights(count: liked.count, halfLife: definition.recencyHalfLife)
        if !liked.isEmpty {
            profile.als = weightedMean(liked, recency, alsVectors, collaborative.dimensions)
            if let content { profile.content = weightedMean(liked, recency, contentVectors, content.dimensions) }
        }
        profile.userFactors = factors
        if let ease, let easeItems, definition.ranking.weights["ease", default: 0] > 0 {
            let positions = liked.compactMap { easeItems.position(of: $0) }
            var scores: [Float] = []
            ease.scores(user: nil, liked: positions, into: &scores)
            profile.ease = (scores, Self.moments(scores))
        }
        // Candidates: the collaborative space (the profile, or the user's factors without
        // likes), then the content space, then popular items if the filters left too few.
        var sources: [Int64: [String]] = [:]
        var order: [Int64] = []
        func add(_ id: Int64, _ source: String) {
            if sources[id] == nil { order.append(id) }
            sources[id, default: []].append(source)
        }
        let ranking = definition.ranking
        if let q = profile.als ?? factors {
            let k = max(ranking.collaborativeCandidates, depth)
            for r in search(collaborative, q, k: k, filter: filter) { add(r.id, "collaborative") }
        }
        if let content, let q = profile.content, ranking.contentCandidates > 0 {
            for r in search(content, q, k: ranking.contentCandidates, filter: filter) { add(r.id, "content") }
        }
        if order.count < depth {
            for id in popularItems(depth, filter: filter) where sources[id] == nil {
                add(id, "popular")
                if order.count >= depth { break }
            }
        }
        let items = order.map { Recommendation.Item(item: $0, score: 0, components: [:], sources: sources[$0]!) }
        return Recommendation(items: Self.page(ranked(items, profile: profile), query), coldStart: false, candidates: items.count)
    }

    /// The query vectors and score moments of one request.
    struct Profile {
        var als: [Float]?
        var content: [Float]?
        var userFactors: [Float]?
        var ease: (scores: [Float], moments: (mean: Float, deviation: Float))?
    }

    /// Scores every item by the blend and sorts (score descending, then id).
    func ranked(_ items: [Recommendation.Item], profile: Profile) -> [Recommendation.Item] {
        let weights = definition.ranking.weights
        let f = collaborative.dimensions
        let alsMoments = profile.als.map { alsStatistics.moments(of: $0) }
        let userMoments = profile.userFactors.map { alsStatistics.moments(of: $0) }
        let contentMoments = profile.content.flatMap { q in contentStatistics.map { $0.moments(of: q) } }
        let cd = content?.dimensions ?? 0
        var ranked = items
        for index in ranked.indices {
            let id = ranked[index].item
            guard let p = catalogue.position(of: id).map(Int.init) else { continue }
            var c: [String: Float] = [:]
            if let q = profile.als, let m = alsMoments { c["als_liked_items"] = standardised(dot(q, alsVectors, p * f), m) }
            if let q = profile.userFactors, let m = userMoments { c["als_user_factors"] = standardised(dot(q, alsVectors, p * f), m) }
            if let q = profile.content, let m = contentMoments { c["content"] = standardised(dot(q, contentVectors, p * cd), m) }
            if let e = profile.ease, let i = easeItems?.position(of: id) { c["ease"] = standardised(e.scores[Int(i)], e.moments) }
            c["popularity"] = standardised(popularity[p], popularityMoments)
            if weights["trending", default: 0] > 0 { c["trending"] = standardised(trending[p], trendingMoments) }
            ranked[index].components = c
            ranked[index].score = c.reduce(0) { $0 + weights[$1.key, default: 0] * $1.value }
        }
        return ranked.sorted { ($0.score, $1.item) > ($1.score, $0.item) }
    }

    /// Items most like `item` ("more like this"): candidates from the ALS vectors by cosine
    /// (items liked by the same people) and from the content space (same genres, decade,
    /// title words), ranked by the mean of both cosines. Either alone misleads: co-liking
    /// alone ranks blockbusters first (Toy Story → Star Wars), content alone ignores taste.
    public func similar(to item: Int64, k: Int, offset: Int = 0, filter: ItemFilter = ItemFilter()) throws(RecommendationError) -> [Recommendation.Item] {
        let depth = try Self.depth(k: k, offset: offset)
        guard let p = catalogue.position(of: item).map(Int.init) else { throw RecommendationError(.notFound, "unknown item \(item)") }
        let allowed = searchFilter(filter, excluding: [item])
        var sources: [Int64: [String]] = [:]
        for (index, source) in [(similarIndex, "collaborative"), (content, "content")] {
            guard let index, let v = index.vector(id: item) else { continue }
            for r in search(index, v, k: max(depth, 50), filter: allowed) { sources[r.id, default: []].append(source) }
        }
        let f = collaborative.dimensions, cd = content?.dimensions ?? 0
        let als = unit(Array(alsVectors[p * f..<(p + 1) * f]))
        let text = cd > 0 ? Array(contentVectors[p * cd..<(p + 1) * cd]) : []
        let ranked = sources.map { id, from -> Recommendation.Item in
            let q = Int(catalogue.position(of: id)!)
            let a = dot(als, unit(Array(alsVectors[q * f..<(q + 1) * f])), 0)
            let c = cd > 0 ? dot(text, contentVectors, q * cd) : 0
            return Recommendation.Item(item: id, score: (a + c) / 2, components: ["collaborative_cosine": a, "content_cosine": c], sources: from.sorted())
        }.sorted { ($0.score, $1.item) > ($1.score, $0.item) }
        return Array(ranked.dropFirst(offset).prefix(k))
    }

    func unit(_ v: [Float]) -> [Float] {
        let norm = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return norm > 0 ? v.map { $0 / norm } : v
    }

    /// Popular or latest items, with the request's filter.
    public func list(_ order: ListOrder, k: Int, offset: Int = 0, filter: ItemFilter = ItemFilter()) throws(RecommendationError) -> [Recommendation.Item] {
        let depth = try Self.depth(k: k, offset: offset)
        let allowed = searchFilter(filter, excluding: [])
        let ids = order == .popular ? popular : latest
        return ids.lazy.filter { allowed?.admits($0) ?? true }.prefix(depth).dropFirst(offset).map { id in
            let p = Int(catalogue.position(of: id)!)
            return Recommendation.Item(item: id, score: popularity[p], components: ["positives": popularity[p]], sources: [order.rawValue])
        }
    }

    public enum ListOrder: String, Sendable { case popular, latest }

    // MARK: Helpers

    static func depth(k: Int, offset: Int) throws(RecommendationError) -> Int {
        guard (1...100).contains(k) else { throw RecommendationError(.badParameter, "k: \(k), expected 1...100") }
        guard (0...(maximumDepth - k)).contains(offset) else {
            throw RecommendationError(.badParameter, "offset: \(offset), expected 0...\(maximumDepth - k) (k + offset at most \(maximumDepth))")
        }
        return k + offset
    }

    static func page(_ items: [Recommendation.Item], _ query: RecommendationQuery) -> [Recommendation.Item] {
        Array(items.dropFirst(query.offset).prefix(query.k))
    }

    /// The index filter for a request: the exclusions denied, or, with a genre or year filter,
    /// the admitted items allowed (nil: no restriction).
    func searchFilter(_ filter: ItemFilter, excluding excluded: Set<Int64>) -> SearchFilter? {
        guard !filter.isEmpty else { return excluded.isEmpty ? nil : .deny(excluded) }
        let pool: Set<Int64> = filter.category.map { byCategory[$0] ?? [] } ?? Set(catalogue.ids)
        return .allow(pool.filter { !excluded.contains($0) && filter.admits(items[$0]) })
    }

    func popularItems(_ count: Int, filter: SearchFilter?) -> [Int64] {
        Array(popular.lazy.filter { filter?.admits($0) ?? true }.prefix(count))
    }

    func search(_ index: HNSWIndex, _ query: [Float], k: Int, filter: SearchFilter?) -> [SearchResult] {
        // A zero or malformed query has no direction: no candidates from this space.
        guard k > 0, query.contains(where: { $0 != 0 }) else { return [] }
        return (try? index.search(query, k: k, ef: max(64, k), filter: filter)) ?? []
    }

    func weightedMean(_ liked: [Int64], _ weights: [Float], _ rows: [Float], _ d: Int) -> [Float] {
        var q = [Float](repeating: 0, count: d), total: Float = 0
        for (id, w) in zip(liked, weights) {
            let p = Int(catalogue.position(of: id)!)
            for k in 0..<d { q[k] += w * rows[p * d + k] }
            total += w
        }
        return total > 0 ? q.map { $0 / total } : q
    }

    @inline(__always)
    func dot(_ q: [Float], _ rows: [Float], _ offset: Int) -> Float {
        var s: Float = 0
        for k in q.indices { s += q[k] * rows[offset + k] }
        return s
    }
}
