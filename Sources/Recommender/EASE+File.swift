import Core
import Foundation

/// The EASE matrix as `pantry train` saves it for serving, with the item ids of its rows.
///
/// Layout (little-endian): magic `PANTRYEA`, version (u32), item count n (u32), λ (f64),
/// n item ids (i64), n × n weights (f32, row-major), checksum (u64, FNV-1a of everything
/// before it). Loading checks the size, the checksum and that every weight is finite.
extension EASE {
    static let magic = Array("PANTRYEA".utf8)

    public func save(ids: [Int64], to path: String) throws {
        guard ids.count == itemCount else { throw RecommenderError("EASE: \(ids.count) ids for \(itemCount) items") }
        var bytes = Self.magic
        func put<T: FixedWidthInteger>(_ v: T) { withUnsafeBytes(of: v.littleEndian) { bytes += $0 } }
        put(UInt32(1))
        put(UInt32(itemCount))
        put(lambda.bitPattern)
        for id in ids { put(id) }
        bytes.reserveCapacity(bytes.count + weights.count * 4 + 8)
        for w in weights { put(w.bitPattern) }
        put(Self.checksum(bytes[...]))
        let temporary = path + ".tmp-\(getpid())"
        try Data(bytes).write(to: URL(fileURLWithPath: temporary))
        guard rename(temporary, path) == 0 else {
            unlink(temporary)
            throw RecommenderError("\(path): cannot write (errno \(errno))")
        }
    }

    /// The matrix and its item ids; a truncated, corrupt or hostile file is an error naming what is wrong.
    public static func load(from path: String) throws -> (ease: EASE, ids: [Int64]) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw RecommenderError("\(path): cannot read (\(error.localizedDescription))")
        }
        return try data.withUnsafeBytes { raw throws in
            func fail(_ message: String) -> RecommenderError { RecommenderError("\(path): not a valid EASE file: \(message)") }
            func read<T: FixedWidthInteger>(_: T.Type, at offset: Int) -> T {
                T(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: T.self))
            }
            guard raw.count >= 32, Array(raw[0..<8]) == magic else { throw fail("no PANTRYEA header") }
            guard read(UInt32.self, at: 8) == 1 else { throw fail("version \(read(UInt32.self, at: 8)), expected 1") }
            let n = Int(read(UInt32.self, at: 12))
            guard (1...20_000).contains(n) else { throw fail("\(n) items, expected 1...20000") }
            let lambda = Double(bitPattern: read(UInt64.self, at: 16))
            let weightsAt = 24 + 8 * n, total = weightsAt + 4 * n * n + 8
            guard raw.count == total else { throw fail("\(raw.count) bytes, expected \(total) for \(n) items") }
            guard read(UInt64.self, at: total - 8) == checksum(UnsafeRawBufferPointer(rebasing: raw[0..<(total - 8)])) else {
                throw fail("checksum mismatch (truncated or corrupt)")
            }
            let ids = (0..<n).map { read(Int64.self, at: 24 + 8 * $0) }
            guard Set(ids).count == n else { throw fail("repeated item ids") }
            var weights = [Float](repeating: 0, count: n * n)
            for i in weights.indices {
                let w = Float(bitPattern: read(UInt32.self, at: weightsAt + 4 * i))
                guard w.isFinite else { throw fail("weight \(i) is \(w)") }
                weights[i] = w
            }
            guard lambda.isFinite, lambda > 0 else { throw fail("λ \(lambda)") }
            return (EASE(lambda: lambda, itemCount: n, weights: weights), ids)
        }
    }

    static func checksum<C: Collection>(_ bytes: C) -> UInt64 where C.Element == UInt8 {
        FNV1a.hash(bytes)
    }
}
