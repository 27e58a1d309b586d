import Core
import Hummingbird
import NIOCore

/// Request bodies: read up to the size limit, parsed by `JSONParser` (linear time, one nesting
/// limit, duplicate keys and out-of-range numbers rejected). Large bodies reach here on the
/// thread pool (`offloadingLargeBody`), not on an event loop.
extension FeatureServer {
    /// The body as a JSON object (400 with byte offset and path when it is not one).
    func jsonObject(_ request: inout Request) async throws -> [String: JSONValue] {
        let buffer = try await request.collectBody(upTo: configuration.maxBodyBytes)
        guard buffer.readableBytes > 0 else { throw HTTPError(.badRequest, message: "empty body: expected a JSON object") }
        let result: Result<JSONValue, JSONParser.SyntaxError> = buffer.withUnsafeReadableBytes { raw in
            Result { () throws(JSONParser.SyntaxError) in try JSONParser.parse(raw) }
        }
        switch result {
        case .success(.object(let fields)): return fields
        case .success(let other): throw HTTPError(.badRequest, message: "expected a JSON object, found \(other.shown)")
        case .failure(let error): throw HTTPError(.badRequest, message: error.description)
        }
    }

    /// `POST /v1/push` and Feast's `POST /push`.
    func parsePushBody(_ request: inout Request) async throws -> PushBody {
        let fields = try await jsonObject(&request)
        let known = ["view", "push_source_name", "rows", "df", "to", "allow_registry_cache"]
        for key in fields.keys where !known.contains(key) {
            throw HTTPError(.badRequest, message: "unknown field \"\(key)\" (expected \(known.joined(separator: ", ")))")
        }
        func string(_ key: String) throws -> String? {
            guard let value = fields[key], value != .null else { return nil }
            guard case .string(let text) = value else { throw HTTPError(.badRequest, message: "\"\(key)\" must be a string, found \(value.shown)") }
            return text
        }
        var rows: [[String: JSONValue]]?
        if let value = fields["rows"], value != .null {
            guard case .array(let items) = value else { throw HTTPError(.badRequest, message: "\"rows\" must be a list of objects") }
            rows = try items.enumerated().map { index, item in
                guard case .object(let row) = item else { throw HTTPError(.badRequest, message: "rows[\(index)] must be an object, found \(item.shown)") }
                return row
            }
        }
        var columns: [String: [JSONValue]]?
        if let value = fields["df"], value != .null {
            guard case .object(let object) = value else { throw HTTPError(.badRequest, message: "\"df\" must be an object of columns") }
            columns = try object.mapValues { column in
                guard case .array(let items) = column else { throw HTTPError(.badRequest, message: "every \"df\" column must be a list") }
                return items
            }
        }
        if let flag = fields["allow_registry_cache"], ![.null, .bool(true), .bool(false)].contains(flag) {
            throw HTTPError(.badRequest, message: "\"allow_registry_cache\" must be true or false")
        }
        return PushBody(view: try string("view"), push_source_name: try string("push_source_name"), rows: rows, df: columns, to: try string("to"))
    }
}
