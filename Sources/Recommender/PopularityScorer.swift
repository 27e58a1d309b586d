/// Items by their number of positives in the training matrix: the baseline every model must beat,
/// and the answer for users with no positives (cold start).
public struct PopularityScorer: ItemScorer {
    public let name: String
    public let counts: [Float]

    public init(matrix: InteractionMatrix) {
        name = "popularity"
        counts = (0..<matrix.items.count).map { Float(matrix.users(of: $0).count) }
    }

    /// Recent popularity ("trending"): positives in the `window` microseconds before the newest
    /// training event.
    public init(positives: [Interaction], items: IdIndex, window: Int64) {
        name = "trending"
        let newest = positives.map(\.time).max() ?? 0
        var counts = [Float](repeating: 0, count: items.count)
        for p in positives where p.time > newest - window {
            if let i = items.position(of: p.item) { counts[Int(i)] += 1 }
        }
        self.counts = counts
    }

    public func scores(user: Int?, liked: [Int32], into out: inout [Float]) {
        out = counts
    }
}
