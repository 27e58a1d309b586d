import Core
/// The offline evaluation protocol: per user, positives ordered by (time, tie-break, item id),
/// where tie-break = splitmix64(42·φ + user·2³² + item) (φ = 0x9E3779B97F4A7C15, all mod 2⁶⁴) —
/// MovieLens has many ratings in the same second, and this order makes the split reproducible
/// by anyone. Users with at least `minimumPositives` positives hold out their last `holdout`;
/// everyone else is train only. Applied to the train part again it gives fit/validation.
public struct EvaluationSplit: Sendable {
    public let train: [Interaction]
    public let test: [Interaction]

    public init(positives: [Interaction], holdout: Int = 5, minimumPositives: Int = 10, seed: UInt64 = 42) {
        var byUser: [Int64: [Interaction]] = [:]
        for p in positives { byUser[p.user, default: []].append(p) }
        var train: [Interaction] = [], test: [Interaction] = []
        for user in byUser.keys.sorted() {
            let ordered = byUser[user]!.sorted { a, b in
                if a.time != b.time { return a.time < b.time }
                let ta = Self.tieBreak(seed: seed, user: a.user, item: a.item), tb = Self.tieBreak(seed: seed, user: b.user, item: b.item)
                if ta != tb { return ta < tb }
                return a.item < b.item
            }
            if ordered.count >= minimumPositives {
                train += ordered.dropLast(holdout)
                test += ordered.suffix(holdout)
            } else {
                train += ordered
            }
        }
        self.train = train
        self.test = test
    }

    /// The test items of each test user.
    public var testItems: [Int64: Set<Int64>] {
        test.reduce(into: [:]) { $0[$1.user, default: []].insert($1.item) }
    }

    static func tieBreak(seed: UInt64, user: Int64, item: Int64) -> UInt64 {
        splitmix64(seed &* 0x9E37_79B9_7F4A_7C15 &+ (UInt64(bitPattern: user) << 32) &+ UInt64(bitPattern: item))
    }

    /// SplitMix64's output function applied to `x + φ`.
    static func splitmix64(_ x: UInt64) -> UInt64 { SplitMix64.mix(x &+ SplitMix64.golden) }
}
