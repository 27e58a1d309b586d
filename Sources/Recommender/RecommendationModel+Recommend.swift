import VectorIndex

extension RecommendationModel {
    /// Most items one request may ask for (k + offset).
    public static let maximumDepth = 1_000

    /// Recommendations for a user or session: candidates from both index searches with the
    /// request's exclusions and filters applied *inside* the graph walk, then ranked by the
    /// definition's blend. With no usable likes and no user factors: popular items (`coldStart`).
    public func recommend(_ query: RecommendationQuery) throws(RecommendationError) -> Recommendation {
        let depth = try Self.depth(k: query.k, offset: query.offset)
        // The catalogue rows of the likes it knows, oldest first.
        let likedRows = query.liked.compactMap { catalogue.position(of: $0).map(Int.init) }
        let factors = query.userFactors.flatMap { $0.count == collaborative.dimensions && $0.allSatisfy(\.isFinite) ? $0 : nil }
        let filter = searchFilter(query.filter, excluding: query.exclude)
        guard !likedRows.isEmpty || factors != nil else {
            let items = popularItems(depth, filter: filter).map { id in
                let z = standardised(popularity[Int(catalogue.position(of: id)!)], popularityMoments)
                return Recommendation.Item(item: id, score: z, components: ["popularity": z], sources: ["popular"])
            }
            return Recommendation(items: Self.page(items, query), coldStart: true, candidates: items.count)
        }
        var profile = Profile()
        let (positions, recency) = recentLikes(likedRows)
        if !positions.isEmpty {
            profile.als = weightedMean(rows: alsVectors, dimensions: collaborative.dimensions, positions: positions, weights: recency)
            if let content { profile.content = weightedMean(rows: contentVectors, dimensions: content.dimensions, positions: positions, weights: recency) }
        }
        profile.userFactors = factors
        if let ease, definition.ranking.weights["ease", default: 0] > 0 {
            // The whole row of scores: streaming B's liked rows (saxpy) is cheaper than gathering
            // the candidates' columns, and gives the catalogue moments exactly.
            var scores: [Float] = []
            ease.scores(user: nil, liked: positions.compactMap { easeRows[$0] >= 0 ? easeRows[$0] : nil }, into: &scores)
            profile.ease = (scores, Self.moments(scores))
        }
        // Candidates: the collaborative space (the profile, or the user's factors without
        // likes), then the content space, then popular items if the filters left too few.
        // Each candidate's sources are bits (collaborative 1, content 2, popular 4).
        var candidates: [Int64] = []
        var bits: [Int64: UInt8] = [:]
        func add(_ id: Int64, _ bit: UInt8) {
            if let known = bits[id] { bits[id] = known | bit } else { bits[id] = bit; candidates.append(id) }
        }
        let ranking = definition.ranking
        if let q = profile.als ?? factors {
            for r in search(collaborative, q, k: max(ranking.collaborativeCandidates, depth), filter: filter) { add(r.id, 1) }
        }
        if let content, let q = profile.content, ranking.contentCandidates > 0 {
            for r in search(content, q, k: ranking.contentCandidates, filter: filter) { add(r.id, 2) }
        }
        if candidates.count < depth {
            for id in popularItems(depth, filter: filter) where bits[id] == nil {
                add(id, 4)
                if candidates.count >= depth { break }
            }
        }
        let items = ranked(candidates, profile: profile, page: query.offset..<depth).map { ranked in
            var item = ranked
            let b = bits[item.item]!
            item.sources = [(1, "collaborative"), (2, "content"), (4, "popular")].compactMap { b & $0.0 != 0 ? $0.1 : nil }
            return item
        }
        return Recommendation(items: items, coldStart: false, candidates: candidates.count)
    }

    /// Whether answering is light enough (about 0.1 ms on MovieLens here, like parsing a small
    /// request body) to run on the thread the request arrived on: a shallow page (k + offset ≤
    /// 100), no filter to materialise as an allow-list, and a profile bounded by the recency
    /// cutoff (or short). Anything else belongs on a worker thread.
    public func isLight(_ query: RecommendationQuery) -> Bool {
        query.k + query.offset <= 100 && query.filter.isEmpty && catalogue.count <= 100_000
            && (definition.recencyHalfLife.map { $0 <= 50 } ?? false || query.liked.count <= 200)
    }

    /// The catalogue rows of a profile's likes and their recency weights. Likes whose weight is
    /// under 1/1000 of the newest's are left out (together they move scores by about 0.1 %; they
    /// stay excluded from results), so a request's cost is bounded by the half-life, not by
    /// the user's history.
    func recentLikes(_ likedRows: [Int]) -> (positions: [Int], weights: [Float]) {
        var recency = recencyWeights(count: likedRows.count, halfLife: definition.recencyHalfLife)
        let kept = recency.firstIndex { $0 >= Self.recencyCutoff * (recency.last ?? 0) } ?? 0
        recency.removeFirst(kept)
        return (Array(likedRows[kept...]), recency)
    }

    /// The query vectors and score moments of one request.
    struct Profile {
        var als: [Float]?
        var content: [Float]?
        var userFactors: [Float]?
        var ease: (scores: [Float], moments: (mean: Float, deviation: Float))?
    }

    /// The ranking components in a fixed order (names as in the definition's weights).
    static let components = RecommenderDefinition.Ranking.components

    /// Scores every candidate by the blend, sorts (score descending, then id) and returns the
    /// items of `page`, each with its standardised component scores (sources left empty).
    func ranked(_ ids: [Int64], profile: Profile, page: Range<Int>) -> [Recommendation.Item] {
        let names = Self.components
        let weights = names.map { definition.ranking.weights[$0, default: 0] }
        let f = collaborative.dimensions, cd = content?.dimensions ?? 0
        let alsMoments = profile.als.map { alsStatistics.moments(of: $0) }
        let userMoments = profile.userFactors.map { alsStatistics.moments(of: $0) }
        let contentMoments = profile.content.flatMap { q in contentStatistics.map { $0.moments(of: q) } }
        let width = names.count
        // Row per candidate, column per component (in `names` order: ease, ALS profile, user
        // factors, content, popularity, trending); NaN: not computed.
        var values = [Float](repeating: .nan, count: ids.count * width)
        var scores = [Float](repeating: 0, count: ids.count)
        for (row, id) in ids.enumerated() {
            guard let p = catalogue.position(of: id).map(Int.init) else { continue }
            let at = row * width
            if let e = profile.ease, easeRows[p] >= 0 { values[at] = standardised(e.scores[Int(easeRows[p])], e.moments) }
            if let q = profile.als, let m = alsMoments { values[at + 1] = standardised(dot(q, alsVectors, p * f), m) }
            if let q = profile.userFactors, let m = userMoments { values[at + 2] = standardised(dot(q, alsVectors, p * f), m) }
            if let q = profile.content, let m = contentMoments { values[at + 3] = standardised(dot(q, contentVectors, p * cd), m) }
            values[at + 4] = standardised(popularity[p], popularityMoments)
            if weights[5] > 0 { values[at + 5] = standardised(trending[p], trendingMoments) }
            var score: Float = 0
            for c in 0..<width where !values[at + c].isNaN { score += weights[c] * values[at + c] }
            scores[row] = score
        }
        let order = ids.indices.sorted { (scores[$0], ids[$1]) > (scores[$1], ids[$0]) }
        return order.dropFirst(page.lowerBound).prefix(page.count).map { row in
            var components: [String: Float] = [:]
            for c in 0..<width where !values[row * width + c].isNaN { components[names[c]] = values[row * width + c] }
            return Recommendation.Item(item: ids[row], score: scores[row], components: components, sources: [])
        }
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
        return (try? index.search(query, k: k, ef: max(Self.minimumEf, k), filter: filter)) ?? []
    }

    /// The graph walk keeps at least this many candidates (ef ≥ k); the ranking stage, not
    /// the walk, decides the order, so a small margin is enough.
    static let minimumEf = 32

    /// Likes weighing less than this fraction of the newest like are left out of a profile.
    static let recencyCutoff: Float = 1e-3

    /// q · rows[offset..<offset + q.count], by the vector index's dispatched kernel (not BLAS,
    /// whose per-call cost and threading do not pay at this size).
    @inline(__always)
    func dot(_ q: [Float], _ rows: [Float], _ offset: Int) -> Float {
        guard !q.isEmpty else { return 0 }
        return q.withUnsafeBufferPointer { q in
            rows.withUnsafeBufferPointer { r in VectorKernels.dot(q.baseAddress!, r.baseAddress! + offset, count: q.count) }
        }
    }
}
