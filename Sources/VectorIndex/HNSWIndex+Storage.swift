#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

extension HNSWIndex {
    /// The index's memory: vectors back to back (float32), layer-0 links in fixed blocks of
    /// `1 + M0` UInt32s per slot (count, then links) so a search reads them without
    /// indirection, and the few upper-layer link lists per slot. Slots only grow; a deleted
    /// slot keeps its vector and links (the graph still routes through it).
    final class Storage {
        let dimensions: Int
        let linksPerNode0: Int
        private(set) var capacity = 0
        private(set) var slotCount = 0
        private(set) var vectors = UnsafeMutablePointer<Float>.allocate(capacity: 0)
        private(set) var layer0 = UnsafeMutablePointer<UInt32>.allocate(capacity: 0)
        /// upper[slot][layer − 1]: links on layers 1...level of the slot.
        private(set) var upper: [[[UInt32]]] = []
        private(set) var levels: [UInt8] = []
        private(set) var ids: [Int64] = []
        private(set) var slotOf: [Int64: UInt32] = [:]
        private(set) var deleted: [Bool] = []
        private(set) var deletedCount = 0
        /// A loaded file mapped copy-on-write: `vectors` and `layer0` point into it until the
        /// first growth copies them out.
        private var mapping: UnsafeMutableRawBufferPointer?

        init(dimensions: Int, linksPerNode0: Int) {
            self.dimensions = dimensions
            self.linksPerNode0 = linksPerNode0
        }

        /// Adopts sections of a mapped file (already validated by the loader).
        init(dimensions: Int, linksPerNode0: Int, mapping: UnsafeMutableRawBufferPointer, vectors: UnsafeMutablePointer<Float>,
             layer0: UnsafeMutablePointer<UInt32>, upper: [[[UInt32]]], levels: [UInt8], ids: [Int64], deleted: [Bool]) {
            self.dimensions = dimensions
            self.linksPerNode0 = linksPerNode0
            self.mapping = mapping
            self.vectors = vectors
            self.layer0 = layer0
            self.upper = upper
            self.levels = levels
            self.ids = ids
            self.deleted = deleted
            capacity = ids.count
            slotCount = ids.count
            for (slot, id) in ids.enumerated() where !deleted[slot] { slotOf[id] = UInt32(slot) }
            deletedCount = deleted.count(where: { $0 })
        }

        deinit { release() }

        private func release() {
            if let mapping {
                munmap(mapping.baseAddress, mapping.count)
            } else {
                vectors.deallocate()
                layer0.deallocate()
            }
        }

        var blockSize: Int { 1 + linksPerNode0 }
        /// The vectors' and layer-0 links' current addresses, for a search to hold in locals
        /// (valid while the caller holds the index's lock: growth moves them).
        var vectorBase: UnsafePointer<Float> { UnsafePointer(vectors) }
        var layer0Base: UnsafePointer<UInt32> { UnsafePointer(layer0) }

        /// Bytes held by vectors, links and id maps (for reports; not the process's total).
        var byteCount: Int {
            let upperLinks = upper.reduce(0) { $0 + $1.reduce(0) { $0 + 4 * $1.count + 32 } }
            return capacity * (4 * dimensions + 4 * blockSize + 8 + 2) + upperLinks + slotOf.count * 24
        }

        func append(id: Int64, vector: [Float], level: Int) -> UInt32 {
            if slotCount == capacity { grow(to: max(1_024, capacity * 2)) }
            let slot = slotCount
            vector.withUnsafeBufferPointer { (vectors + slot * dimensions).update(from: $0.baseAddress!, count: dimensions) }
            layer0[slot * blockSize] = 0
            upper.append(Array(repeating: [], count: level))
            levels.append(UInt8(level))
            ids.append(id)
            deleted.append(false)
            slotOf[id] = UInt32(slot)
            slotCount += 1
            return UInt32(slot)
        }

        private func grow(to newCapacity: Int) {
            let newVectors = UnsafeMutablePointer<Float>.allocate(capacity: newCapacity * dimensions)
            newVectors.update(from: vectors, count: slotCount * dimensions)
            let newLinks = UnsafeMutablePointer<UInt32>.allocate(capacity: newCapacity * blockSize)
            newLinks.update(from: layer0, count: slotCount * blockSize)
            release()
            mapping = nil
            vectors = newVectors
            layer0 = newLinks
            capacity = newCapacity
        }

        @inline(__always)
        func vector(_ slot: UInt32) -> UnsafePointer<Float> { UnsafePointer(vectors + Int(slot) * dimensions) }

        @inline(__always)
        func withLayer0Links<T>(_ slot: UInt32, _ body: (UnsafeBufferPointer<UInt32>) -> T) -> T {
            let block = layer0 + Int(slot) * blockSize
            return body(UnsafeBufferPointer(start: block + 1, count: Int(block.pointee)))
        }

        func links(_ slot: UInt32, layer: Int) -> [UInt32] {
            layer == 0 ? withLayer0Links(slot) { Array($0) } : upper[Int(slot)][layer - 1]
        }

        func setLinks(_ slot: UInt32, layer: Int, to links: [UInt32]) {
            if layer == 0 {
                precondition(links.count <= linksPerNode0, "layer-0 list over M0")
                let block = layer0 + Int(slot) * blockSize
                block.pointee = UInt32(links.count)
                links.withUnsafeBufferPointer { (block + 1).update(from: $0.baseAddress!, count: links.count) }
            } else {
                upper[Int(slot)][layer - 1] = links
            }
        }

        func appendLink(_ slot: UInt32, layer: Int, _ link: UInt32) {
            if layer == 0 {
                let block = layer0 + Int(slot) * blockSize
                precondition(Int(block.pointee) < linksPerNode0, "layer-0 list over M0")
                block[1 + Int(block.pointee)] = link
                block.pointee += 1
            } else {
                upper[Int(slot)][layer - 1].append(link)
            }
        }

        @inline(__always)
        func isDeleted(_ slot: UInt32) -> Bool { deleted[Int(slot)] }

        func markDeleted(_ slot: UInt32) {
            guard !deleted[Int(slot)] else { return }
            deleted[Int(slot)] = true
            deletedCount += 1
            slotOf[ids[Int(slot)]] = nil
        }
    }
}
