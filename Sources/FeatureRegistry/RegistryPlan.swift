/// The difference between the definitions in `Config/` and what the registry holds.
public struct RegistryPlan: Sendable {
    public enum Kind: String, Sendable, Codable {
        case entity, featureView = "feature_view", featureService = "feature_service"
    }

    public enum Action: String, Sendable {
        case create, update, delete
    }

    public struct Change: Sendable {
        public let kind: Kind
        public let name: String
        public let action: Action
        /// True when consumers or stored data are affected: a feature removed or retyped, a
        /// view's entities changed, an entity's key changed, a view or entity deleted.
        public let breaking: Bool
        /// Human-readable reasons, e.g. `feature rating: float -> double`.
        public let details: [String]
    }

    public let project: String
    public let changes: [Change]
    /// What the registry will hold after the apply.
    public let desired: FeatureRepository
    /// What it holds now (empty for a new project).
    public let current: FeatureRepository

    public var isEmpty: Bool { changes.isEmpty }
    public var hasBreakingChanges: Bool { changes.contains { $0.breaking } }

    /// Computes the changes from `current` to `desired`.
    public init(current: FeatureRepository, desired: FeatureRepository) {
        self.project = desired.project
        self.current = current
        self.desired = desired
        var changes: [Change] = []

        func diff<T>(_ kind: Kind, _ old: [T], _ new: [T], name: (T) -> String, compare: (T, T) -> (breaking: Bool, details: [String])?) {
            for item in new {
                if let previous = old.first(where: { name($0) == name(item) }) {
                    if let (breaking, details) = compare(previous, item) {
                        changes.append(Change(kind: kind, name: name(item), action: .update, breaking: breaking, details: details))
                    }
                } else {
                    changes.append(Change(kind: kind, name: name(item), action: .create, breaking: false, details: []))
                }
            }
            for item in old where !new.contains(where: { name($0) == name(item) }) {
                changes.append(Change(kind: kind, name: name(item), action: .delete, breaking: kind != .featureService, details: []))
            }
        }

        diff(.entity, current.entities, desired.entities, name: \.name) { old, new in
            guard old != new else { return nil }
            var details: [String] = []
            if old.joinKey != new.joinKey { details.append("join key: \(old.joinKey) -> \(new.joinKey)") }
            if old.keyType != new.keyType { details.append("key type: \(old.keyType) -> \(new.keyType)") }
            let breaking = !details.isEmpty
            if old.description != new.description || old.tags != new.tags { details.append("description or tags") }
            return (breaking, details)
        }
        diff(.featureView, current.views, desired.views, name: \.name) { old, new in
            guard old != new else { return nil }
            var details: [String] = []
            var breaking = false
            if old.entities != new.entities {
                details.append("entities: [\(old.entities.joined(separator: ", "))] -> [\(new.entities.joined(separator: ", "))]")
                breaking = true
            }
            for feature in old.features {
                if let replacement = new.feature(named: feature.name) {
                    if replacement.type != feature.type {
                        details.append("feature \(feature.name): \(feature.type) -> \(replacement.type)")
                        breaking = true
                    }
                } else {
                    details.append("feature \(feature.name) removed")
                    breaking = true
                }
            }
            for feature in new.features where old.feature(named: feature.name) == nil {
                details.append("feature \(feature.name) added (\(feature.type))")
            }
            if old.ttlSeconds != new.ttlSeconds { details.append("ttl: \(old.ttlSeconds)s -> \(new.ttlSeconds)s") }
            if old.eventTimestampColumn != new.eventTimestampColumn || old.createdTimestampColumn != new.createdTimestampColumn
                || old.source != new.source {
                details.append("source or timestamp columns")
            }
            if old.owner != new.owner || old.description != new.description || old.tags != new.tags {
                details.append("owner, description or tags")
            }
            return (breaking, details)
        }
        diff(.featureService, current.services, desired.services, name: \.name) { old, new in
            guard old != new else { return nil }
            return (false, ["features: \(old.features.map(\.description).joined(separator: ", ")) -> \(new.features.map(\.description).joined(separator: ", "))"])
        }
        self.changes = changes
    }

    /// The plan as lines a person reads before applying.
    public var summary: [String] {
        if changes.isEmpty { return ["project \(project): no changes"] }
        return changes.map { change in
            let sign = change.action == .create ? "+" : change.action == .delete ? "-" : "~"
            let flag = change.breaking ? " (BREAKING)" : ""
            let details = change.details.isEmpty ? "" : ": " + change.details.joined(separator: "; ")
            return "\(sign) \(change.action.rawValue) \(change.kind.rawValue) \(change.name)\(flag)\(details)"
        }
    }
}
