import Foundation

/// The TEXMEX formats of the ANN benchmarks: `.fvecs` (each vector an int32 dimension, then
/// that many float32) and `.ivecs` (the same with int32 values, e.g. ground-truth neighbour
/// ids). Little-endian. Reading checks every record, so a damaged file is an error naming the
/// record, not a crash.
public enum VectorFiles {
    public static func readFvecs(_ path: String, limit: Int? = nil) throws -> [[Float]] {
        try read(path, limit: limit) { raw, offset, count in
            (0..<count).map { Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: UInt32.self))) }
        }
    }

    public static func readIvecs(_ path: String, limit: Int? = nil) throws -> [[Int32]] {
        try read(path, limit: limit) { raw, offset, count in
            (0..<count).map { Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset + 4 * $0, as: Int32.self)) }
        }
    }

    public static func writeFvecs(_ vectors: [[Float]], to path: String) throws {
        try write(vectors.lazy.map { $0.map(\.bitPattern) }, to: path)
    }

    public static func writeIvecs(_ vectors: [[Int32]], to path: String) throws {
        try write(vectors.lazy.map { $0.map { UInt32(bitPattern: $0) } }, to: path)
    }

    private static func read<T>(_ path: String, limit: Int?,
                                _ decode: (UnsafeRawBufferPointer, Int, Int) -> [T]) throws -> [[T]] {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw VectorIndexError("cannot read \(path): \(error.localizedDescription)")
        }
        return try data.withUnsafeBytes { raw throws -> [[T]] in
            var records: [[T]] = []
            var offset = 0
            var dimension: Int?
            while offset < raw.count, records.count < (limit ?? .max) {
                guard offset + 4 <= raw.count else { throw VectorIndexError("\(path): record \(records.count) is cut off in its length") }
                let count = Int(Int32(littleEndian: raw.loadUnaligned(fromByteOffset: offset, as: Int32.self)))
                guard (1...16_000).contains(count) else {
                    throw VectorIndexError("\(path): record \(records.count) claims \(count) values (expected 1...16000)")
                }
                guard dimension == nil || dimension == count else {
                    throw VectorIndexError("\(path): record \(records.count) has \(count) values, the first had \(dimension!)")
                }
                dimension = count
                guard offset + 4 + 4 * count <= raw.count else { throw VectorIndexError("\(path): record \(records.count) is cut off") }
                records.append(decode(raw, offset + 4, count))
                offset += 4 + 4 * count
            }
            return records
        }
    }

    private static func write(_ records: some Sequence<[UInt32]>, to path: String) throws {
        var bytes: [UInt8] = []
        for record in records {
            withUnsafeBytes(of: Int32(record.count).littleEndian) { bytes.append(contentsOf: $0) }
            for value in record { withUnsafeBytes(of: value.littleEndian) { bytes.append(contentsOf: $0) } }
        }
        do { try Data(bytes).write(to: URL(fileURLWithPath: path), options: .atomic) } catch {
            throw VectorIndexError("cannot write \(path): \(error.localizedDescription)")
        }
    }
}
