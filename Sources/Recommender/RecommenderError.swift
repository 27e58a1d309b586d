/// A recommender failure with a message that says what was wrong and where.
public struct RecommenderError: Error, CustomStringConvertible, Sendable, Equatable {
    public let message: String
    public init(_ message: String) { self.message = message }
    public var description: String { message }
}
