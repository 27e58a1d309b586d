/// A cache of answers keyed by a query's embedding (a pattern from LLM serving): a query whose
/// unit-length vector has cosine similarity ≥ `threshold` with a cached query's reuses that
/// query's answer; an identical (normalised) text is found without its vector. Entries belong
/// to a scope — the request's other parameters — and only match within it; they expire after
/// `ttl` seconds; beyond `capacity` the least recently used is evicted; and the whole cache is
/// dropped when the `version` of what it caches (the index) changes.
///
/// A value type without locks: the server keeps one behind a mutex. Time is passed in
/// (seconds, any monotonic origin), so expiry is tested without sleeping.
public struct SemanticCache<Value: Sendable>: Sendable {
    public struct Statistics: Sendable, Equatable {
        public var exactHits = 0
        public var semanticHits = 0
        public var misses = 0
        public var evictions = 0
        public var expirations = 0
        public var invalidations = 0

        public init(exactHits: Int = 0, semanticHits: Int = 0, misses: Int = 0, evictions: Int = 0, expirations: Int = 0, invalidations: Int = 0) {
            (self.exactHits, self.semanticHits, self.misses) = (exactHits, semanticHits, misses)
            (self.evictions, self.expirations, self.invalidations) = (evictions, expirations, invalidations)
        }

        public var hitRate: Double {
            let lookups = exactHits + semanticHits + misses
            return lookups == 0 ? 0 : Double(exactHits + semanticHits) / Double(lookups)
        }
    }

    public enum Hit: Sendable, Equatable { case exact, semantic(similarity: Float) }

    struct Entry: Sendable {
        var scope: String
        var text: String
        var vector: [Float]
        var value: Value
        var inserted: Double
        var used: UInt64
    }

    public let threshold: Float
    public let capacity: Int
    public let ttl: Double
    public private(set) var version: Int?
    public private(set) var statistics = Statistics()

    private var entries: [Int: Entry] = [:]
    private var exact: [String: Int] = [:]
    private var byScope: [String: Set<Int>] = [:]
    /// The newest entry of each text, in any scope.
    private var byText: [String: Int] = [:]
    private var nextID = 0
    private var clock: UInt64 = 0

    public init(threshold: Float, capacity: Int, ttl: Double) {
        precondition((0...1).contains(threshold) && capacity > 0 && ttl > 0, "threshold 0...1, capacity and ttl positive")
        self.threshold = threshold
        self.capacity = capacity
        self.ttl = ttl
    }

    public var count: Int { entries.count }

    /// Lower-cased, whitespace collapsed: texts an uncased encoder cannot tell apart.
    public static func normalised(_ text: String) -> String {
        text.lowercased().split(whereSeparator: \.isWhitespace).joined(separator: " ")
    }

    /// Drops everything when `version` differs from the cached answers' version.
    public mutating func use(version: Int) {
        guard version != self.version else { return }
        if self.version != nil, !entries.isEmpty { statistics.invalidations += 1 }
        self.version = version
        entries.removeAll()
        exact.removeAll()
        byScope.removeAll()
        byText.removeAll()
    }

    /// The answer cached for this exact (normalised) text in `scope`, if fresh.
    public mutating func lookup(text: String, scope: String, now: Double) -> Value? {
        guard let id = exact[Self.key(scope, text)], let value = touch(id, now: now) else { return nil }
        statistics.exactHits += 1
        return value
    }

    /// The vector cached for this exact (normalised) text in any scope (saves encoding it again).
    public mutating func vector(text: String, now: Double) -> [Float]? {
        guard let id = byText[text], touch(id, now: now) != nil else { return nil }
        return entries[id]?.vector
    }

    /// The answer of the most similar fresh query in `scope` at or above the threshold;
    /// counts a miss otherwise (call after `lookup(text:)` missed).
    public mutating func lookup(vector: [Float], scope: String, now: Double) -> (value: Value, hit: Hit)? {
        var best: (id: Int, similarity: Float)?
        if !vector.isEmpty { vector.withUnsafeBufferPointer { q in
            for id in byScope[scope] ?? [] {
                guard let entry = entries[id], entry.vector.count == q.count else { continue }
                let s = entry.vector.withUnsafeBufferPointer { v in Distance.dot(q.baseAddress!, v.baseAddress!, count: q.count) }
                if s >= threshold, s > best?.similarity ?? -.infinity { best = (id, s) }
            }
        } }
        if let best, let value = touch(best.id, now: now) {
            statistics.semanticHits += 1
            return (value, .semantic(similarity: best.similarity))
        }
        statistics.misses += 1
        return nil
    }

    /// Caches `value` for a query; evicts the least recently used entry beyond capacity.
    public mutating func insert(text: String, vector: [Float], scope: String, value: Value, now: Double) {
        let key = Self.key(scope, text)
        if let old = exact[key] { remove(old) }
        while entries.count >= capacity, let oldest = entries.min(by: { $0.value.used < $1.value.used })?.key {
            remove(oldest)
            statistics.evictions += 1
        }
        clock += 1
        let id = nextID
        nextID += 1
        entries[id] = Entry(scope: scope, text: text, vector: vector, value: value, inserted: now, used: clock)
        exact[key] = id
        byScope[scope, default: []].insert(id)
        byText[text] = id
    }

    /// The entry's value if it has not expired (marking it used); an expired one is removed.
    private mutating func touch(_ id: Int, now: Double) -> Value? {
        guard let entry = entries[id] else { return nil }
        guard now - entry.inserted < ttl else {
            remove(id)
            statistics.expirations += 1
            return nil
        }
        clock += 1
        entries[id]?.used = clock
        return entry.value
    }

    private mutating func remove(_ id: Int) {
        guard let entry = entries.removeValue(forKey: id) else { return }
        exact[Self.key(entry.scope, entry.text)] = nil
        if byText[entry.text] == id { byText[entry.text] = nil }
        byScope[entry.scope]?.remove(id)
        if byScope[entry.scope]?.isEmpty == true { byScope[entry.scope] = nil }
    }

    private static func key(_ scope: String, _ text: String) -> String { scope + "\u{0}" + text }
}
