import Foundation

/// How the next token is chosen from the logits.
public struct SamplingOptions: Sendable, Equatable {
    /// 0 selects greedy decoding (argmax); otherwise logits are divided by it before softmax.
    public var temperature: Float
    /// Keep only the `topK` most likely tokens (0 = all).
    public var topK: Int
    /// Nucleus sampling: keep the smallest set of tokens whose probability reaches `topP`.
    public var topP: Float
    /// Seed of the random generator (same seed, same output).
    public var seed: UInt64

    public init(temperature: Float = 0, topK: Int = 40, topP: Float = 0.95, seed: UInt64 = 0) {
        self.temperature = temperature
        self.topK = topK
        self.topP = topP
        self.seed = seed
    }

    public static let greedy = SamplingOptions(temperature: 0)
}

/// A seeded xoshiro256** generator, so sampling is reproducible across runs and platforms.
public struct SeededGenerator: RandomNumberGenerator, Sendable {
    private var s: (UInt64, UInt64, UInt64, UInt64)

    public init(seed: UInt64) {
        var x = seed
        func splitmix() -> UInt64 {
            x &+= 0x9E37_79B9_7F4A_7C15
            var z = x
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
        s = (splitmix(), splitmix(), splitmix(), splitmix())
    }

    public mutating func next() -> UInt64 {
        let result = ((s.1 &* 5) << 7 | (s.1 &* 5) >> 57) &* 9
        let t = s.1 << 17
        s.2 ^= s.0; s.3 ^= s.1; s.1 ^= s.2; s.0 ^= s.3
        s.2 ^= t
        s.3 = s.3 << 45 | s.3 >> 19
        return result
    }
}

/// Picks tokens from logits according to ``SamplingOptions``.
public struct Sampler: Sendable {
    public let options: SamplingOptions
    private var rng: SeededGenerator

    public init(_ options: SamplingOptions) {
        self.options = options
        rng = SeededGenerator(seed: options.seed)
    }

    /// Index of the largest logit (the lowest index on ties).
    public static func argmax(_ logits: UnsafeBufferPointer<Float>) -> Int {
        var best = 0
        var bestValue = -Float.infinity
        for (i, v) in logits.enumerated() where v > bestValue {
            best = i
            bestValue = v
        }
        return best
    }

    public mutating func sample(_ logits: UnsafeBufferPointer<Float>) -> Int {
        if options.temperature <= 0 { return Sampler.argmax(logits) }
        // Top-k candidates, most likely first.
        var candidates = Array(logits.indices)
        let k = options.topK > 0 ? min(options.topK, logits.count) : logits.count
        if k < logits.count {
            candidates = Array(candidates.partialSort(k) { logits[$0] > logits[$1] })
        } else {
            candidates.sort { logits[$0] > logits[$1] }
        }
        // Softmax with temperature.
        let maxLogit = logits[candidates[0]]
        var probs = candidates.map { exp((logits[$0] - maxLogit) / options.temperature) }
        let total = probs.reduce(0, +)
        for i in probs.indices { probs[i] /= total }
        // Nucleus.
        var keep = probs.count
        if options.topP < 1 {
            var cumulative: Float = 0
            for (i, p) in probs.enumerated() {
                cumulative += p
                if cumulative >= options.topP { keep = i + 1; break }
            }
        }
        let mass = probs[0..<keep].reduce(0, +)
        var r = Float(Double(rng.next() >> 11) / Double(1 << 53)) * mass
        for i in 0..<keep {
            r -= probs[i]
            if r < 0 { return candidates[i] }
        }
        return candidates[keep - 1]
    }
}

extension Array {
    /// The `k` first elements under `areInIncreasingOrder`, sorted (the rest unordered, dropped).
    fileprivate func partialSort(_ k: Int, by areInIncreasingOrder: (Element, Element) -> Bool) -> ArraySlice<Element> {
        var heap = Array(prefix(k)).sorted(by: areInIncreasingOrder)
        for e in dropFirst(k) where areInIncreasingOrder(e, heap[k - 1]) {
            // Insert keeping order; k is small (≤ a few hundred) so a linear insert is fine.
            var i = k - 1
            while i > 0 && areInIncreasingOrder(e, heap[i - 1]) { i -= 1 }
            heap.insert(e, at: i)
            heap.removeLast()
        }
        return heap[...]
    }
}
