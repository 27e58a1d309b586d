import Core
import FeatureRegistry
import Postgres

/// Builds the SQL of a point-in-time join: for each entity row and each requested view, the
/// row of that view with the latest `event_ts` such that
/// `entity_ts - ttl <= event_ts <= entity_ts` (both inclusive; ttl 0 = no lower bound), ties
/// broken by the larger `created_ts` (NULL ranks lowest) and then by later ingestion.
///
/// Each view is joined with `LEFT JOIN LATERAL (... ORDER BY ... LIMIT 1)` on its own key
/// columns, so compound keys are compared column by column (never concatenated), exact
/// duplicate history rows cannot multiply output rows, and the work per entity row is one
/// index probe per view: linear in the entity set, whatever the key shape.
public struct PointInTimeJoin: Sendable {
    /// One requested view and the features taken from it.
    public struct Selection: Sendable {
        public let view: FeatureView
        public let features: [Feature]
        public let table: OfflineTable
    }

    /// What was asked for, resolved against the registry.
    public let selection: FeatureSelection
    public let selections: [Selection]
    /// Only use rows written (created_ts) at or before the entity row's time.
    public let asOfCreated: Bool

    /// Resolves references (`view` or `view:feature`) against the registry.
    public init(references: [FeatureReference], repository: FeatureRepository, pgvector: Bool,
                fullFeatureNames: Bool, asOfCreated: Bool) throws {
        selection = try FeatureSelection(references: references, repository: repository, fullFeatureNames: fullFeatureNames)
        selections = selection.views.map { view in
            Selection(view: view.view, features: view.features,
                      table: OfflineTable(project: repository.project, view: view.view, repository: repository, pgvector: pgvector))
        }
        self.asOfCreated = asOfCreated
    }

    public var fullFeatureNames: Bool { selection.fullFeatureNames }
    /// Join keys the entity set must provide, with their types (union over the views).
    public var requiredKeys: [(name: String, type: ValueType)] { selection.requiredKeys }
    /// Output names of the feature columns, in order (`view__feature` with full names).
    public var featureColumns: [(name: String, view: FeatureView, feature: Feature)] { selection.featureColumns }

    public enum Output { case csv, jsonLines }

    /// The SELECT producing the training set from `entityTable` (columns `_row`, then
    /// `passThrough` in order), one row per entity row, in entity-row order, with `_row` first.
    /// `filter` restricts the entity rows (e.g. `e._row % 2 = 0` for one of two workers).
    public func select(entityTable: String, passThrough: [String], timestampColumn: String, output: Output,
                       filter: String? = nil) throws -> String {
        for column in featureColumns where passThrough.contains(column.name) {
            throw RegistryError("feature column \"\(column.name)\" has the name of an entity set column: use full feature names (view__feature) or rename")
        }
        let entityTime = "e.\(try SQLIdentifier(timestampColumn).quoted)"
        var columns = ["e._row"] + (try passThrough.map { "e.\(try SQLIdentifier($0).quoted)" })
        var joins: [String] = []
        for (index, selection) in selections.enumerated() {
            let alias = "v\(index)"
            var conditions = try selection.table.joinKeys.map { key -> String in
                let name = try SQLIdentifier(key.name).quoted
                return "t.\(name) = e.\(name)"
            }
            conditions.append("t.event_ts <= \(entityTime)")
            if selection.view.ttlSeconds > 0 {
                conditions.append("t.event_ts >= \(entityTime) - interval '\(selection.view.ttlSeconds) seconds'")
            }
            if asOfCreated { conditions.append("(t.created_ts IS NULL OR t.created_ts <= \(entityTime))") }
            let picked = try selection.features.map { "t.\(try SQLIdentifier($0.name).quoted)" }.joined(separator: ", ")
            joins.append("""
                LEFT JOIN LATERAL (SELECT \(picked) FROM \(try selection.table.qualifiedName) t
                  WHERE \(conditions.joined(separator: " AND "))
                  ORDER BY \(OfflineTable.newestFirst("t.")) LIMIT 1) \(alias) ON true
                """)
            for feature in selection.features {
                let value = "\(alias).\(try SQLIdentifier(feature.name).quoted)"
                let name = self.selection.columnName(view: selection.view, feature: feature)
                columns.append("\(Self.render(value, type: feature.type, pgvector: selection.table.pgvector, output: output)) AS \(try SQLIdentifier(name).quoted)")
            }
        }
        return "SELECT \(columns.joined(separator: ", ")) FROM \(entityTable) e\n\(joins.joined(separator: "\n"))"
            + (filter.map { "\nWHERE \($0)" } ?? "")
    }

    /// Embeddings always leave in pgvector's text form `[1,2,3]` (a JSON array in JSON lines),
    /// whichever storage the database uses.
    static func render(_ value: String, type: ValueType, pgvector: Bool, output: Output) -> String {
        switch (type, output) {
        case (.vector, .csv): pgvector ? "\(value)::text" : "('[' || array_to_string(\(value), ',') || ']')"
        case (.vector, .jsonLines): pgvector ? "(\(value)::text)::json" : "to_json(\(value))"
        default: value
        }
    }
}
