import OfflineStore

/// An online response in the shape of Feast's feature server: column-major, join keys first,
/// `{"metadata": {"feature_names": [...]}, "results": [{"values", "statuses", "event_timestamps"}]}`.
public struct FeastResponse: Encodable, Sendable {
    public struct Metadata: Encodable, Sendable {
        public let feature_names: [String]
        public init(feature_names: [String]) { self.feature_names = feature_names }
    }

    public struct Result: Encodable, Sendable {
        public let values: [JSONValue]
        public let statuses: [String]
        public let event_timestamps: [String]
    }

    public let metadata: Metadata
    public let results: [Result]

    /// - Parameter feastStatuses: report Pantry's OUTSIDE_HISTORY as NOT_FOUND (Feast's enum).
    public init(_ response: OnlineFeatureService.Response, feastStatuses: Bool = false) {
        metadata = Metadata(feature_names: response.columns.map(\.name))
        results = response.columns.map { column in
            Result(values: column.values.map(\.json),
                   statuses: column.statuses.map { feastStatuses && $0 == .outsideHistory ? FeatureStatus.notFound.rawValue : $0.rawValue },
                   event_timestamps: column.eventMicros.map { micros in
                       // Feast prints 1970-01-01 for missing rows and second precision.
                       FeatureValue.rfc3339(micros: ((micros ?? 0) / 1_000_000) * 1_000_000)
                   })
        }
    }
}
