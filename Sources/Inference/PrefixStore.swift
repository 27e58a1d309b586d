import Synchronization

/// The KV cache of a prompt prefix together with the logits after its last token.
/// Continuations fork the cache (``KVCache/init(parent:)``) so the prefix is computed once.
public final class PrefixState: @unchecked Sendable {
    public let tokens: [Int]
    public let cache: KVCache
    /// Next-token logits after the last prefix token.
    public let lastLogits: [Float]

    init(tokens: [Int], cache: KVCache, lastLogits: [Float]) {
        self.tokens = tokens
        self.cache = cache
        self.lastLogits = lastLogits
    }
}

/// A small LRU of recently used prompt prefixes, matched by longest token prefix.
final class PrefixStore: Sendable {
    private let entries = Mutex<[PrefixState]>([])
    let capacity: Int

    init(capacity: Int) { self.capacity = capacity }

    /// The stored state whose tokens are the longest prefix of `tokens`.
    func longestPrefix(of tokens: [Int]) -> PrefixState? {
        entries.withLock { list in
            var best: PrefixState?
            var bestIndex = -1
            for (i, e) in list.enumerated() where e.tokens.count <= tokens.count && (best?.tokens.count ?? -1) < e.tokens.count {
                if tokens.starts(with: e.tokens) { best = e; bestIndex = i }
            }
            if bestIndex >= 0 { list.append(list.remove(at: bestIndex)) } // most recently used last
            return best
        }
    }

    func insert(_ state: PrefixState) {
        guard capacity > 0 else { return }
        entries.withLock { list in
            list.removeAll { $0.tokens == state.tokens }
            list.append(state)
            if list.count > capacity { list.removeFirst(list.count - capacity) }
        }
    }

    func removeAll() { entries.withLock { $0.removeAll() } }
}
