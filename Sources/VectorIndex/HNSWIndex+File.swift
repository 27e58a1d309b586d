import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// The index file: one file, memory-mapped on load, so opening a large index costs a checksum
/// pass and the id map, not a rebuild.
///
/// Layout (little-endian; every section starts at a multiple of 8):
/// - header, 128 bytes: magic `PANTRYHN`, version (u32), metric (u32), dimensions (u32),
///   M (u32), efConstruction (u32), top layer (u32), seed (u64), level-stream state (u64),
///   slots (u64), entry point (i64, −1 for none), upper-layer bytes (u64), zeros;
/// - vectors: slots × dimensions float32;
/// - layer 0: slots × (1 + 2M) u32, each a count then the links;
/// - ids: slots × i64; levels: slots × u8; deleted: slots × u8 (0 or 1);
/// - upper layers: for each slot with a level above 0, for each of its layers, a count (u32)
///   then the links (u32);
/// - checksum (u64) of everything before it.
///
/// Loading checks every count, link and offset before use, so a truncated, corrupt or hostile
/// file is an error naming what is wrong, never a crash.
extension HNSWIndex {
    static let magic = Array("PANTRYHN".utf8)
    static let fileVersion: UInt32 = 1
    static let headerSize = 128

    struct FileLayout {
        let vectors: Int, layer0: Int, ids: Int, levels: Int, deleted: Int, upper: Int, checksum: Int, total: Int

        /// Offsets for a file of `slots` slots; nil when they overflow.
        init?(slots: Int, dimensions: Int, linksPerNode0: Int, upperBytes: Int) {
            func padded(_ bytes: Int) -> Int? { bytes > Int.max - 7 ? nil : (bytes + 7) & ~7 }
            func product(_ a: Int, _ b: Int) -> Int? { let (r, o) = a.multipliedReportingOverflow(by: b); return o ? nil : r }
            func sum(_ a: Int, _ b: Int) -> Int? { let (r, o) = a.addingReportingOverflow(b); return o ? nil : r }
            guard let vectorBytes = product(slots, dimensions).flatMap({ product($0, 4) }).flatMap(padded),
                  let linkBytes = product(slots, linksPerNode0 + 1).flatMap({ product($0, 4) }).flatMap(padded),
                  let idBytes = product(slots, 8), let byteSection = padded(slots), let upperSection = padded(upperBytes),
                  let layer0 = sum(HNSWIndex.headerSize, vectorBytes), let ids = sum(layer0, linkBytes),
                  let levels = sum(ids, idBytes), let deleted = sum(levels, byteSection), let upper = sum(deleted, byteSection),
                  let checksum = sum(upper, upperSection), let total = sum(checksum, 8) else { return nil }
            (self.vectors, self.layer0, self.ids, self.levels, self.deleted, self.upper, self.checksum, self.total) =
                (HNSWIndex.headerSize, layer0, ids, levels, deleted, upper, checksum, total)
        }
    }

    // MARK: Save

    /// Writes the index to `path` atomically (a temporary file renamed into place).
    public func save(to path: String) throws {
        try lock.read {
            let slots = storage.slotCount
            var upper: [UInt32] = []
            for slot in 0..<slots {
                for layer in stride(from: 1, through: storage.level(UInt32(slot)), by: 1) {
                    let links = storage.links(UInt32(slot), layer: layer)
                    upper.append(UInt32(links.count))
                    upper.append(contentsOf: links)
                }
            }
            guard let layout = FileLayout(slots: slots, dimensions: dimensions, linksPerNode0: M0, upperBytes: upper.count * 4) else {
                throw VectorIndexError("index too large to save")
            }
            var header = [UInt8](repeating: 0, count: Self.headerSize)
            func put<T: FixedWidthInteger>(_ value: T, at offset: Int) {
                withUnsafeBytes(of: value.littleEndian) { header.replaceSubrange(offset..<offset + $0.count, with: $0) }
            }
            header.replaceSubrange(0..<8, with: Self.magic)
            put(Self.fileVersion, at: 8)
            put(UInt32(Metric.allCases.firstIndex(of: metric)!), at: 12)
            put(UInt32(dimensions), at: 16)
            put(UInt32(M), at: 20)
            put(UInt32(parameters.efConstruction), at: 24)
            put(UInt32(maxLevel), at: 28)
            put(parameters.seed, at: 32)
            put(randomState, at: 40)
            put(UInt64(slots), at: 48)
            put(entryPoint.map { Int64($0) } ?? -1, at: 56)
            put(UInt64(upper.count * 4), at: 64)

            let writer = try FileWriter(path: path)
            try writer.write(header)
            try writer.write(UnsafeRawBufferPointer(start: storage.vectors, count: slots * dimensions * 4), padTo: layout.layer0 - layout.vectors)
            try writer.write(UnsafeRawBufferPointer(start: storage.layer0, count: slots * (M0 + 1) * 4), padTo: layout.ids - layout.layer0)
            try storage.ids.map(\.littleEndian).withUnsafeBytes { try writer.write($0, padTo: layout.levels - layout.ids) }
            try writer.write((0..<slots).map { UInt8(storage.level(UInt32($0))) }, padTo: layout.deleted - layout.levels)
            try writer.write(storage.deleted.map { $0 ? 1 : 0 }, padTo: layout.upper - layout.deleted)
            try upper.map(\.littleEndian).withUnsafeBytes { try writer.write($0, padTo: layout.checksum - layout.upper) }
            try writer.finish()
        }
    }

    // MARK: Load

    /// Opens an index file written by `save`, memory-mapped copy-on-write.
    public static func load(from path: String) throws -> HNSWIndex {
        #if _endian(big)
        throw VectorIndexError("index files are little-endian and are mapped as they are; this machine is big-endian")
        #endif
        let descriptor = open(path, O_RDONLY)
        guard descriptor >= 0 else { throw VectorIndexError("cannot open \(path): \(String(cString: strerror(errno)))") }
        defer { close(descriptor) }
        var status = stat()
        guard fstat(descriptor, &status) == 0 else { throw VectorIndexError("cannot read \(path): \(String(cString: strerror(errno)))") }
        let size = Int(status.st_size)
        guard size >= headerSize + 8 else { throw VectorIndexError("\(path) is not a Pantry index: \(size) bytes, shorter than a header") }
        guard let base = mmap(nil, size, PROT_READ | PROT_WRITE, MAP_PRIVATE, descriptor, 0), base != MAP_FAILED else {
            throw VectorIndexError("cannot map \(path): \(String(cString: strerror(errno)))")
        }
        let mapping = UnsafeMutableRawBufferPointer(start: base, count: size)
        do {
            return try adopt(mapping, path: path)
        } catch {
            munmap(base, size)
            throw error
        }
    }

    private static func adopt(_ file: UnsafeMutableRawBufferPointer, path: String) throws -> HNSWIndex {
        func fail(_ what: String) -> VectorIndexError { VectorIndexError("\(path): \(what)") }
        func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T { T(littleEndian: file.loadUnaligned(fromByteOffset: offset, as: T.self)) }
        guard Array(file[0..<8]) == magic else { throw fail("not a Pantry index (wrong magic bytes)") }
        let version = read(UInt32.self, at: 8)
        guard version == fileVersion else { throw fail("file version \(version), this Pantry reads version \(fileVersion)") }
        let metricCode = Int(read(UInt32.self, at: 12))
        guard metricCode < Metric.allCases.count else { throw fail("unknown metric code \(metricCode)") }
        let metric = Metric.allCases[metricCode]
        let dimensions = Int(read(UInt32.self, at: 16)), M = Int(read(UInt32.self, at: 20))
        let efConstruction = Int(read(UInt32.self, at: 24)), maxLevel = Int(read(UInt32.self, at: 28))
        let seed = read(UInt64.self, at: 32), random = read(UInt64.self, at: 40)
        guard let slots = Int(exactly: read(UInt64.self, at: 48)), let upperBytes = Int(exactly: read(UInt64.self, at: 64)) else {
            throw fail("counts out of range")
        }
        let entry = read(Int64.self, at: 56)
        let parameters = Parameters(M: M, efConstruction: efConstruction, seed: seed)
        do { _ = try HNSWIndex(dimensions: dimensions, metric: metric, parameters: parameters) } catch { throw fail(error.description) }
        guard maxLevel <= 30 else { throw fail("top layer \(maxLevel) above 30") }
        let M0 = 2 * M
        guard let layout = FileLayout(slots: slots, dimensions: dimensions, linksPerNode0: M0, upperBytes: upperBytes),
              layout.total == file.count else {
            throw fail("truncated or padded: \(file.count) bytes for \(slots) slots of \(dimensions) dimensions")
        }
        guard checksum(UnsafeRawBufferPointer(rebasing: file[0..<layout.checksum])) == read(UInt64.self, at: layout.checksum) else {
            throw fail("checksum mismatch (the file is corrupt)")
        }
        guard entry == -1 ? slots == 0 : (0..<Int64(slots)).contains(entry) else { throw fail("entry point \(entry) outside 0..<\(slots)") }

        let layer0 = (file.baseAddress! + layout.layer0).assumingMemoryBound(to: UInt32.self)
        for slot in 0..<slots {
            let block = layer0 + slot * (M0 + 1)
            let count = Int(UInt32(littleEndian: block.pointee))
            guard count <= M0 else { throw fail("slot \(slot) has \(count) layer-0 links, more than \(M0)") }
            for i in 1...max(count, 1) where i <= count {
                guard Int(UInt32(littleEndian: block[i])) < slots else { throw fail("slot \(slot) links to a slot outside the index") }
            }
        }
        let ids = (0..<slots).map { read(Int64.self, at: layout.ids + 8 * $0) }
        let levels = Array(file[layout.levels..<layout.levels + slots])
        guard levels.allSatisfy({ Int($0) <= maxLevel }) else { throw fail("a slot's level is above the top layer") }
        var deleted: [Bool] = []
        deleted.reserveCapacity(slots)
        for byte in file[layout.deleted..<layout.deleted + slots] {
            guard byte <= 1 else { throw fail("deleted flags must be 0 or 1") }
            deleted.append(byte == 1)
        }
        var seen = Set<Int64>()
        for slot in 0..<slots where !deleted[slot] {
            guard seen.insert(ids[slot]).inserted else { throw fail("id \(ids[slot]) appears twice") }
        }
        var upper = [[[UInt32]]](repeating: [], count: slots)
        var offset = layout.upper
        let end = layout.upper + upperBytes
        for slot in 0..<slots where levels[slot] > 0 {
            for _ in 0..<Int(levels[slot]) {
                guard offset + 4 <= end else { throw fail("upper-layer links end early") }
                let count = Int(read(UInt32.self, at: offset))
                offset += 4
                guard count <= M, offset + 4 * count <= end else { throw fail("slot \(slot) has a bad upper-layer link count") }
                let links = (0..<count).map { read(UInt32.self, at: offset + 4 * $0) }
                guard links.allSatisfy({ Int($0) < slots }) else { throw fail("slot \(slot) links to a slot outside the index") }
                upper[slot].append(links)
                offset += 4 * count
            }
        }
        guard offset == end else { throw fail("upper-layer section has \(end - offset) bytes left over") }

        let storage = Storage(dimensions: dimensions, linksPerNode0: M0, linksPerNode: M, mapping: file,
                              vectors: (file.baseAddress! + layout.vectors).assumingMemoryBound(to: Float.self),
                              layer0: layer0, upper: upper, levels: levels, ids: ids, deleted: deleted)
        return HNSWIndex(dimensions: dimensions, metric: metric, parameters: parameters, storage: storage,
                         entryPoint: entry < 0 ? nil : UInt32(entry), maxLevel: maxLevel, random: random)
    }

    /// A 64-bit checksum over 8-byte words (the length is a multiple of 8): fast enough to
    /// verify a large file on every load.
    static func checksum(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        var offset = 0
        while offset + 8 <= bytes.count {
            hash = (hash ^ UInt64(littleEndian: bytes.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) &* 0x0000_0100_0000_01B3
            hash = (hash << 31) | (hash >> 33)
            offset += 8
        }
        return hash
    }
}

/// Writes a file through a temporary name, keeping the running checksum of what was written,
/// and renames it into place only when complete.
private final class FileWriter {
    let path: String
    let temporary: String
    let handle: UnsafeMutablePointer<FILE>
    var hash = HNSWIndex.checksum(UnsafeRawBufferPointer(start: nil, count: 0))
    var pending: [UInt8] = []
    var finished = false

    init(path: String) throws {
        self.path = path
        temporary = path + ".partial-\(getpid())"
        guard let handle = fopen(temporary, "wb") else {
            throw VectorIndexError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        self.handle = handle
    }

    deinit {
        if !finished {
            fclose(handle)
            unlink(temporary)
        }
    }

    func write(_ bytes: [UInt8], padTo length: Int? = nil) throws {
        try bytes.withUnsafeBytes { buffer in try write(buffer, padTo: length) }
    }

    /// Writes `bytes`, then zeros up to `length` bytes in all.
    func write(_ bytes: UnsafeRawBufferPointer, padTo length: Int? = nil) throws {
        let padding = max(0, (length ?? bytes.count) - bytes.count)
        try emit(bytes)
        if padding > 0 { try [UInt8](repeating: 0, count: padding).withUnsafeBytes { buffer in try emit(buffer) } }
    }

    /// Sections are 8-byte multiples once padded, but one call may end mid-word: the hash
    /// takes whole words, carrying the rest to the next call.
    private func emit(_ bytes: UnsafeRawBufferPointer) throws {
        guard bytes.count > 0 else { return }
        guard fwrite(bytes.baseAddress, 1, bytes.count, handle) == bytes.count else {
            throw VectorIndexError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        pending.append(contentsOf: bytes)
        let whole = pending.count & ~7
        if whole >= 1 << 20 || whole == pending.count { flushHash(whole) }
    }

    private func flushHash(_ whole: Int) {
        guard whole > 0 else { return }
        pending.withUnsafeBytes { buffer in
            var hash = self.hash
            var offset = 0
            while offset < whole {
                hash = (hash ^ UInt64(littleEndian: buffer.loadUnaligned(fromByteOffset: offset, as: UInt64.self))) &* 0x0000_0100_0000_01B3
                hash = (hash << 31) | (hash >> 33)
                offset += 8
            }
            self.hash = hash
        }
        pending.removeFirst(whole)
    }

    func finish() throws {
        flushHash(pending.count & ~7)
        guard pending.isEmpty else { throw VectorIndexError("internal error: sections not 8-byte aligned") }
        var trailer = hash.littleEndian
        guard fwrite(&trailer, 8, 1, handle) == 1, fflush(handle) == 0, fsync(fileno(handle)) == 0 else {
            throw VectorIndexError("cannot write \(temporary): \(String(cString: strerror(errno)))")
        }
        fclose(handle)
        finished = true
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw VectorIndexError("cannot rename \(temporary) to \(path): \(String(cString: strerror(errno)))")
        }
    }
}
