import CVectorKernels
import Dispatch
import Foundation
import Synchronization

/// Approximate nearest-neighbour search with a hierarchical navigable small-world graph
/// (Malkov & Yashunin, 2018), the algorithm in this one file; storage is in
/// `HNSWIndex+Storage.swift`.
///
/// Parameters are named as in the paper: each node keeps up to `M` links on the upper layers
/// and `M0 = 2·M` on layer 0; a node's top layer is drawn as ⌊−ln(U)·mL⌋ with mL = 1/ln M;
/// insertion searches each layer with `efConstruction` candidates and keeps links chosen by the
/// neighbour-selection heuristic (Algorithm 4: a candidate is kept only if it is nearer to the
/// new node than to every neighbour already kept); a query searches layer 0 with `ef`.
///
/// Ids are the caller's `Int64`s, mapped to internal slots. Deleting marks a tombstone:
/// searches walk through deleted nodes but never return them; `compacted()` rebuilds the graph
/// from the live vectors so recall does not decay after many deletes.
///
/// Concurrency: any number of searches run at once; `add`, `remove` and `compact` take the
/// index alone (a readers-writer lock), so a search sees the index before or after a change,
/// never halfway through one.
public final class HNSWIndex: @unchecked Sendable {
    public struct Parameters: Sendable, Equatable {
        /// Links per node on the upper layers (layer 0 keeps `2·M`).
        public var M: Int
        /// Candidates kept while inserting.
        public var efConstruction: Int
        /// Seed of the level draws: one thread and one seed build the same graph.
        public var seed: UInt64

        public init(M: Int = 16, efConstruction: Int = 200, seed: UInt64 = 100) {
            self.M = M
            self.efConstruction = efConstruction
            self.seed = seed
        }
    }

    public let dimensions: Int
    public let metric: Metric
    public let parameters: Parameters
    var M: Int { parameters.M }
    var M0: Int { 2 * parameters.M }
    let levelMultiplier: Double

    let storage: Storage
    var entryPoint: UInt32?
    var maxLevel = 0
    private var random: UInt64
    let lock = ReadWriteLock()
    private let visitedPool = Mutex<[VisitedSet]>([])

    public init(dimensions: Int, metric: Metric, parameters: Parameters = Parameters()) throws(VectorIndexError) {
        guard (1...16_000).contains(dimensions) else { throw VectorIndexError("dimensions must be 1...16000, not \(dimensions)") }
        _ = try VectorKernels.tier()
        guard (2...256).contains(parameters.M) else { throw VectorIndexError("M must be 2...256, not \(parameters.M)") }
        guard (1...100_000).contains(parameters.efConstruction) else {
            throw VectorIndexError("efConstruction must be 1...100000, not \(parameters.efConstruction)")
        }
        self.dimensions = dimensions
        self.metric = metric
        self.parameters = parameters
        levelMultiplier = 1 / log(Double(parameters.M))
        storage = Storage(dimensions: dimensions, linksPerNode0: 2 * parameters.M, linksPerNode: parameters.M)
        random = parameters.seed
    }

    /// An index around loaded storage (see `HNSWIndex+File.swift`).
    init(dimensions: Int, metric: Metric, parameters: Parameters, storage: Storage, entryPoint: UInt32?, maxLevel: Int, random: UInt64) {
        self.dimensions = dimensions
        self.metric = metric
        self.parameters = parameters
        levelMultiplier = 1 / log(Double(parameters.M))
        self.storage = storage
        self.entryPoint = entryPoint
        self.maxLevel = maxLevel
        self.random = random
    }

    /// The level-draw stream's state, saved so inserts after a reload stay deterministic.
    var randomState: UInt64 { random }

    /// Live (not deleted) vectors.
    public var count: Int { lock.read { storage.slotOf.count } }

    // MARK: Insert

    /// Adds a vector under `id`; an id already present gets the new vector (the old one is
    /// deleted and the new one inserted).
    public func add(id: Int64, vector: [Float]) throws(VectorIndexError) {
        let prepared = try metric.prepare(vector, dimensions: dimensions)
        lock.write {
            if let old = storage.slotOf[id] { storage.markDeleted(old) }
            insert(id: id, vector: prepared)
        }
    }

    /// Adds many vectors, linking them on `threads` threads. With one thread the graph is the
    /// one the same `add(id:vector:)` calls would build (levels are drawn in batch order).
    /// Ids already present get the new vector; an id twice in the batch is an error.
    public func add(ids: [Int64], vectors: [[Float]], threads: Int = 1, progress: (@Sendable (Int) -> Void)? = nil) throws(VectorIndexError) {
        guard ids.count == vectors.count else { throw VectorIndexError("\(ids.count) ids for \(vectors.count) vectors") }
        guard (1...256).contains(threads) else { throw VectorIndexError("threads must be 1...256, not \(threads)") }
        var seen = Set<Int64>(minimumCapacity: ids.count)
        for id in ids where !seen.insert(id).inserted { throw VectorIndexError("id \(id) appears twice in the batch") }
        // Checked up front (nothing is added unless all are good), prepared one at a time as
        // they are stored, so a large batch is never copied whole.
        for (index, vector) in vectors.enumerated() {
            do { try metric.check(vector, dimensions: dimensions) } catch {
                throw VectorIndexError("vector \(index) (id \(ids[index])): \(error.description)")
            }
        }
        lock.write {
            storage.reserve(storage.slotCount + ids.count)
            let first = storage.slotCount
            for (id, vector) in zip(ids, vectors) {
                if let old = storage.slotOf[id] { storage.markDeleted(old) }
                _ = storage.append(id: id, vector: metric.prepared(checked: vector), level: drawLevel())
            }
            let slots = first..<storage.slotCount
            if threads == 1 {
                for slot in slots {
                    link(UInt32(slot), locks: nil)
                    if (slot - first) % 1_000 == 999 { progress?(slot - first + 1) }
                }
            } else {
                let locks = NodeLocks(count: storage.slotCount)
                let next = Mutex(slots.lowerBound)
                DispatchQueue.concurrentPerform(iterations: threads) { _ in
                    while true {
                        let slot = next.withLock { value -> Int in defer { value += 1 }; return value }
                        guard slot < slots.upperBound else { return }
                        link(UInt32(slot), locks: locks)
                        if (slot - first) % 1_000 == 999 { progress?(slot - first + 1) }
                    }
                }
            }
            progress?(slots.count)
        }
    }

    private func insert(id: Int64, vector: [Float]) {
        link(storage.append(id: id, vector: vector, level: drawLevel()), locks: nil)
    }

    /// Algorithm 1: links a stored slot into the graph. With `locks`, other threads link other
    /// slots at the same time: every read or rewrite of a link list holds that node's lock, and
    /// the entry point is read, and raised by a node above the top layer, under the global lock
    /// (held through such a node's whole insertion, as hnswlib does).
    private func link(_ slot: UInt32, locks: NodeLocks?) {
        let level = storage.level(slot)
        if let locks { pthread_mutex_lock(locks.global) }
        let topLevel = maxLevel
        let entryCopy = entryPoint
        var holdsGlobal = locks != nil
        if let locks, level <= topLevel, entryCopy != nil {
            pthread_mutex_unlock(locks.global)
            holdsGlobal = false
        }
        defer { if holdsGlobal, let locks { pthread_mutex_unlock(locks.global) } }
        guard let entry = entryCopy else {
            entryPoint = slot
            maxLevel = level
            return
        }
        let query = storage.vector(slot)
        var nearest = entry
        var nearestDistance = distance(query, nearest)
        // Greedy descent through the layers above the new node's top layer.
        if topLevel > level {
            for layer in stride(from: topLevel, to: level, by: -1) {
                (nearest, nearestDistance) = greedyClosest(query, from: nearest, distance: nearestDistance, layer: layer, locks: locks)
            }
        }
        var entries = [NeighborHeap.Element(distance: nearestDistance, slot: nearest)]
        for layer in stride(from: min(level, topLevel), through: 0, by: -1) {
            let found = searchLayer(query, entries: entries, ef: parameters.efConstruction, layer: layer, admits: nil, locks: locks)
            let chosen = selectNeighbors(found, max: M)
            withLock(locks, slot) { storage.setLinks(slot, layer: layer, to: chosen.map(\.slot)) }
            for neighbor in chosen { connect(neighbor.slot, to: slot, distance: neighbor.distance, layer: layer, locks: locks) }
            entries = found
        }
        if level > topLevel {
            entryPoint = slot
            maxLevel = level
        }
    }

    @inline(__always)
    private func withLock<T>(_ locks: NodeLocks?, _ slot: UInt32, _ body: () -> T) -> T {
        if let locks { locks.withLock(slot, body) } else { body() }
    }

    /// ⌊−ln(U)·mL⌋ for U uniform in (0, 1], from a seeded SplitMix64 stream.
    private func drawLevel() -> Int {
        random &+= 0x9E37_79B9_7F4A_7C15
        var z = random
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        z ^= z >> 31
        let uniform = Double((z >> 11) + 1) * 0x1p-53
        return min(Int(-log(uniform) * levelMultiplier), 30)
    }

    /// Adds `newcomer` to `node`'s links on `layer`; a full list is shrunk by the heuristic.
    private func connect(_ node: UInt32, to newcomer: UInt32, distance: Float, layer: Int, locks: NodeLocks?) {
        withLock(locks, node) { connect(node, to: newcomer, distance: distance, layer: layer) }
    }

    private func connect(_ node: UInt32, to newcomer: UInt32, distance: Float, layer: Int) {
        let limit = layer == 0 ? M0 : M
        var links = storage.links(node, layer: layer)
        if links.count < limit {
            storage.appendLink(node, layer: layer, newcomer)
            return
        }
        let base = storage.vector(node)
        var candidates = links.map { NeighborHeap.Element(distance: self.distance(base, $0), slot: $0) }
        candidates.append(NeighborHeap.Element(distance: distance, slot: newcomer))
        links = selectNeighbors(candidates, max: limit).map(\.slot)
        storage.setLinks(node, layer: layer, to: links)
    }

    /// The neighbour-selection heuristic (Algorithm 4, without extending candidates): nearest
    /// first, a candidate is kept when it is nearer to the base than to every one kept so far,
    /// which spreads links over directions instead of crowding one cluster.
    private func selectNeighbors(_ candidates: [NeighborHeap.Element], max limit: Int) -> [NeighborHeap.Element] {
        let sorted = candidates.sorted { $0.distance < $1.distance }
        guard sorted.count > limit else { return sorted }
        var kept: [NeighborHeap.Element] = []
        kept.reserveCapacity(limit)
        for candidate in sorted {
            let vector = storage.vector(candidate.slot)
            if kept.allSatisfy({ distance(vector, $0.slot) > candidate.distance }) {
                kept.append(candidate)
                if kept.count == limit { break }
            }
        }
        return kept
    }

    // MARK: Search

    /// The `k` nearest live vectors to `query` (nearest first), searching layer 0 with
    /// `max(ef, k)` candidates. A filter is applied during the walk; a small allow-list is
    /// answered by an exact scan instead, when that costs fewer distance computations.
    public func search(_ query: [Float], k: Int, ef: Int = 64, filter: SearchFilter? = nil) throws(VectorIndexError) -> [SearchResult] {
        guard k >= 1, k <= 100_000 else { throw VectorIndexError("k must be 1...100000, not \(k)") }
        guard ef >= 1, ef <= 100_000 else { throw VectorIndexError("ef must be 1...100000, not \(ef)") }
        return try search(query, k: k, ef: ef, filter: filter, exactScanAllowed: true)
    }

    /// `exactScanAllowed: false` forces the graph walk (tests compare both paths).
    func search(_ query: [Float], k: Int, ef: Int, filter: SearchFilter?, exactScanAllowed: Bool) throws(VectorIndexError) -> [SearchResult] {
        let prepared = try metric.prepare(query, dimensions: dimensions)
        return lock.read {
            prepared.withUnsafeBufferPointer {
                searchLocked($0.baseAddress!, k: k, ef: max(ef, k), filter: filter, exactScanAllowed: exactScanAllowed)
            }
        }
    }

    private func searchLocked(_ query: UnsafePointer<Float>, k: Int, ef: Int, filter: SearchFilter?, exactScanAllowed: Bool) -> [SearchResult] {
        guard let entry = entryPoint, !storage.slotOf.isEmpty else { return [] }
        if exactScanAllowed, let filter, filter.mode == .allow, prefersExactScan(allowed: filter.ids.count, ef: ef) {
            return exactScan(query, k: k, ids: filter.ids)
        }
        var nearest = entry
        var nearestDistance = distance(query, entry)
        for layer in stride(from: maxLevel, to: 0, by: -1) {
            (nearest, nearestDistance) = greedyClosest(query, from: nearest, distance: nearestDistance, layer: layer)
        }
        let admits: ((UInt32) -> Bool)?
        switch (filter, storage.deletedCount > 0) {
        case (nil, false): admits = nil
        case (nil, true): admits = { [storage] in !storage.isDeleted($0) }
        case (let filter?, _): admits = { [storage] in !storage.isDeleted($0) && filter.admits(storage.ids[Int($0)]) }
        }
        let found = searchLayer(query, entries: [NeighborHeap.Element(distance: nearestDistance, slot: nearest)],
                                ef: ef, layer: 0, admits: admits)
        return found.sorted { $0.distance < $1.distance }.prefix(k)
            .map { SearchResult(id: storage.ids[Int($0.slot)], distance: $0.distance) }
    }

    /// A graph walk finds `ef` admitted nodes after about ef·M0·n/allowed distance
    /// computations; a scan of the allowed ids costs `allowed`. Scan when that is smaller.
    func prefersExactScan(allowed: Int, ef: Int) -> Bool {
        Double(allowed) * Double(allowed) < Double(ef) * Double(M0) * Double(storage.slotOf.count)
    }

    private func exactScan(_ query: UnsafePointer<Float>, k: Int, ids: Set<Int64>) -> [SearchResult] {
        var heap = NeighborHeap(farthestFirst: true, capacity: k + 1)
        defer { heap.release() }
        for id in ids {
            guard let slot = storage.slotOf[id] else { continue }
            let d = distance(query, slot)
            heap.keepNearest(k, d, slot)
        }
        return heap.elements.sorted { $0.distance < $1.distance }.map { SearchResult(id: storage.ids[Int($0.slot)], distance: $0.distance) }
    }

    /// Follows links on `layer` to the node nearest `query` (ef = 1).
    private func greedyClosest(_ query: UnsafePointer<Float>, from start: UInt32, distance startDistance: Float, layer: Int,
                               locks: NodeLocks? = nil) -> (UInt32, Float) {
        var current = start, best = startDistance
        var improved = true
        while improved {
            improved = false
            let links = withLock(locks, current) { storage.links(current, layer: layer) }
            for neighbor in links {
                let d = distance(query, neighbor)
                if d < best { best = d; current = neighbor; improved = true }
            }
        }
        return (current, best)
    }

    /// Algorithm 2: the `ef` nearest admitted nodes reachable from `entries` on `layer`.
    /// Nodes that are not admitted (deleted, filtered out) are walked through but not
    /// returned, and the walk goes on until `ef` admitted ones are found or nothing nearer
    /// remains, so a selective filter does not starve the result.
    ///
    /// The hot loop reads the vectors, links and marks through local pointers (no class
    /// property access, so no exclusivity checks) and picks the kernel once.
    private func searchLayer(_ query: UnsafePointer<Float>, entries: [NeighborHeap.Element], ef: Int, layer: Int,
                             admits: ((UInt32) -> Bool)?, locks: NodeLocks? = nil) -> [NeighborHeap.Element] {
        let visited = borrowVisited()
        defer { returnVisited(visited) }
        let marks = visited.marks, epoch = visited.epoch
        let vectors = storage.vectorBase, layer0 = storage.layer0Base, blockSize = storage.blockSize
        let dimensions = self.dimensions, isL2 = metric == .l2
        @inline(__always) func distance(to slot: UInt32) -> Float {
            let vector = UnsafePointer(vectors + Int(slot) * dimensions)
            return isL2 ? Distance.squaredL2(query, vector, count: dimensions) : 1 - Distance.dot(query, vector, count: dimensions)
        }
        var candidates = NeighborHeap(farthestFirst: false, capacity: ef * 2)
        defer { candidates.release() }
        var results = NeighborHeap(farthestFirst: true, capacity: ef + 1)
        defer { results.release() }
        for entry in entries {
            marks[Int(entry.slot)] = epoch
            candidates.push(entry.distance, entry.slot)
            if admits?(entry.slot) ?? true { results.push(entry.distance, entry.slot) }
        }
        while results.count > ef { results.pop() }
        // One cache line ahead, as hnswlib does: more only fills the line-fill buffers.
        let prefetchBytes = 64
        @inline(__always) func expand(_ links: UnsafeBufferPointer<UInt32>) {
            if let first = links.first { pantry_prefetch(vectors + Int(first) * dimensions, prefetchBytes) }
            for (index, neighbor) in links.enumerated() {
                // Start loading the next neighbour's vector while this one is compared.
                if index + 1 < links.count { pantry_prefetch(vectors + Int(links[index + 1]) * dimensions, prefetchBytes) }
                let mark = marks + Int(neighbor)
                if mark.pointee == epoch { continue }
                mark.pointee = epoch
                let d = distance(to: neighbor)
                guard results.count < ef || d < results.top!.distance else { continue }
                candidates.push(d, neighbor)
                // A candidate is likely expanded soon: start loading its layer-0 links.
                pantry_prefetch(layer0 + Int(neighbor) * blockSize, 64)
                guard admits?(neighbor) ?? true else { continue }
                results.push(d, neighbor)
                if results.count > ef { results.pop() }
            }
        }
        while let nearest = candidates.pop() {
            if results.count >= ef, nearest.distance > results.top!.distance { break }
            if let locks {
                // Another builder thread may be rewriting this list: copy it under its lock, into
                // a stack buffer (a heap array per expansion made two-thread builds scale poorly).
                withUnsafeTemporaryAllocation(of: UInt32.self, capacity: storage.linksPerNode0) { copy in
                    let count = locks.withLock(nearest.slot) {
                        storage.withLinks(nearest.slot, layer: layer) { links in
                            _ = copy.initialize(fromContentsOf: links)
                            return links.count
                        }
                    }
                    expand(UnsafeBufferPointer(rebasing: copy[..<count]))
                }
            } else if layer == 0 {
                let block = layer0 + Int(nearest.slot) * blockSize
                expand(UnsafeBufferPointer(start: block + 1, count: Int(block.pointee)))
            } else {
                storage.withLinks(nearest.slot, layer: layer, expand)
            }
        }
        return results.elements
    }

    @inline(__always)
    func distance(_ query: UnsafePointer<Float>, _ slot: UInt32) -> Float {
        metric.distance(query, storage.vector(slot), count: dimensions)
    }

    private func borrowVisited() -> VisitedSet {
        let capacity = storage.slotCount
        let set = visitedPool.withLock { $0.popLast() } ?? VisitedSet(capacity: capacity)
        set.reset(capacity: capacity)
        return set
    }

    private func returnVisited(_ set: VisitedSet) { visitedPool.withLock { $0.append(set) } }

    // MARK: Delete and compact

    /// Deletes `id`; false when it was not present. Searches never return it again.
    @discardableResult
    public func remove(id: Int64) -> Bool {
        lock.write {
            guard let slot = storage.slotOf[id] else { return false }
            storage.markDeleted(slot)
            return true
        }
    }

    /// The stored vector of `id` (normalised under cosine), or nil when absent or deleted.
    public func vector(id: Int64) -> [Float]? {
        lock.read {
            storage.slotOf[id].map { Array(UnsafeBufferPointer(start: storage.vector($0), count: dimensions)) }
        }
    }

    /// Bytes held by vectors, links and the id map (not counting the process's other memory).
    public var memoryBytes: Int { lock.read { storage.byteCount } }

    /// Tombstones among the stored slots.
    public var deletedCount: Int { lock.read { storage.deletedCount } }

    /// A new index of the live vectors (same parameters), with no tombstones: recall is that
    /// of a fresh build. Worth running once deletes reach a sizeable share (say 20 %).
    public func compacted() throws(VectorIndexError) -> HNSWIndex {
        let fresh = try HNSWIndex(dimensions: dimensions, metric: metric, parameters: parameters)
        lock.read {
            for slot in 0..<storage.slotCount where !storage.isDeleted(UInt32(slot)) {
                fresh.insert(id: storage.ids[slot], vector: Array(UnsafeBufferPointer(start: storage.vector(UInt32(slot)), count: dimensions)))
            }
        }
        return fresh
    }
}
