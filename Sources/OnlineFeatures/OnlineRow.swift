import Core
import FeatureRegistry

/// One version of one view's features for one entity, on its way to the online store.
public struct OnlineRow: Sendable {
    public let view: FeatureView
    /// Join key values as text, in the order of the view's entities.
    public let keys: [String]
    /// Event time, microseconds since the epoch.
    public let eventMicros: Int64
    /// Created time, microseconds; nil when unknown (ranks lowest).
    public let createdMicros: Int64?
    /// One value per feature of the view, in the view's order.
    public let values: [FeatureValue]

    public init(view: FeatureView, keys: [String], eventMicros: Int64, createdMicros: Int64?, values: [FeatureValue]) {
        self.view = view
        self.keys = keys
        self.eventMicros = eventMicros
        self.createdMicros = createdMicros
        self.values = values
    }
}

/// What happened to each written row.
public struct OnlineWriteSummary: Sendable, Equatable {
    /// Rows that became their entity's current version.
    public var current = 0
    /// Rows kept only in the history (an older event arrived after a newer one).
    public var history = 0
    /// Rows older than every kept version, dropped.
    public var dropped = 0
    /// Rows not written because their entity's stored field is not a version list (corrupt);
    /// the other rows were written. `pantry clear-online` for the view repairs them.
    public var corrupt = 0
    /// The first `keptCorruptKeys` of those, as `<redis key> <view>`.
    public var corruptKeys: [String] = []
    static let keptCorruptKeys = 10

    public init() {}

    public var total: Int { current + history + dropped + corrupt }

    public static func + (a: Self, b: Self) -> Self {
        var sum = a
        sum.current += b.current
        sum.history += b.history
        sum.dropped += b.dropped
        sum.corrupt += b.corrupt
        sum.corruptKeys = Array((a.corruptKeys + b.corruptKeys).prefix(keptCorruptKeys))
        return sum
    }
}

/// Per-value outcome of an online read (Feast's enum, plus one Pantry addition).
public enum FeatureStatus: String, Sendable, Codable {
    /// A value that was valid at the reference time.
    case present = "PRESENT"
    /// The entity has a row for the view, but this feature is NULL in it.
    case nullValue = "NULL_VALUE"
    /// No row for this entity and view (or none at the requested as-of time).
    case notFound = "NOT_FOUND"
    /// The latest row is older than the view's TTL at the reference time; no value is served.
    case outsideMaxAge = "OUTSIDE_MAX_AGE"
    /// Every version the online store keeps for the entity is later than the reference time
    /// (as_of, or now): an older version may exist offline, but is not kept online (Pantry
    /// only; Feast-shaped responses report it as NOT_FOUND).
    case outsideHistory = "OUTSIDE_HISTORY"
}
