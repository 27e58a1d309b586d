/// Which slots a search has seen, cleared in O(1) by bumping an epoch (as hnswlib's visited
/// list pool does), so a search costs nothing proportional to the index size. The marks live
/// behind a raw pointer: the hot loop reads them without exclusivity checks or bounds checks
/// (slots come from the index's own links, validated at insert and load).
final class VisitedSet: @unchecked Sendable {  // one search at a time, handed out by a pool
    private(set) var marks: UnsafeMutablePointer<UInt16>
    private var capacity: Int
    private(set) var epoch: UInt16 = 0

    init(capacity: Int) {
        self.capacity = max(capacity, 1)
        marks = .allocate(capacity: self.capacity)
        marks.initialize(repeating: 0, count: self.capacity)
    }

    deinit { marks.deallocate() }

    /// Starts a new search over `capacity` slots.
    func reset(capacity needed: Int) {
        if needed > capacity {
            let grown = max(needed, capacity * 2)
            let bigger = UnsafeMutablePointer<UInt16>.allocate(capacity: grown)
            bigger.initialize(repeating: 0, count: grown)
            bigger.update(from: marks, count: capacity)
            marks.deallocate()
            marks = bigger
            capacity = grown
        }
        if epoch == .max {
            marks.update(repeating: 0, count: capacity)
            epoch = 0
        }
        epoch += 1
    }
}
