import Core
import Recommender
import Synchronization

/// Explanations already produced, keyed by (the user's context, the item, the model version):
/// the context is a hash of the facts the explanation was generated from (the liked items it
/// resembles, shared genres, positives), so a change in what the user liked that touches the
/// item's facts, or a new model version, misses. Generation is greedy, so a hit returns exactly
/// what would be generated again. Thread-safe; LRU beyond `capacity`.
public final class ExplanationCache: Sendable {
    public struct Key: Hashable, Sendable {
        public var context: UInt64
        public var item: Int64
        public var modelVersion: Int

        public init(facts: ExplanationFacts, item: Int64, modelVersion: Int) {
            context = Self.hash(facts)
            self.item = item
            self.modelVersion = modelVersion
        }

        /// FNV-1a over the facts' canonical text (stable across processes, unlike `Hasher`).
        static func hash(_ facts: ExplanationFacts) -> UInt64 {
            let describe = { (c: ItemContent) in "\(c.title)|\(c.year.map(String.init) ?? "")|\(c.categories.joined(separator: ","))" }
            let text = [describe(.init(title: facts.title, year: facts.year, categories: facts.genres)),
                        facts.sharedGenres.joined(separator: ","), facts.resembles.map(describe).joined(separator: ";"),
                        facts.positives.map(String.init) ?? ""].joined(separator: "\u{1F}")
            var h: UInt64 = 0xcbf2_9ce4_8422_2325
            for byte in text.utf8 { h = (h ^ UInt64(byte)) &* 0x100_0000_01b3 }
            return h
        }
    }

    public struct Statistics: Sendable, Equatable {
        public var hits = 0, misses = 0, evictions = 0, entries = 0
        public var hitRatio: Double { hits + misses == 0 ? 0 : Double(hits) / Double(hits + misses) }
    }

    private struct State {
        var entries: LRUCache<Key, Explainer.Explanation>
        var hits = 0, misses = 0
    }

    private let state: Mutex<State>

    public init(capacity: Int) {
        state = Mutex(State(entries: LRUCache(capacity: max(1, capacity))))
    }

    public func get(_ key: Key) -> Explainer.Explanation? {
        state.withLock { s in
            let value = s.entries.get(key)
            if value == nil { s.misses += 1 } else { s.hits += 1 }
            return value
        }
    }

    public func set(_ key: Key, _ explanation: Explainer.Explanation) {
        var stored = explanation
        stored.rejected = []  // the rejected drafts are for reports, not for serving
        state.withLock { $0.entries.set(key, stored) }
    }

    public var statistics: Statistics {
        state.withLock { Statistics(hits: $0.hits, misses: $0.misses, evictions: $0.entries.evictions, entries: $0.entries.count) }
    }
}
