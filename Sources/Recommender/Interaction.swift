/// One event of a user with an item: the recommender's input row (from the interactions view).
/// `weight` is the view's weight feature (a rating, or a kind's configured weight); `time` is the
/// event time in microseconds since the Unix epoch.
public struct Interaction: Sendable, Hashable {
    public var user: Int64
    public var item: Int64
    public var weight: Double
    public var time: Int64

    public init(user: Int64, item: Int64, weight: Double, time: Int64) {
        self.user = user
        self.item = item
        self.weight = weight
        self.time = time
    }
}
