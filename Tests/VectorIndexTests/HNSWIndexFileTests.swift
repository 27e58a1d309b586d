import Foundation
import Testing
@testable import VectorIndex

@Suite("HNSW index files")
struct HNSWIndexFileTests {
    typealias Fixture = VectorIndexFixture

    func temporaryPath() -> String { NSTemporaryDirectory() + "pantry-index-\(UUID().uuidString).hnsw" }

    func built(metric: Metric = .cosine, count: Int = 1_000) throws -> (HNSWIndex, [[Float]]) {
        let (base, queries) = Fixture.clustered(count: count, queries: 20)
        let index = try HNSWIndex(dimensions: 32, metric: metric, parameters: .init(M: 8, efConstruction: 40))
        for (id, vector) in base.enumerated() { try index.add(id: Int64(id) * 7 - 500, vector: vector) }
        for id in stride(from: Int64(-500), to: 1_000, by: 70) { index.remove(id: id) }
        return (index, queries)
    }

    @Test("save then load gives identical results, ids and tombstones included; the loaded index takes inserts", arguments: Metric.allCases)
    func roundTrip(metric: Metric) throws {
        let (index, queries) = try built(metric: metric)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try index.save(to: path)
        let loaded = try HNSWIndex.load(from: path)
        #expect(loaded.count == index.count && loaded.deletedCount == index.deletedCount)
        #expect(loaded.metric == metric && loaded.parameters == index.parameters)
        for query in queries { #expect(try loaded.search(query, k: 10, ef: 40) == index.search(query, k: 10, ef: 40)) }
        // Inserting copies the mapped sections out; results stay those of the same inserts.
        let extra = Fixture.uniform(count: 1_500, dimensions: 32, seed: 11)
        for (offset, vector) in extra.enumerated() {
            try index.add(id: 10_000 + Int64(offset), vector: vector)
            try loaded.add(id: 10_000 + Int64(offset), vector: vector)
        }
        for query in queries { #expect(try loaded.search(query, k: 10, ef: 40) == index.search(query, k: 10, ef: 40)) }
    }

    @Test("an empty index round-trips")
    func empty() throws {
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try HNSWIndex(dimensions: 4, metric: .l2).save(to: path)
        let loaded = try HNSWIndex.load(from: path)
        #expect(loaded.count == 0)
        #expect(try loaded.search([1, 2, 3, 4], k: 3).isEmpty)
    }

    @Test("truncated, padded, corrupted or hostile files are refused with a clear error, never a crash")
    func damagedFiles() throws {
        let (index, _) = try built(count: 300)
        let path = temporaryPath()
        defer { try? FileManager.default.removeItem(atPath: path) }
        try index.save(to: path)
        let good = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        func refused(_ bytes: [UInt8]) -> String? {
            let damaged = temporaryPath()
            defer { try? FileManager.default.removeItem(atPath: damaged) }
            try? Data(bytes).write(to: URL(fileURLWithPath: damaged))
            do { _ = try HNSWIndex.load(from: damaged); return nil } catch { return "\(error)" }
        }
        for length in [0, 7, 100, 128, 135, good.count / 2, good.count - 8, good.count - 1] {
            let message = refused(Array(good.prefix(length)))
            #expect(message != nil, "truncated to \(length) bytes was accepted")
        }
        #expect(refused(good + [0, 0, 0, 0, 0, 0, 0, 0])?.contains("truncated or padded") == true)
        var flipped = good
        flipped[good.count / 3] ^= 0x40
        #expect(refused(flipped)?.contains("checksum mismatch") == true)
        var magic = good
        magic[0] = UInt8(ascii: "X")
        #expect(refused(magic)?.contains("not a Pantry index") == true)

        // A hostile file with a valid checksum: a link past the end, then a huge slot count.
        func resealed(_ bytes: [UInt8]) -> [UInt8] {
            var bytes = bytes
            let sum = bytes.withUnsafeBytes { HNSWIndex.checksum(UnsafeRawBufferPointer(rebasing: $0[0..<bytes.count - 8])) }
            withUnsafeBytes(of: sum.littleEndian) { bytes.replaceSubrange(bytes.count - 8..<bytes.count, with: $0) }
            return bytes
        }
        let layer0 = HNSWIndex.headerSize + 300 * 32 * 4
        var badLink = good
        withUnsafeBytes(of: UInt32(1).littleEndian) { badLink.replaceSubrange(layer0..<layer0 + 4, with: $0) }
        withUnsafeBytes(of: UInt32(999_999).littleEndian) { badLink.replaceSubrange(layer0 + 4..<layer0 + 8, with: $0) }
        #expect(refused(resealed(badLink))?.contains("outside the index") == true)
        var huge = good
        withUnsafeBytes(of: UInt64.max.littleEndian) { huge.replaceSubrange(48..<56, with: $0) }
        #expect(refused(resealed(huge))?.contains("out of range") == true)
        withUnsafeBytes(of: UInt64(1 << 60).littleEndian) { huge.replaceSubrange(48..<56, with: $0) }
        #expect(refused(resealed(huge))?.contains("truncated or padded") == true)
        #expect(refused([])?.contains("shorter than a header") == true)
    }
}
