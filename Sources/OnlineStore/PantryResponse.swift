import OfflineStore

/// The response of `POST /v1/features/online`: Feast's column-major shape with Pantry's
/// statuses (including OUTSIDE_HISTORY), event timestamps with microseconds, and `null`
/// event timestamps where nothing was found (Feast prints 1970-01-01).
public struct PantryResponse: Encodable, Sendable {
    public struct Result: Encodable, Sendable {
        public let values: [JSONValue]
        public let statuses: [String]
        public let event_timestamps: [String?]
    }

    public let metadata: FeastResponse.Metadata
    public let results: [Result]

    public init(_ response: OnlineFeatureService.Response) {
        metadata = FeastResponse.Metadata(feature_names: response.columns.map(\.name))
        results = response.columns.map { column in
            Result(values: column.values.map(\.json), statuses: column.statuses.map(\.rawValue),
                   event_timestamps: column.eventMicros.map { $0.map(FeatureValue.rfc3339(micros:)) })
        }
    }
}
