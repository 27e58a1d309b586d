/// Items by their number of positives in the training matrix: the baseline every model must beat,
/// and the answer for users with no positives (cold start).
public struct PopularityScorer: ItemScorer {
    public let name = "popularity"
    public let counts: [Float]

    public init(matrix: InteractionMatrix) {
        counts = (0..<matrix.items.count).map { Float(matrix.users(of: $0).count) }
    }

    public func scores(user: Int?, liked: [Int32], into out: inout [Float]) {
        out = counts
    }
}
