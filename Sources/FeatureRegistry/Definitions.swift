import Core

/// What a team declares in `Config/`: entities, feature views and feature services.
/// These are plain values; `DefinitionLoader` builds them from YAML and validates them, and the
/// registry stores them (as JSON specs) in PostgreSQL.

/// Something features describe, identified by one join key (e.g. `user` by `user_id`).
public struct Entity: Codable, Hashable, Sendable {
    public var name: String
    public var joinKey: String
    public var keyType: ValueType
    public var description: String
    public var tags: [String: String]

    public init(name: String, joinKey: String, keyType: ValueType, description: String = "", tags: [String: String] = [:]) {
        self.name = name
        self.joinKey = joinKey
        self.keyType = keyType
        self.description = description
        self.tags = tags
    }
}

/// One named, typed value of a feature view.
public struct Feature: Codable, Hashable, Sendable {
    public var name: String
    public var type: ValueType
    public var description: String

    public init(name: String, type: ValueType, description: String = "") {
        self.name = name
        self.type = type
        self.description = description
    }
}

/// A group of features recorded together over time for the same entities.
///
/// Rows carry the view's entity keys, an event timestamp (when the values became true) and an
/// optional created timestamp (when the row was written; breaks ties between equal event times).
public struct FeatureView: Codable, Hashable, Sendable {
    public var name: String
    /// Entity names; empty for a view of global values (no key).
    public var entities: [String]
    public var features: [Feature]
    /// Where ingestion reads from by default (a file path relative to the project root), if set.
    public var source: String?
    /// Column of the source holding the event time.
    public var eventTimestampColumn: String
    /// Column of the source holding the created time, if any.
    public var createdTimestampColumn: String?
    /// How long a value stays valid, in seconds; 0 = forever.
    public var ttlSeconds: Int
    public var owner: String
    public var description: String
    public var tags: [String: String]

    public init(name: String, entities: [String], features: [Feature], source: String? = nil,
                eventTimestampColumn: String = "event_timestamp", createdTimestampColumn: String? = nil,
                ttlSeconds: Int = 0, owner: String = "", description: String = "", tags: [String: String] = [:]) {
        self.name = name
        self.entities = entities
        self.features = features
        self.source = source
        self.eventTimestampColumn = eventTimestampColumn
        self.createdTimestampColumn = createdTimestampColumn
        self.ttlSeconds = ttlSeconds
        self.owner = owner
        self.description = description
        self.tags = tags
    }

    public func feature(named name: String) -> Feature? { features.first { $0.name == name } }
}

/// A named selection of features (`view` for all of a view's features, or `view:feature`),
/// what a model consumes.
public struct FeatureService: Codable, Hashable, Sendable {
    public var name: String
    public var features: [FeatureReference]
    public var owner: String
    public var description: String
    public var tags: [String: String]

    public init(name: String, features: [FeatureReference], owner: String = "", description: String = "", tags: [String: String] = [:]) {
        self.name = name
        self.features = features
        self.owner = owner
        self.description = description
        self.tags = tags
    }
}

/// `view:feature`, or `view` alone meaning every feature of the view.
public struct FeatureReference: CodableAsSpelling, Hashable, Sendable {
    public var view: String
    public var feature: String?

    public init(view: String, feature: String?) {
        self.view = view
        self.feature = feature
    }

    /// Parses `view` or `view:feature`.
    public init?(parsing text: String) {
        let parts = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        guard (1...2).contains(parts.count), !parts[0].isEmpty, parts.count == 1 || !parts[1].isEmpty else { return nil }
        self.init(view: parts[0], feature: parts.count == 2 ? parts[1] : nil)
    }

    public var description: String { feature.map { "\(view):\($0)" } ?? view }
}

/// All definitions of one project.
public struct FeatureRepository: Hashable, Sendable {
    public var project: String
    public var entities: [Entity]
    public var views: [FeatureView]
    public var services: [FeatureService]

    public init(project: String, entities: [Entity] = [], views: [FeatureView] = [], services: [FeatureService] = []) {
        self.project = project
        self.entities = entities
        self.views = views
        self.services = services
    }

    public func entity(named name: String) -> Entity? { entities.first { $0.name == name } }
    public func view(named name: String) -> FeatureView? { views.first { $0.name == name } }
    public func service(named name: String) -> FeatureService? { services.first { $0.name == name } }

    /// The join keys of a view, in the order of its entities, with their types.
    public func joinKeys(of view: FeatureView) -> [(name: String, type: ValueType)] {
        view.entities.compactMap { entity(named: $0) }.map { ($0.joinKey, $0.keyType) }
    }
}
