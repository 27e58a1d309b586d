import Core
import Foundation

/// The JSON of an online lookup, written straight into bytes (this runs on every request):
/// Feast's column-major shape, join key columns first —
/// `{"metadata":{"feature_names":[...]},"results":[{"values":[...],"statuses":[...],"event_timestamps":[...]}, ...]}`.
public enum OnlineResponseJSON {
    public enum Style: Sendable {
        /// `POST /v1/features/online`: Pantry's statuses (with OUTSIDE_HISTORY), event times with
        /// microseconds, and `null` event times where nothing was found.
        case pantry
        /// `POST /get-online-features`: what Feast's server prints — OUTSIDE_HISTORY reported as
        /// NOT_FOUND, event times to the second, and 1970-01-01 where nothing was found.
        case feast
    }

    public static func write(_ response: OnlineFeatureService.Response, style: Style) -> [UInt8] {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(96 + response.columns.count * (64 + response.rowCount * 48))
        bytes.append(contentsOf: Self.opening)
        for (index, column) in response.columns.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            JSONWriter.writeString(column.name, into: &bytes)
        }
        bytes.append(contentsOf: Self.results)
        for (index, column) in response.columns.enumerated() {
            if index > 0 { bytes.append(UInt8(ascii: ",")) }
            bytes.append(contentsOf: Self.values)
            for (row, value) in column.values.enumerated() {
                if row > 0 { bytes.append(UInt8(ascii: ",")) }
                value.writeJSON(into: &bytes)
            }
            bytes.append(contentsOf: Self.statuses)
            for (row, status) in column.statuses.enumerated() {
                if row > 0 { bytes.append(UInt8(ascii: ",")) }
                bytes.append(contentsOf: statusJSON(style == .feast && status == .outsideHistory ? .notFound : status))
            }
            bytes.append(contentsOf: Self.eventTimestamps)
            for (row, micros) in column.eventMicros.enumerated() {
                if row > 0 { bytes.append(UInt8(ascii: ",")) }
                switch (style, micros) {
                case (.pantry, nil):
                    JSONWriter.writeNull(into: &bytes)
                case (.pantry, let micros?):
                    bytes.append(UInt8(ascii: "\""))
                    Timestamp.append(micros: micros, iso: true, to: &bytes)
                    bytes.append(UInt8(ascii: "\""))
                case (.feast, let micros):
                    bytes.append(UInt8(ascii: "\""))
                    Timestamp.append(micros: ((micros ?? 0) / 1_000_000) * 1_000_000, iso: true, to: &bytes)
                    bytes.append(UInt8(ascii: "\""))
                }
            }
            bytes.append(contentsOf: Self.closing)
        }
        bytes.append(contentsOf: Self.closing)
        return bytes
    }

    // The fixed parts, built once.
    private static let opening = Array("{\"metadata\":{\"feature_names\":[".utf8), results = Array("]},\"results\":[".utf8),
                       values = Array("{\"values\":[".utf8), statuses = Array("],\"statuses\":[".utf8),
                       eventTimestamps = Array("],\"event_timestamps\":[".utf8), closing = Array("]}".utf8)

    /// Each status as its quoted JSON string, built once.
    private static let present = Array("\"PRESENT\"".utf8), nullValue = Array("\"NULL_VALUE\"".utf8),
                       notFound = Array("\"NOT_FOUND\"".utf8), outsideMaxAge = Array("\"OUTSIDE_MAX_AGE\"".utf8),
                       outsideHistory = Array("\"OUTSIDE_HISTORY\"".utf8)

    private static func statusJSON(_ status: FeatureStatus) -> [UInt8] {
        switch status {
        case .present: present
        case .nullValue: nullValue
        case .notFound: notFound
        case .outsideMaxAge: outsideMaxAge
        case .outsideHistory: outsideHistory
        }
    }
}

extension FeatureValue {
    /// The value as JSON (see `json`), appended to `bytes` without building a `JSONValue`.
    public func writeJSON(into bytes: inout [UInt8]) {
        switch self {
        case .null: JSONWriter.writeNull(into: &bytes)
        case .int(let number): JSONWriter.writeInteger(number, into: &bytes)
        case .double(let number): JSONWriter.writeNumber(number, into: &bytes)
        case .string(let text): JSONWriter.writeString(text, into: &bytes)
        case .bool(let flag): JSONWriter.writeBool(flag, into: &bytes)
        case .timestamp(let micros):
            bytes.append(UInt8(ascii: "\""))
            Timestamp.append(micros: micros, iso: true, to: &bytes)
            bytes.append(UInt8(ascii: "\""))
        case .bytes, .list, .vector:
            JSONWriter.write(json, into: &bytes)
        }
    }
}
