import Testing
import VectorIndex

@Suite("Semantic cache")
struct SemanticCacheTests {
    static func unit(_ v: [Float]) -> [Float] {
        let n = v.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return v.map { $0 / n }
    }

    @Test("exact and semantic hits, within a scope only; misses counted")
    func hits() {
        var cache = SemanticCache<[Int]>(threshold: 0.95, capacity: 10, ttl: 60)
        cache.use(version: 1)
        let a = Self.unit([1, 0.1, 0]), near = Self.unit([1, 0.15, 0]), far = Self.unit([0.5, 1, 0])
        #expect(cache.lookup(text: "toys", scope: "k=10", now: 0) == nil)
        #expect(cache.lookup(vector: a, scope: "k=10", now: 0) == nil)
        cache.insert(text: "toys", vector: a, scope: "k=10", value: [1, 2, 3], now: 0)
        #expect(cache.lookup(text: "toys", scope: "k=10", now: 1) == [1, 2, 3])
        #expect(cache.lookup(text: "toys", scope: "k=5", now: 1) == nil, "another scope")
        #expect(cache.vector(text: "toys", now: 1) == a, "the vector is shared across scopes")
        let hit = cache.lookup(vector: near, scope: "k=10", now: 2)
        #expect(hit?.value == [1, 2, 3])
        if case .semantic(let s)? = hit?.hit { #expect(s > 0.95 && s < 1) } else { Issue.record("expected a semantic hit") }
        #expect(cache.lookup(vector: far, scope: "k=10", now: 2) == nil)
        #expect(cache.lookup(vector: near, scope: "k=5", now: 2) == nil)
        #expect(cache.statistics == .init(exactHits: 1, semanticHits: 1, misses: 3, evictions: 0, expirations: 0, invalidations: 0))
        #expect(abs(cache.statistics.hitRate - 0.4) < 1e-9)
        #expect(SemanticCache<Int>.normalised("  Animated\tTOYS  film ") == "animated toys film")
    }

    @Test("the most similar cached query wins")
    func nearest() {
        var cache = SemanticCache<String>(threshold: 0.5, capacity: 10, ttl: 60)
        cache.insert(text: "a", vector: Self.unit([1, 0]), scope: "", value: "a", now: 0)
        cache.insert(text: "b", vector: Self.unit([1, 1]), scope: "", value: "b", now: 0)
        #expect(cache.lookup(vector: Self.unit([1, 0.8]), scope: "", now: 0)?.value == "b")
        #expect(cache.lookup(vector: Self.unit([1, 0.2]), scope: "", now: 0)?.value == "a")
    }

    @Test("entries expire after the TTL; beyond capacity the least recently used goes")
    func expiryAndEviction() {
        var cache = SemanticCache<Int>(threshold: 0.99, capacity: 2, ttl: 10)
        cache.insert(text: "x", vector: [1, 0], scope: "", value: 1, now: 0)
        #expect(cache.lookup(text: "x", scope: "", now: 9.9) == 1)
        #expect(cache.lookup(text: "x", scope: "", now: 10) == nil)
        #expect(cache.count == 0 && cache.statistics.expirations == 1)

        cache.insert(text: "a", vector: [1, 0], scope: "", value: 1, now: 20)
        cache.insert(text: "b", vector: [0, 1], scope: "", value: 2, now: 20)
        #expect(cache.lookup(text: "a", scope: "", now: 21) == 1)  // b is now the least recently used
        cache.insert(text: "c", vector: [0.6, 0.8], scope: "", value: 3, now: 22)
        #expect(cache.count == 2 && cache.statistics.evictions == 1)
        #expect(cache.lookup(text: "b", scope: "", now: 22) == nil)
        #expect(cache.lookup(text: "a", scope: "", now: 22) == 1 && cache.lookup(text: "c", scope: "", now: 22) == 3)
        // Re-inserting a text replaces its entry instead of adding one.
        cache.insert(text: "c", vector: [0.6, 0.8], scope: "", value: 4, now: 23)
        #expect(cache.count == 2 && cache.lookup(text: "c", scope: "", now: 23) == 4)
    }

    @Test("a new index version drops every entry")
    func invalidation() {
        var cache = SemanticCache<Int>(threshold: 0.9, capacity: 8, ttl: 60)
        cache.use(version: 3)
        cache.insert(text: "q", vector: [1, 0], scope: "", value: 7, now: 0)
        cache.use(version: 3)
        #expect(cache.lookup(text: "q", scope: "", now: 1) == 7)
        cache.use(version: 4)
        #expect(cache.count == 0 && cache.statistics.invalidations == 1)
        #expect(cache.lookup(text: "q", scope: "", now: 1) == nil && cache.lookup(vector: [1, 0], scope: "", now: 1) == nil)
    }
}
