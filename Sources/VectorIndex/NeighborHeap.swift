/// A binary heap of (distance, slot) pairs: a max-heap when `farthestFirst`, else a min-heap.
/// The search keeps its result set in a max-heap (the worst result on top, to be replaced) and
/// its candidates in a min-heap (the nearest on top, to be expanded next).
///
/// The elements live in a raw buffer the owner frees with `release()` (a heap is a local of
/// one search): pushes and pops then cost no uniqueness or bounds checks.
struct NeighborHeap {
    struct Element {
        var distance: Float
        var slot: UInt32
    }

    private var buffer: UnsafeMutablePointer<Element>
    private var capacity: Int
    private(set) var count = 0
    let farthestFirst: Bool

    init(farthestFirst: Bool, capacity: Int = 16) {
        self.farthestFirst = farthestFirst
        self.capacity = max(capacity, 4)
        buffer = .allocate(capacity: self.capacity)
    }

    /// Frees the buffer; the heap must not be used afterwards.
    func release() { buffer.deallocate() }

    var isEmpty: Bool { count == 0 }
    var top: Element? { count > 0 ? buffer[0] : nil }
    /// The elements in heap order (not sorted).
    var elements: [Element] { Array(UnsafeBufferPointer(start: buffer, count: count)) }

    @inline(__always)
    private func above(_ a: Element, _ b: Element) -> Bool {
        farthestFirst ? a.distance > b.distance : a.distance < b.distance
    }

    @inline(__always)
    mutating func push(_ distance: Float, _ slot: UInt32) {
        if count == capacity {
            let bigger = UnsafeMutablePointer<Element>.allocate(capacity: capacity * 2)
            bigger.moveInitialize(from: buffer, count: count)
            buffer.deallocate()
            buffer = bigger
            capacity *= 2
        }
        let element = Element(distance: distance, slot: slot)
        var child = count
        count += 1
        while child > 0 {
            let parent = (child - 1) / 2
            guard above(element, buffer[parent]) else { break }
            buffer[child] = buffer[parent]
            child = parent
        }
        buffer[child] = element
    }

    @inline(__always)
    @discardableResult
    mutating func pop() -> Element? {
        guard count > 0 else { return nil }
        let first = buffer[0]
        count -= 1
        guard count > 0 else { return first }
        let last = buffer[count]
        var parent = 0
        while true {
            let left = 2 * parent + 1
            guard left < count else { break }
            let right = left + 1
            let child = right < count && above(buffer[right], buffer[left]) ? right : left
            guard above(buffer[child], last) else { break }
            buffer[parent] = buffer[child]
            parent = child
        }
        buffer[parent] = last
        return first
    }

    /// In a farthest-first heap of at most `k`: adds the element if it is among the `k`
    /// nearest seen so far, dropping the farthest.
    @inline(__always)
    mutating func keepNearest(_ k: Int, _ distance: Float, _ slot: UInt32) {
        if count < k {
            push(distance, slot)
        } else if distance < buffer[0].distance {
            pop()
            push(distance, slot)
        }
    }
}
