/// A fixed-capacity map that evicts the least recently used entry: O(1) lookup, insert and
/// eviction (a dictionary into slots threaded on a doubly linked recency list). Not
/// synchronised; wrap it in a lock to share it.
public struct LRUCache<Key: Hashable, Value> {
    struct Slot {
        var key: Key
        var value: Value
        var newer: Int, older: Int  // neighbours in the recency list (-1: none)
    }

    public let capacity: Int
    private var index: [Key: Int] = [:]
    private var slots: [Slot] = []
    private var newest = -1, oldest = -1
    /// Entries dropped to make room.
    public private(set) var evictions = 0

    public init(capacity: Int) {
        precondition(capacity > 0, "an LRU cache holds at least one entry")
        self.capacity = capacity
    }

    public var count: Int { index.count }

    /// The value for `key`, now the most recently used.
    public mutating func get(_ key: Key) -> Value? {
        guard let s = index[key] else { return nil }
        moveToFront(s)
        return slots[s].value
    }

    /// Stores `value` as the most recently used; beyond capacity the least recently used goes.
    public mutating func set(_ key: Key, _ value: Value) {
        if let s = index[key] {
            slots[s].value = value
            moveToFront(s)
            return
        }
        let s: Int
        if slots.count < capacity {
            s = slots.count
            slots.append(Slot(key: key, value: value, newer: -1, older: -1))
        } else {
            s = oldest  // reuse the least recently used slot
            unlink(s)
            index[slots[s].key] = nil
            slots[s] = Slot(key: key, value: value, newer: -1, older: -1)
            evictions += 1
        }
        index[key] = s
        linkFront(s)
    }

    public mutating func removeAll() {
        index.removeAll()
        slots.removeAll()
        (newest, oldest) = (-1, -1)
    }

    private mutating func moveToFront(_ s: Int) {
        guard s != newest else { return }
        unlink(s)
        linkFront(s)
    }

    private mutating func unlink(_ s: Int) {
        let (newer, older) = (slots[s].newer, slots[s].older)
        if newer >= 0 { slots[newer].older = older } else { newest = older }
        if older >= 0 { slots[older].newer = newer } else { oldest = newer }
        (slots[s].newer, slots[s].older) = (-1, -1)
    }

    private mutating func linkFront(_ s: Int) {
        slots[s].older = newest
        if newest >= 0 { slots[newest].newer = s }
        newest = s
        if oldest < 0 { oldest = s }
    }
}

extension LRUCache: Sendable where Key: Sendable, Value: Sendable {}
extension LRUCache.Slot: Sendable where Key: Sendable, Value: Sendable {}
