import Core
import Foundation

/// Clustered vectors for vector-search tests and benchmarks, generated bit-exactly from a seed
/// (every step in binary64 as specified, then rounded to float32), so figures measured on one
/// machine compare with another's. Point j of a set lies near one of `clusters` random centres,
/// with a per-dimension spread that shrinks along the dimensions (σ_t = h/(h + t), h = D/16),
/// as real embeddings concentrate their variance in a few directions.
public struct GaussianMixtureVectors: Sendable {
    public let count: Int
    public let dimensions: Int
    public let clusters: Int
    public let seed: UInt64
    private let centers: [[Double]]
    private let sigma: [Double]

    /// The standard sets: `gmm-1m-128`, `gmm-100k-384`, `gmm-10k-32` (1,000 queries each).
    public static let standard: [String: GaussianMixtureVectors] = [
        "gmm-1m-128": GaussianMixtureVectors(count: 1_000_000, dimensions: 128, clusters: 1_000, seed: 20_250_601),
        "gmm-100k-384": GaussianMixtureVectors(count: 100_000, dimensions: 384, clusters: 100, seed: 20_250_602),
        "gmm-10k-32": GaussianMixtureVectors(count: 10_000, dimensions: 32, clusters: 10, seed: 20_250_603),
    ]
    public static let queryCount = 1_000

    public init(count: Int, dimensions: Int, clusters: Int, seed: UInt64) {
        self.count = count
        self.dimensions = dimensions
        self.clusters = clusters
        self.seed = seed
        let h = Double(dimensions) / 16
        sigma = (0..<dimensions).map { h / (h + Double($0)) }
        centers = (0..<clusters).map { c in
            (0..<dimensions).map { t in 0.5 * Self.gauss(Self.word(seed, 1, UInt64(c * dimensions + t))) }
        }
    }

    /// Base point `j` (stream 2).
    public func base(_ j: Int) -> [Float] { point(j, stream: 2) }
    /// Query `j` (stream 4).
    public func query(_ j: Int) -> [Float] { point(j, stream: 4) }

    private func point(_ j: Int, stream: UInt64) -> [Float] {
        let c = Self.cluster(Self.word(seed, stream, UInt64(j)), clusters)
        return (0..<dimensions).map { t in
            Float(centers[c][t] + sigma[t] * Self.gauss(Self.word(seed, stream + 1, UInt64(j * dimensions + t))))
        }
    }

    static func word(_ seed: UInt64, _ stream: UInt64, _ j: UInt64) -> UInt64 {
        let base = SplitMix64.mix(seed ^ (stream &* 0xD1B5_4A32_D192_ED03))
        return SplitMix64.mix(base &+ (j &+ 1) &* 0x9E37_79B9_7F4A_7C15)
    }

    /// Four 16-bit uniforms summed, centred and scaled to unit variance (Irwin–Hall).
    static func gauss(_ w: UInt64) -> Double {
        var sum = 0.0
        for k in 0..<4 { sum += (Double((w >> (16 * UInt64(k))) & 0xFFFF) + 0.5) / 65_536 }
        return (sum - 2) * 3.0.squareRoot()
    }

    static func cluster(_ w: UInt64, _ clusters: Int) -> Int {
        Int(((w >> 32) &* UInt64(clusters)) >> 32)
    }
}
