import Core
import DemoData
import Foundation
import Testing
@testable import VectorIndex

@Suite("Vector distance kernels")
struct VectorKernelsTests {
    @Test("every tier this CPU supports agrees with a float64 reference, for every length including the tails")
    func tiersAgree() throws {
        var random = SplitMix64(seed: 5)
        let supported = VectorKernels.Tier.allCases.filter { $0.rawValue <= VectorKernels.best.rawValue }
        #expect(supported.contains(.portable))
        for count in Array(1...70) + [127, 128, 383, 384, 1_000] {
            let a = (0..<count).map { _ in Float.random(in: -2...2, using: &random) }
            let b = (0..<count).map { _ in Float.random(in: -2...2, using: &random) }
            let dot = zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
            let l2 = zip(a, b).reduce(0.0) { $0 + (Double($1.0) - Double($1.1)) * (Double($1.0) - Double($1.1)) }
            let scale = zip(a, b).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) } + 1
            for tier in supported {
                let (d, e) = try VectorKernels.with(tier) {
                    a.withUnsafeBufferPointer { pa in b.withUnsafeBufferPointer { pb in
                        (Distance.dot(pa.baseAddress!, pb.baseAddress!, count: count), Distance.squaredL2(pa.baseAddress!, pb.baseAddress!, count: count))
                    } }
                }
                #expect(abs(Double(d) - dot) <= 1e-5 * scale, "\(tier), \(count): dot \(d) vs \(dot)")
                #expect(abs(Double(e) - l2) <= 1e-5 * (l2 + 1), "\(tier), \(count): l2 \(e) vs \(l2)")
            }
        }
    }

    @Test("the tier in use is the best the CPU supports, or the one PANTRY_CPU_TIER forces")
    func selectedTier() throws {
        let expected: VectorKernels.Tier = switch ProcessInfo.processInfo.environment["PANTRY_CPU_TIER"] {
        case "portable": .portable
        case "avx2", "avxvnni": .avx2
        case "avx512", "avx512vnni": .avx512
        default: VectorKernels.best
        }
        #expect(try VectorKernels.tier() == expected)
    }
}
