import Core
import Testing

@Suite("LRU cache")
struct LRUCacheTests {
    @Test("evicts the least recently used; reads and writes refresh recency")
    func recency() {
        var cache = LRUCache<String, Int>(capacity: 3)
        cache.set("a", 1); cache.set("b", 2); cache.set("c", 3)
        #expect(cache.get("a") == 1)  // a is now the newest; b the oldest
        cache.set("d", 4)
        #expect(cache.get("b") == nil && cache.count == 3 && cache.evictions == 1)
        cache.set("c", 30)  // overwrite refreshes c
        cache.set("e", 5)   // newest to oldest was c, d, a: a goes
        #expect(cache.get("a") == nil && cache.get("c") == 30 && cache.get("d") == 4 && cache.get("e") == 5)
        cache.removeAll()
        #expect(cache.count == 0 && cache.get("c") == nil)
        cache.set("x", 1)
        #expect(cache.get("x") == 1)
    }

    @Test("against a reference model over random operations")
    func randomised() {
        var generator = SystemRandomNumberGenerator()
        var cache = LRUCache<Int, Int>(capacity: 8)
        var reference: [(key: Int, value: Int)] = []  // most recent last
        for step in 0..<5_000 {
            let key = Int.random(in: 0..<20, using: &generator)
            if Bool.random(using: &generator) {
                cache.set(key, step)
                reference.removeAll { $0.key == key }
                reference.append((key, step))
                if reference.count > 8 { reference.removeFirst() }
            } else {
                let expected = reference.first { $0.key == key }?.value
                #expect(cache.get(key) == expected)
                if let i = reference.firstIndex(where: { $0.key == key }) { reference.append(reference.remove(at: i)) }
            }
            #expect(cache.count == reference.count)
        }
    }
}
