/// SplitMix64 (Steele, Lea & Flood): small, fast, and the same sequence on every platform, so
/// seeded data sets, factor initialisations and evaluation tie-breaks are reproducible anywhere.
public struct SplitMix64: RandomNumberGenerator, Sendable {
    public static let golden: UInt64 = 0x9E37_79B9_7F4A_7C15

    public var state: UInt64
    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= Self.golden
        return Self.mix(state)
    }

    /// The output function (finaliser): a bijection of 64-bit words that mixes every bit.
    public static func mix(_ value: UInt64) -> UInt64 {
        var z = value
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
