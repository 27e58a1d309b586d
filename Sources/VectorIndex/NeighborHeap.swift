/// A binary heap of (distance, slot) pairs: a max-heap when `farthestFirst`, else a min-heap.
/// The search keeps its result set in a max-heap (the worst result on top, to be replaced) and
/// its candidates in a min-heap (the nearest on top, to be expanded next).
struct NeighborHeap {
    struct Element {
        var distance: Float
        var slot: UInt32
    }

    private(set) var elements: [Element] = []
    let farthestFirst: Bool

    init(farthestFirst: Bool, capacity: Int = 0) {
        self.farthestFirst = farthestFirst
        elements.reserveCapacity(capacity)
    }

    var isEmpty: Bool { elements.isEmpty }
    var count: Int { elements.count }
    var top: Element? { elements.first }

    mutating func removeAll() { elements.removeAll(keepingCapacity: true) }

    @inline(__always)
    private func above(_ a: Element, _ b: Element) -> Bool {
        farthestFirst ? a.distance > b.distance : a.distance < b.distance
    }

    mutating func push(_ distance: Float, _ slot: UInt32) {
        elements.append(Element(distance: distance, slot: slot))
        var child = elements.count - 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard above(elements[child], elements[parent]) else { break }
            elements.swapAt(child, parent)
            child = parent
        }
    }

    /// In a farthest-first heap of at most `k`: adds the element if it is among the `k`
    /// nearest seen so far, dropping the farthest.
    @inline(__always)
    mutating func keepNearest(_ k: Int, _ distance: Float, _ slot: UInt32) {
        if count < k {
            push(distance, slot)
        } else if distance < elements[0].distance {
            pop()
            push(distance, slot)
        }
    }

    @discardableResult
    mutating func pop() -> Element? {
        guard !elements.isEmpty else { return nil }
        let first = elements[0]
        let last = elements.removeLast()
        guard !elements.isEmpty else { return first }
        elements[0] = last
        var parent = 0
        while true {
            let left = 2 * parent + 1, right = left + 1
            var best = parent
            if left < elements.count, above(elements[left], elements[best]) { best = left }
            if right < elements.count, above(elements[right], elements[best]) { best = right }
            if best == parent { break }
            elements.swapAt(parent, best)
            parent = best
        }
        return first
    }
}
