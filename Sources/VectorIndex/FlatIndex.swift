/// Exact nearest-neighbour search by scanning every vector: the ground truth for recall, the
/// right index for small sets, and the filtered fallback's idea. Same metrics and checks as
/// `HNSWIndex`. Searches may run concurrently; changes take the index alone.
public final class FlatIndex: @unchecked Sendable {
    public let dimensions: Int
    public let metric: Metric
    private var vectors: [Float] = []
    private var ids: [Int64] = []
    private var slotOf: [Int64: Int] = [:]
    private let lock = ReadWriteLock()

    public init(dimensions: Int, metric: Metric) throws(VectorIndexError) {
        guard (1...16_000).contains(dimensions) else { throw VectorIndexError("dimensions must be 1...16000, not \(dimensions)") }
        _ = try VectorKernels.tier()
        self.dimensions = dimensions
        self.metric = metric
    }

    public var count: Int { lock.read { ids.count } }

    /// Adds or replaces the vector of `id`.
    public func add(id: Int64, vector: [Float]) throws(VectorIndexError) {
        let prepared = try metric.prepare(vector, dimensions: dimensions)
        lock.write {
            if let slot = slotOf[id] {
                vectors.replaceSubrange(slot * dimensions..<(slot + 1) * dimensions, with: prepared)
            } else {
                slotOf[id] = ids.count
                ids.append(id)
                vectors.append(contentsOf: prepared)
            }
        }
    }

    /// Deletes `id` (the last vector moves into its place); false when absent.
    @discardableResult
    public func remove(id: Int64) -> Bool {
        lock.write {
            guard let slot = slotOf.removeValue(forKey: id) else { return false }
            let last = ids.count - 1
            if slot != last {
                vectors.replaceSubrange(slot * dimensions..<(slot + 1) * dimensions,
                                        with: vectors[last * dimensions..<(last + 1) * dimensions])
                ids[slot] = ids[last]
                slotOf[ids[slot]] = slot
            }
            ids.removeLast()
            vectors.removeLast(dimensions)
            return true
        }
    }

    /// The exact `k` nearest (nearest first; ties by smaller id), among admitted ids.
    public func search(_ query: [Float], k: Int, filter: SearchFilter? = nil) throws(VectorIndexError) -> [SearchResult] {
        guard k >= 1, k <= 100_000 else { throw VectorIndexError("k must be 1...100000, not \(k)") }
        let prepared = try metric.prepare(query, dimensions: dimensions)
        return lock.read {
            var heap = NeighborHeap(farthestFirst: true, capacity: k + 1)
            defer { heap.release() }
            prepared.withUnsafeBufferPointer { q in
                vectors.withUnsafeBufferPointer { all in
                    for slot in ids.indices {
                        if let filter, !filter.admits(ids[slot]) { continue }
                        let d = metric.distance(q.baseAddress!, all.baseAddress! + slot * dimensions, count: dimensions)
                        heap.keepNearest(k, d, UInt32(slot))
                    }
                }
            }
            return heap.elements.map { SearchResult(id: ids[Int($0.slot)], distance: $0.distance) }
                .sorted { ($0.distance, $0.id) < ($1.distance, $1.id) }
        }
    }
}
