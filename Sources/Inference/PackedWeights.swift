import Foundation

/// A weight matrix repacked at load time into the row-interleaved layout of the C kernels
/// (``KernelTier``; `inference_kernels.h`): sixteen rows form a *group*, and within a
/// group the weights of one 32-element block of all sixteen rows are stored so that one 512-bit register holds four
/// consecutive weights of each row, one row per 32-bit lane. A `vpdpbusd` against four
/// activation bytes broadcast to all lanes then advances sixteen dot products at once, and the
/// per-block float work (convert, scale, FMA) is done once per sixteen rows instead of once
/// per row — which is what made the batched kernel instruction-bound.
///
/// Layouts per group (`nb` blocks per row, byte `i` of lane `j` of register `k`):
/// - Q4_1, 320 bytes per block: 4×64 bytes of nibbles (register `k` = `2m + h`: nibble `h` of
///   64-byte chunk `m` holds weight `4k + i` of row `j`), then 16 `d` and 16 `m` (f16).
/// - Q8_0: `nb`×512 bytes of weights (register `k` holds weight `4k + i` of row `j`, stored
///   biased by +128 so that it is unsigned), then `nb`×16 `d` (f16).
///
/// The file's pages of a repacked tensor are returned to the kernel afterwards (they can be
/// faulted in again, e.g. for embedding rows), so the repacked copy does not double the RSS.
final class PackedWeights: @unchecked Sendable {
    /// Rows per group: one per 32-bit lane of a 512-bit register.
    static let groupRows = 16

    let type: GGMLType
    let blocks: Int
    let groupBytes: Int
    private let storage: UnsafeMutableRawPointer

    /// Repacks `rows` × `columns` weights at `data`; nil unless the type is Q4_1 or Q8_0 and the
    /// row count is a multiple of ``groupRows``. `releasePages`: `data` is part of a read-only
    /// file mapping whose pages may be dropped (never pass true for other memory: it would be zeroed).
    init?(type: GGMLType, rows: Int, columns: Int, data: UnsafeRawPointer, releasePages: Bool = true) {
        guard type == .q4_1 || type == .q8_0, rows % Self.groupRows == 0, columns % 32 == 0 else { return nil }
        self.type = type
        let nb = columns / 32
        blocks = nb
        groupBytes = nb * (type == .q4_1 ? 320 : 544)
        let groups = rows / Self.groupRows
        storage = UnsafeMutableRawPointer.allocate(byteCount: groups * groupBytes, alignment: 64)
        let srcBlock = type.blockBytes, srcRow = nb * srcBlock
        for g in 0..<groups {
            let dst = storage + g * groupBytes
            for j in 0..<Self.groupRows {
                let row = data + (g * Self.groupRows + j) * srcRow
                for b in 0..<nb {
                    let src = row + b * srcBlock
                    if type == .q4_1 {
                        Self.packQ4_1(src, into: dst + 320 * b, lane: j)
                    } else {
                        Self.packQ8_0(src, into: dst + 512 * b, scales: dst + 512 * nb + 32 * b, lane: j)
                    }
                }
            }
        }
        if releasePages { Self.releasePages(data, byteCount: rows * srcRow) }
    }

    deinit { storage.deallocate() }

    /// The packed data of rows `16g ..< 16g + 16`.
    @inline(__always) func group(_ g: Int) -> UnsafeRawPointer { UnsafeRawPointer(storage + g * groupBytes) }

    private static func packQ4_1(_ src: UnsafeRawPointer, into dst: UnsafeMutableRawPointer, lane j: Int) {
        let qs = src + 4
        func weight(_ e: Int) -> UInt8 {
            let byte = qs.load(fromByteOffset: e & 15, as: UInt8.self)
            return e < 16 ? byte & 0x0F : byte >> 4
        }
        for m in 0..<4 {
            for i in 0..<4 {
                let lo = weight(8 * m + i), hi = weight(8 * m + 4 + i)
                dst.storeBytes(of: lo | hi << 4, toByteOffset: 64 * m + 4 * j + i, as: UInt8.self)
            }
        }
        dst.storeBytes(of: src.loadUnaligned(as: UInt16.self), toByteOffset: 256 + 2 * j, as: UInt16.self)
        dst.storeBytes(of: src.loadUnaligned(fromByteOffset: 2, as: UInt16.self), toByteOffset: 288 + 2 * j, as: UInt16.self)
    }

    private static func packQ8_0(_ src: UnsafeRawPointer, into dst: UnsafeMutableRawPointer,
                                 scales: UnsafeMutableRawPointer, lane j: Int) {
        for k in 0..<8 {
            for i in 0..<4 {
                let w = src.load(fromByteOffset: 2 + 4 * k + i, as: UInt8.self)
                dst.storeBytes(of: w ^ 0x80, toByteOffset: 64 * k + 4 * j + i, as: UInt8.self)
            }
        }
        scales.storeBytes(of: src.loadUnaligned(as: UInt16.self), toByteOffset: 2 * j, as: UInt16.self)
    }

    /// Drops the resident pages wholly inside `[p, p + byteCount)` of the read-only file mapping.
    private static func releasePages(_ p: UnsafeRawPointer, byteCount: Int) {
        let page = Int(sysconf(Int32(_SC_PAGESIZE)))
        let start = (Int(bitPattern: p) + page - 1) / page * page
        let end = (Int(bitPattern: p) + byteCount) / page * page
        guard end > start, let base = UnsafeMutableRawPointer(bitPattern: start) else { return }
        _ = madvise(base, end - start, Int32(MADV_DONTNEED))
    }
}
