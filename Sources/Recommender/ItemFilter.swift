import VectorIndex

/// Which items a request allows: a genre (category) and a release-year range.
public struct ItemFilter: Sendable, Equatable {
    public var category: String?
    public var years: ClosedRange<Int>?

    public init(category: String? = nil, years: ClosedRange<Int>? = nil) {
        self.category = category
        self.years = years
    }

    public var isEmpty: Bool { category == nil && years == nil }

    public func admits(_ content: ItemContent?) -> Bool {
        guard !isEmpty else { return true }
        guard let content else { return false }
        if let category, !content.categories.contains(category) { return false }
        if let years { guard let year = content.year, years.contains(year) else { return false } }
        return true
    }
}

