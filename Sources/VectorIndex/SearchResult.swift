/// One neighbour found by a search: the caller's id and its distance to the query.
public struct SearchResult: Sendable, Equatable {
    public let id: Int64
    public let distance: Float

    public init(id: Int64, distance: Float) {
        self.id = id
        self.distance = distance
    }
}

/// Why an index refused an operation: wrong dimension, a non-finite value, a bad parameter.
public struct VectorIndexError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
