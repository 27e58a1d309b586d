import Core
import FeatureRegistry
import Foundation

/// Online lookups as users ask for them: entity rows × feature references (or a feature
/// service) → one value, status and event time per (row, feature), in one network round trip.
public struct OnlineFeatureService: Sendable {
    public struct Request: Sendable {
        /// Column-major entity rows, as in Feast: join key → one value per row.
        public var entities: [String: [JSONValue]]
        public var references: [FeatureReference]
        public var fullFeatureNames: Bool
        /// Read the values as they were at this time (within the kept history).
        public var asOf: Date?

        public init(entities: [String: [JSONValue]], references: [FeatureReference], fullFeatureNames: Bool = false, asOf: Date? = nil) {
            self.entities = entities
            self.references = references
            self.fullFeatureNames = fullFeatureNames
            self.asOf = asOf
        }
    }

    /// One output column: a join key or a feature.
    public struct Column: Sendable {
        public let name: String
        public var values: [FeatureValue]
        public var statuses: [FeatureStatus]
        /// Event time of the version each value came from (nil when not found).
        public var eventMicros: [Int64?]
    }

    public struct Response: Sendable {
        public let columns: [Column]
        public let rowCount: Int
    }

    /// A request that cannot be served as asked; the message says what to fix.
    public struct RequestError: Error, CustomStringConvertible, Sendable {
        public let description: String
        public init(_ description: String) { self.description = description }
    }

    public let store: any OnlineStore
    public let repository: FeatureRepository

    public init(store: any OnlineStore, repository: FeatureRepository) {
        self.store = store
        self.repository = repository
    }

    public func read(_ request: Request, now: Date = Date()) async throws -> Response {
        let plan = try OnlineReadPlan(references: request.references, repository: repository, fullFeatureNames: request.fullFeatureNames)
        return try await read(entities: request.entities, plan: plan, asOf: request.asOf, now: now)
    }

    /// Reads with an already resolved plan (servers cache plans per feature list).
    public func read(entities: [String: [JSONValue]], plan: OnlineReadPlan, asOf: Date?, now: Date = Date()) async throws -> Response {
        // With no entity columns at all (only views without entities), there is one row.
        let rowCount = entities.isEmpty ? 1 : entities.values.first!.count
        if entities.values.contains(where: { $0.count != rowCount }) {
            let lengths = entities.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
            throw RequestError("entity columns have different lengths: \(lengths)")
        }
        // Join key values as text, checked against the entity types (one column per required key).
        let keyText: [[String?]] = try plan.requiredKeys.map { key in
            guard let values = entities[key.name] else {
                throw RequestError("missing entity column \"\(key.name)\" (needed by the requested features; given: \(entities.keys.sorted().joined(separator: ", ")))")
            }
            return try values.enumerated().map { index, value in
                switch (key.type, value) {
                case (.string, .string(let text)): return text
                case (.int64, .integer(let number)): return String(number)
                case (.int32, .integer(let number)) where Int32(exactly: number) != nil: return String(number)
                case (_, .null): return nil
                default:
                    throw RequestError("entity column \"\(key.name)\", row \(index): expected \(key.type), found \(value.shown)")
                }
            }
        }
        let results = try await store.read(plan, keys: keyText, rowCount: rowCount)

        // Join key columns first, in the order the views name them (as Feast does).
        var columns = plan.requiredKeys.map(\.name).map { name in
            Column(name: name, values: entities[name]!.map(Self.keyValue),
                   statuses: Array(repeating: .present, count: rowCount), eventMicros: Array(repeating: nil, count: rowCount))
        }
        let referenceMicros = Timestamp.micros(asOf ?? now)
        for (viewIndex, read) in plan.views.enumerated() {
            var viewColumns = read.columnNames.map { name in
                var column = Column(name: name, values: [], statuses: [], eventMicros: [])
                column.values.reserveCapacity(rowCount)
                column.statuses.reserveCapacity(rowCount)
                column.eventMicros.reserveCapacity(rowCount)
                return column
            }
            for row in 0..<rowCount {
                let versions = results[viewIndex][row]
                let picked: OnlineVersions.Version?
                var status: FeatureStatus = .notFound
                if let versions {
                    // The offline rule, with or without as_of: the latest version whose event
                    // time is at or before the reference time (a future event is not served).
                    // When every kept version is later, an older one may exist offline (a
                    // materialization keeps only the latest row per key): OUTSIDE_HISTORY.
                    picked = versions.versions.first { $0.eventMicros <= referenceMicros }
                    if picked == nil { status = .outsideHistory }
                } else {
                    picked = nil
                }
                guard let picked else {
                    for index in viewColumns.indices {
                        viewColumns[index].values.append(.null)
                        viewColumns[index].statuses.append(status)
                        viewColumns[index].eventMicros.append(nil)
                    }
                    continue
                }
                let (age, overflow) = referenceMicros.subtractingReportingOverflow(picked.eventMicros)
                let stale = read.ttlMicros > 0 && (overflow || age > read.ttlMicros)
                for (index, position) in read.positions.enumerated() {
                    let value = picked.values[position]
                    viewColumns[index].values.append(stale ? .null : value)
                    viewColumns[index].statuses.append(stale ? .outsideMaxAge : value.isNull ? .nullValue : .present)
                    viewColumns[index].eventMicros.append(picked.eventMicros)
                }
            }
            columns += viewColumns
        }
        return Response(columns: columns, rowCount: rowCount)
    }

    static func keyValue(_ json: JSONValue) -> FeatureValue {
        switch json {
        case .integer(let number): .int(number)
        case .string(let text): .string(text)
        default: .null
        }
    }
}
