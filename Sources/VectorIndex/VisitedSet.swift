/// Which slots a search has seen, cleared in O(1) by bumping an epoch (as hnswlib's visited
/// list pool does), so a search costs nothing proportional to the index size.
final class VisitedSet: @unchecked Sendable {  // one search at a time, handed out by a pool
    private var marks: [UInt16]
    private var epoch: UInt16 = 0

    init(capacity: Int) { marks = Array(repeating: 0, count: capacity) }

    /// Starts a new search over `capacity` slots.
    func reset(capacity: Int) {
        if marks.count < capacity { marks.append(contentsOf: repeatElement(0, count: capacity - marks.count)) }
        if epoch == .max {
            for i in marks.indices { marks[i] = 0 }
            epoch = 0
        }
        epoch += 1
    }

    /// Marks `slot`; false when it was already marked in this search.
    @inline(__always)
    func insert(_ slot: UInt32) -> Bool {
        let index = Int(slot)
        if marks[index] == epoch { return false }
        marks[index] = epoch
        return true
    }
}
