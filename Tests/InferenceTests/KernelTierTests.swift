import CInferenceKernels
import Foundation
import Testing
@testable import Inference

/// The C kernel tiers against a scalar model of their arithmetic, on random weights: each lane
/// must be bitwise the scalar result, so every tier this CPU supports is bitwise equal to every
/// other (the portable Swift kernels are checked against float products in ``KernelTests``).
@Suite("Kernel tiers")
struct KernelTierTests {
    static let rows = 32, columns = 96
    static var cTiers: [KernelTier] { KernelTier.allCases.filter { $0 != .portable && $0.isSupported } }

    @Test("the tier in use is the best this CPU supports, or the one PANTRY_CPU_TIER forces")
    func selection() throws {
        let forced = ProcessInfo.processInfo.environment["PANTRY_CPU_TIER"] ?? ""
        #expect(try KernelTier.selected() == (forced.isEmpty ? KernelTier.best : KernelTier.allCases.first { $0.description == forced }))
        #expect(KernelTier.portable.isSupported)
        #expect((KernelTier.kernels == nil) == (try KernelTier.selected() == .portable))
        #if arch(x86_64)
        #expect(KernelTier.best != .portable, "every x86-64 machine this project targets has AVX2")
        #endif
    }

    @Test("packed Q4_1 and Q8_0 products equal the scalar model bitwise, one and four activation rows",
          arguments: [GGMLType.q4_1, .q8_0])
    func packedProducts(type: GGMLType) throws {
        var rng = SeededGenerator(seed: type == .q4_1 ? 11 : 12)
        let (rows, n) = (Self.rows, Self.columns), nb = n / 32
        let raw = randomBlocks(type, rows: rows, columns: n, &rng)
        let xq = randomActivations(rows: 4, columns: n, &rng)
        let packed = try #require(raw.withUnsafeBytes { PackedWeights(type: type, rows: rows, columns: n, data: $0.baseAddress!, releasePages: false) })
        let expected = (0..<4).map { b in (0..<rows).map { r in scalarModel(type, raw, row: r, columns: n, xq, act: b) } }
        for tier in Self.cTiers {
            let kernels = try #require(pantry_kernels_for_tier(tier.rawValue)?.pointee)
            for count in [4, 1] {
                var out = [Float](repeating: .nan, count: 4 * rows)
                for g in 0..<rows / 16 {
                    out.withUnsafeMutableBufferPointer { o in
                        let dst = o.baseAddress! + 16 * g
                        if type == .q4_1 {
                            kernels.packed_q4_1(packed.group(g), nb, Int32(count), xq.qs.pointer, xq.d.pointer, xq.s.pointer, n, dst, rows)
                        } else {
                            kernels.packed_q8_0(packed.group(g), nb, Int32(count), xq.qs.pointer, xq.d.pointer, xq.bias.pointer, n, dst, rows)
                        }
                    }
                }
                for b in 0..<count {
                    for r in 0..<rows {
                        #expect(out[b * rows + r].bitPattern == expected[b][r].bitPattern,
                                "\(tier) \(type.name) count \(count) act \(b) row \(r): \(out[b * rows + r]) vs \(expected[b][r])")
                    }
                }
            }
        }
    }

    @Test("the attention score kernel of each tier equals dotF32 · scale bitwise")
    func scores() throws {
        var rng = SeededGenerator(seed: 13)
        let stride = 130
        let q = (0..<64).map { _ in Float(Int(rng.next() % 2001) - 1000) / 137 }
        let keys = (0..<16 * stride).map { _ in Float(Int(rng.next() % 2001) - 1000) / 91 }
        for tier in Self.cTiers {
            guard let kernel = pantry_kernels_for_tier(tier.rawValue)?.pointee.scores16x64 else { continue }
            var out = [Float](repeating: .nan, count: 16)
            kernel(q, keys, stride, 0.125, &out)
            for i in 0..<16 {
                let expected = keys.withUnsafeBufferPointer { Kernels.dotF32(q, $0.baseAddress! + i * stride, count: 64) } * 0.125
                #expect(out[i].bitPattern == expected.bitPattern, "\(tier) key \(i)")
            }
        }
    }

    // MARK: Helpers

    /// GGML blocks with random quants and scales of mixed sign and magnitude.
    func randomBlocks(_ type: GGMLType, rows: Int, columns: Int, _ rng: inout SeededGenerator) -> [UInt8] {
        var bytes = [UInt8]()
        func half(_ v: Float) { withUnsafeBytes(of: Float16(v).bitPattern.littleEndian) { bytes += $0 } }
        for _ in 0..<rows * columns / 32 {
            half(Float(Int(rng.next() % 2001) - 1000) / 4096)
            if type == .q4_1 {
                half(Float(Int(rng.next() % 2001) - 1000) / 512)
                for _ in 0..<16 { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            } else {
                // Q8_0 quants are −127…127 in llama.cpp's files, but −128 must work too.
                for _ in 0..<32 { bytes.append(UInt8(truncatingIfNeeded: rng.next())) }
            }
        }
        return bytes
    }

    func randomActivations(rows: Int, columns: Int, _ rng: inout SeededGenerator) -> QuantizedActivations {
        let x = (0..<rows * columns).map { _ in Float(Int(rng.next() % 20001) - 10000) / 997 }
        let xq = QuantizedActivations(rows: rows, columns: columns)
        xq.quantize(x, rows: rows)
        return xq
    }

    /// One weight row × one activation row as every lane of the C kernels computes it: per block
    /// the exact integer dot product, then `acc = fma(float(dot), d·da, acc)` (and for Q4_1
    /// `acc = fma(m, s, acc)`).
    func scalarModel(_ type: GGMLType, _ raw: [UInt8], row r: Int, columns n: Int, _ xq: QuantizedActivations, act b: Int) -> Float {
        let nb = n / 32, blockBytes = type == .q4_1 ? 20 : 34
        var acc: Float = 0
        raw.withUnsafeBytes { w in
            for k in 0..<nb {
                let blk = w.baseAddress! + (r * nb + k) * blockBytes
                var dot: Int32 = 0
                for e in 0..<32 {
                    let q: Int32 = type == .q4_1
                        ? Int32(e < 16 ? blk.load(fromByteOffset: 4 + e, as: UInt8.self) & 0x0F : blk.load(fromByteOffset: 4 + e - 16, as: UInt8.self) >> 4)
                        : Int32(blk.load(fromByteOffset: 2 + e, as: Int8.self))
                    dot += q * Int32(xq.qs[b * n + k * 32 + e])
                }
                acc = acc.addingProduct(Float(dot), Kernels.half(blk) * xq.d[b * nb + k])
                if type == .q4_1 { acc = acc.addingProduct(Kernels.half(blk, 2), xq.s[b * nb + k]) }
            }
        }
        return acc
    }
}
