/// Dense positions `0..<count` for external Int64 ids (users or items), in ascending id order, so
/// that models can keep their rows in plain arrays.
public struct IdIndex: Sendable {
    public let ids: [Int64]
    private let positions: [Int64: Int32]

    public init<S: Sequence>(_ ids: S) where S.Element == Int64 {
        self.ids = Array(Set(ids)).sorted()
        var positions: [Int64: Int32] = [:]
        positions.reserveCapacity(self.ids.count)
        for (position, id) in self.ids.enumerated() { positions[id] = Int32(position) }
        self.positions = positions
    }

    public var count: Int { ids.count }

    /// The position of `id`, or nil when it is unknown.
    public func position(of id: Int64) -> Int32? { positions[id] }
}
