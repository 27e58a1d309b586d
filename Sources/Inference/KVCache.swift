/// The key/value cache of one sequence: for every layer and position, the rotated key and
/// the value vector of each KV head (`kvDim` floats each).
///
/// Storage grows in chunks of ``chunkSize`` positions, so memory follows the sequence length and
/// nothing is ever copied. A cache may be *forked* from a parent (``init(parent:)``): positions
/// before the fork point are read from the parent, which is how a shared prompt prefix is
/// computed once and reused by many continuations (the prefix cache). The parent must not be
/// rewound below the fork point while children exist.
public final class KVCache: @unchecked Sendable {
    static let chunkSize = 64

    let layerCount: Int
    let kvDim: Int
    let capacityLimit: Int
    /// Positions `0..<parentLength` live in `parent`.
    let parent: KVCache?
    let parentLength: Int
    private var chunks: [ScratchBuffer<Float>] = []

    /// Number of positions filled (including those inherited from the parent).
    public internal(set) var count: Int

    init(layerCount: Int, kvDim: Int, capacityLimit: Int) {
        self.layerCount = layerCount
        self.kvDim = kvDim
        self.capacityLimit = capacityLimit
        parent = nil
        parentLength = 0
        count = 0
    }

    /// A new cache that shares `parent`'s first `parent.count` positions without copying them.
    public init(parent: KVCache) {
        layerCount = parent.layerCount
        kvDim = parent.kvDim
        capacityLimit = parent.capacityLimit
        self.parent = parent
        parentLength = parent.count
        count = parent.count
    }

    /// Discards positions from `newCount` on (never below the fork point).
    public func rewind(to newCount: Int) {
        precondition(newCount >= parentLength && newCount <= count, "cannot rewind into the shared prefix")
        count = newCount
    }

    /// Makes room for positions up to `positions` (exclusive).
    func reserve(_ positions: Int) throws {
        guard positions <= capacityLimit else { throw InferenceError.contextOverflow(needed: positions, limit: capacityLimit) }
        let own = positions - parentLength
        while chunks.count * KVCache.chunkSize < own {
            chunks.append(ScratchBuffer(count: 2 * layerCount * KVCache.chunkSize * kvDim, zeroed: false))
        }
    }

    /// Bytes of cache memory owned by this sequence (not counting the parent).
    public var ownedBytes: Int { chunks.count * 2 * layerCount * KVCache.chunkSize * kvDim * 4 }

    @inline(__always)
    private func slot(_ layer: Int, _ pos: Int, _ which: Int) -> UnsafeMutablePointer<Float> {
        if pos < parentLength { return parent!.slot(layer, pos, which) }
        let p = pos - parentLength
        let chunk = chunks[p / KVCache.chunkSize]
        let inChunk = p % KVCache.chunkSize
        return chunk.pointer + ((layer * 2 + which) * KVCache.chunkSize + inChunk) * kvDim
    }

    /// The longest run of positions starting at `pos` whose keys (and values) are contiguous
    /// in memory (stride `kvDim`), for attention loops that must not look up every position.
    @inline(__always)
    func run(_ layer: Int, from pos: Int) -> (keys: UnsafeMutablePointer<Float>, values: UnsafeMutablePointer<Float>, count: Int) {
        if pos < parentLength {
            let r = parent!.run(layer, from: pos)
            return (r.keys, r.values, min(r.count, parentLength - pos))
        }
        let p = pos - parentLength
        let chunk = chunks[p / KVCache.chunkSize].pointer
        let inChunk = p % KVCache.chunkSize
        let keys = chunk + (layer * 2 * KVCache.chunkSize + inChunk) * kvDim
        return (keys, keys + KVCache.chunkSize * kvDim, KVCache.chunkSize - inChunk)
    }

    /// Key vector (all KV heads) of `layer` at `pos`.
    @inline(__always) func key(_ layer: Int, _ pos: Int) -> UnsafeMutablePointer<Float> { slot(layer, pos, 0) }
    /// Value vector (all KV heads) of `layer` at `pos`.
    @inline(__always) func value(_ layer: Int, _ pos: Int) -> UnsafeMutablePointer<Float> { slot(layer, pos, 1) }
}
