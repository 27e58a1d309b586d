import FeatureRegistry
import Foundation
import OfflineStore

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
        let join: PointInTimeJoin
        do {
            join = try PointInTimeJoin(references: request.references, repository: repository, pgvector: false,
                                       fullFeatureNames: request.fullFeatureNames, asOfCreated: false)
        } catch {
            throw RequestError("\(error)")
        }
        // With no entity columns at all (only views without entities), there is one row.
        let rowCount = request.entities.isEmpty ? 1 : request.entities.values.first!.count
        if request.entities.values.contains(where: { $0.count != rowCount }) {
            let lengths = request.entities.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value.count)" }.joined(separator: ", ")
            throw RequestError("entity columns have different lengths: \(lengths)")
        }
        // Join key values as text, checked against the entity types.
        var keyText: [String: [String?]] = [:]
        let requiredKeys = join.requiredKeys
        for key in requiredKeys {
            guard let values = request.entities[key.name] else {
                throw RequestError("missing entity column \"\(key.name)\" (needed by the requested features; given: \(request.entities.keys.sorted().joined(separator: ", ")))")
            }
            keyText[key.name] = try values.enumerated().map { index, value in
                switch (key.type, value) {
                case (.string, .string(let text)): return text
                case (.int64, .integer(let number)), (.int32, .integer(let number)): return String(number)
                case (_, .null): return nil
                default:
                    throw RequestError("entity column \"\(key.name)\", row \(index): expected \(key.type), found \(value.shown)")
                }
            }
        }
        // Cells to read: one per (row, view) whose keys are all present.
        var cells: [OnlineCell] = []
        var cellIndex: [[Int?]] = Array(repeating: [], count: join.selections.count)
        for (viewIndex, selection) in join.selections.enumerated() {
            let names = selection.table.joinKeys.map(\.name)
            for row in 0..<rowCount {
                let keys = names.map { keyText[$0]![row] }
                if keys.contains(where: { $0 == nil }) { cellIndex[viewIndex].append(nil); continue }
                cellIndex[viewIndex].append(cells.count)
                cells.append(OnlineCell(view: selection.view.name, keys: keys.map { $0! }))
            }
        }
        let results = try await store.read(cells)

        // Join key columns first, in the order the views name them (as Feast does).
        var columns = requiredKeys.map(\.name).map { name in
            Column(name: name, values: request.entities[name]!.map(Self.keyValue),
                   statuses: Array(repeating: .present, count: rowCount), eventMicros: Array(repeating: nil, count: rowCount))
        }
        let reference = request.asOf ?? now
        let referenceMicros = Int64((reference.timeIntervalSince1970 * 1_000_000).rounded())
        for (viewIndex, selection) in join.selections.enumerated() {
            let ttl = Int64(selection.view.ttlSeconds) * 1_000_000
            // Where each requested feature sits in the view's stored values (once, not per row).
            let positions = selection.features.map { feature in selection.view.features.firstIndex(of: feature)! }
            var viewColumns = selection.features.map { feature in
                Column(name: request.fullFeatureNames ? "\(selection.view.name)__\(feature.name)" : feature.name,
                       values: [], statuses: [], eventMicros: [])
            }
            for row in 0..<rowCount {
                let versions = cellIndex[viewIndex][row].flatMap { results[$0] }
                let picked: OnlineVersions.Version?
                var status: FeatureStatus = .notFound
                if let versions {
                    picked = request.asOf == nil ? versions.versions.first
                        : versions.versions.first { $0.eventMicros <= referenceMicros }
                    if picked == nil, versions.truncated, request.asOf != nil { status = .outsideHistory }
                } else {
                    picked = nil
                }
                for (featureIndex, feature) in selection.features.enumerated() {
                    guard let picked else {
                        viewColumns[featureIndex].values.append(.null)
                        viewColumns[featureIndex].statuses.append(status)
                        viewColumns[featureIndex].eventMicros.append(nil)
                        continue
                    }
                    let value = picked.values[positions[featureIndex]]
                    let stale = ttl > 0 && referenceMicros - picked.eventMicros > ttl
                    viewColumns[featureIndex].values.append(stale ? .null : value)
                    viewColumns[featureIndex].statuses.append(stale ? .outsideMaxAge : value.isNull ? .nullValue : .present)
                    viewColumns[featureIndex].eventMicros.append(picked.eventMicros)
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
