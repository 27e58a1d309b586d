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

extension PantryResponse {
    /// The response as JSON bytes, written directly (see `JSONWriter`).
    public var jsonBytes: [UInt8] {
        OnlineResponseJSON.write(names: metadata.feature_names, results: results.map { ($0.values, $0.statuses, $0.event_timestamps) })
    }
}

extension FeastResponse {
    public var jsonBytes: [UInt8] {
        OnlineResponseJSON.write(names: metadata.feature_names, results: results.map { ($0.values, $0.statuses, $0.event_timestamps.map(Optional.some)) })
    }
}

/// `{"metadata":{"feature_names":[...]},"results":[{"values":[...],"statuses":[...],"event_timestamps":[...]}]}`
enum OnlineResponseJSON {
    static func write(names: [String], results: [([JSONValue], [String], [String?])]) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(64 + results.count * 96)
        bytes += Array("{\"metadata\":{\"feature_names\":".utf8)
        JSONWriter.write(.array(names.map(JSONValue.string)), into: &bytes)
        bytes += Array("},\"results\":[".utf8)
        for (index, result) in results.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes += Array("{\"values\":".utf8)
            JSONWriter.write(.array(result.0), into: &bytes)
            bytes += Array(",\"statuses\":".utf8)
            JSONWriter.write(.array(result.1.map(JSONValue.string)), into: &bytes)
            bytes += Array(",\"event_timestamps\":".utf8)
            JSONWriter.write(.array(result.2.map { $0.map(JSONValue.string) ?? .null }), into: &bytes)
            bytes.append(UInt8(ascii: "}"))
        }
        bytes += Array("]}".utf8)
        return bytes
    }
}
