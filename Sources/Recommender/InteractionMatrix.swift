/// Binary user × item matrix of positives in compressed sparse rows, and its transpose: what the
/// models train on. Rows list each user's distinct items in ascending position order.
public struct InteractionMatrix: Sendable {
    public let users: IdIndex
    public let items: IdIndex
    /// `rowStart[u] ..< rowStart[u + 1]` indexes `columns` (item positions) for user `u`.
    public let rowStart: [Int]
    public let columns: [Int32]
    /// The transpose: `itemStart[i] ..< itemStart[i + 1]` indexes `itemUsers`.
    public let itemStart: [Int]
    public let itemUsers: [Int32]

    /// The matrix of `positives` over the given id spaces (ids outside them are ignored;
    /// duplicates count once).
    public init(_ positives: [Interaction], users: IdIndex, items: IdIndex) {
        self.users = users
        self.items = items
        var perUser = [[Int32]](repeating: [], count: users.count)
        for p in positives {
            guard let u = users.position(of: p.user), let i = items.position(of: p.item) else { continue }
            perUser[Int(u)].append(i)
        }
        var rowStart = [0], columns: [Int32] = []
        var perItem = [[Int32]](repeating: [], count: items.count)
        for (u, row) in perUser.enumerated() {
            var seen = -1
            for i in row.sorted() where Int(i) != seen {
                columns.append(i)
                perItem[Int(i)].append(Int32(u))
                seen = Int(i)
            }
            rowStart.append(columns.count)
        }
        self.rowStart = rowStart
        self.columns = columns
        itemStart = perItem.reduce(into: [0]) { $0.append($0.last! + $1.count) }
        itemUsers = perItem.flatMap { $0 }
    }

    public var nonzeroCount: Int { columns.count }

    /// Item positions of user `u`'s positives.
    @inline(__always)
    public func items(of u: Int) -> ArraySlice<Int32> { columns[rowStart[u]..<rowStart[u + 1]] }

    /// User positions of item `i`'s positives.
    @inline(__always)
    public func users(of i: Int) -> ArraySlice<Int32> { itemUsers[itemStart[i]..<itemStart[i + 1]] }
}
