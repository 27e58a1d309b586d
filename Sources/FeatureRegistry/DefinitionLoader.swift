import Core
import Foundation
import Yams

/// Reads feature definitions from YAML and checks them.
///
/// A definitions file looks like:
/// ```yaml
/// project: movielens
/// entities:
///   - name: user
///     join_key: user_id
///     type: int64
/// feature_views:
///   - name: user_stats
///     entities: [user]
///     ttl: 30d
///     event_timestamp: event_ts
///     created_timestamp: created_ts
///     features:
///       - {name: rating_count, type: int64}
/// feature_services:
///   - name: ranking
///     features: [user_stats, movie_stats:rating_mean]
/// ```
/// Every problem is reported with its file, line, path, what was found and what was expected.
public enum DefinitionLoader {
    /// Loads one file, or every `*.yaml`/`*.yml` file of a folder (all must name one project).
    public static func load(path: String) throws -> FeatureRepository {
        var isDirectory: ObjCBool = false
        guard FileManager.default.fileExists(atPath: path, isDirectory: &isDirectory) else {
            throw DefinitionError(file: path, line: nil, path: "", found: "no such file or folder", expected: "a definitions file or folder")
        }
        let files = isDirectory.boolValue
            ? try FileManager.default.contentsOfDirectory(atPath: path).filter { $0.hasSuffix(".yaml") || $0.hasSuffix(".yml") }.sorted().map { "\(path)/\($0)" }
            : [path]
        guard !files.isEmpty else {
            throw DefinitionError(file: path, line: nil, path: "", found: "no .yaml files", expected: "at least one definitions file")
        }
        var merged: FeatureRepository?
        var origins: [String: YAMLNode] = [:]
        for file in files {
            let text = try String(contentsOfFile: file, encoding: .utf8)
            let (part, nodes) = try parse(text, file: file)
            if var repository = merged {
                guard repository.project == part.project else {
                    throw DefinitionError(file: file, line: 1, path: "project", found: "\"\(part.project)\"",
                                          expected: "\"\(repository.project)\" like the other files of \(path)")
                }
                repository.entities += part.entities
                repository.views += part.views
                repository.services += part.services
                merged = repository
            } else {
                merged = part
            }
            origins.merge(nodes) { first, _ in first }
            try checkDuplicates(merged!, file: file, nodes: nodes)
        }
        try validate(merged!, nodes: origins)
        return merged!
    }

    /// Loads and checks definitions from YAML text (`file` names it in errors).
    public static func load(yaml text: String, file: String) throws -> FeatureRepository {
        let (repository, nodes) = try parse(text, file: file)
        try checkDuplicates(repository, file: file, nodes: nodes)
        try validate(repository, nodes: nodes)
        return repository
    }

    /// Parses one document. Returns the definitions and, per object, its node (for errors).
    static func parse(_ text: String, file: String) throws -> (FeatureRepository, [String: YAMLNode]) {
        let document = try YAMLNode.document(text, file: file, expected: "a mapping with project, entities, feature_views, feature_services")
            .mapping(allowed: ["project", "entities", "feature_views", "feature_services"])
        let project = try document.required("project", expected: "a project name").string()
        var repository = FeatureRepository(project: project)
        var nodes: [String: YAMLNode] = [:]
        for item in try document["entities"]?.list() ?? [] {
            let entity = try parseEntity(item)
            repository.entities.append(entity)
            nodes["entity:\(entity.name)"] = item
        }
        for item in try document["feature_views"]?.list() ?? [] {
            let view = try parseView(item)
            repository.views.append(view)
            nodes["view:\(view.name)"] = item
        }
        for item in try document["feature_services"]?.list() ?? [] {
            let service = try parseService(item)
            repository.services.append(service)
            nodes["service:\(service.name)"] = item
        }
        let projectNode = try document.required("project", expected: "a project name")
        try checkIdentifier(project, node: projectNode)
        nodes["project"] = projectNode
        return (repository, nodes)
    }

    static func parseEntity(_ node: YAMLNode) throws(DefinitionError) -> Entity {
        let fields = try node.mapping(allowed: ["name", "join_key", "type", "description", "tags"])
        let name = try identifier(fields.required("name", expected: "the entity's name"))
        let typeNode = try fields.required("type", expected: "the join key's type (int32, int64 or string)")
        guard let type = ValueType(parsing: try typeNode.string()), type.isValidKey else {
            throw typeNode.error(found: "\"\(try typeNode.string())\"", expected: "int32, int64 or string")
        }
        return Entity(name: name,
                      joinKey: try identifier(fields.required("join_key", expected: "the join key column, e.g. user_id")),
                      keyType: type,
                      description: try fields["description"]?.string() ?? "",
                      tags: try fields["tags"]?.stringMap() ?? [:])
    }

    static func parseView(_ node: YAMLNode) throws(DefinitionError) -> FeatureView {
        let fields = try node.mapping(allowed: ["name", "entities", "features", "source", "event_timestamp",
                                                "created_timestamp", "ttl", "owner", "description", "tags"])
        let name = try identifier(fields.required("name", expected: "the view's name"))
        var entities: [String] = []
        for item in try fields["entities"]?.list(expected: "a list of entity names ([] for none)") ?? [] {
            entities.append(try item.string(expected: "an entity name"))
        }
        let featureNodes = try fields.required("features", expected: "a list of features").list()
        guard !featureNodes.isEmpty else {
            throw try fields.required("features", expected: "").error(found: "an empty list", expected: "at least one feature")
        }
        var features: [Feature] = []
        for item in featureNodes {
            let spec = try item.mapping(allowed: ["name", "type", "description"])
            let typeNode = try spec.required("type", expected: "the feature's type")
            guard let type = ValueType(parsing: try typeNode.string()) else {
                throw typeNode.error(found: "\"\(try typeNode.string())\"", expected: ValueType.expectedSpelling)
            }
            features.append(Feature(name: try identifier(spec.required("name", expected: "the feature's name")), type: type,
                                    description: try spec["description"]?.string() ?? ""))
        }
        return FeatureView(
            name: name, entities: entities, features: features,
            source: try fields["source"]?.string(expected: "a file path"),
            eventTimestampColumn: try fields["event_timestamp"].map { node throws(DefinitionError) in try identifier(node) } ?? "event_timestamp",
            createdTimestampColumn: try fields["created_timestamp"].map { node throws(DefinitionError) in try identifier(node) },
            ttlSeconds: try fields["ttl"].map(parseDuration) ?? 0,
            owner: try fields["owner"]?.string() ?? "",
            description: try fields["description"]?.string() ?? "",
            tags: try fields["tags"]?.stringMap() ?? [:])
    }

    static func parseService(_ node: YAMLNode) throws(DefinitionError) -> FeatureService {
        let fields = try node.mapping(allowed: ["name", "features", "owner", "description", "tags"])
        let name = try identifier(fields.required("name", expected: "the service's name"))
        var references: [FeatureReference] = []
        for item in try fields.required("features", expected: "a list of view or view:feature references").list() {
            let text = try item.string()
            guard let reference = FeatureReference(parsing: text) else {
                throw item.error(found: "\"\(text)\"", expected: "view or view:feature")
            }
            references.append(reference)
        }
        return FeatureService(name: name, features: references, owner: try fields["owner"]?.string() ?? "",
                              description: try fields["description"]?.string() ?? "",
                              tags: try fields["tags"]?.stringMap() ?? [:])
    }

    /// `0`, `3600`, `45s`, `30m`, `12h`, `30d`, `2w` → seconds.
    public static func parseDuration(_ node: YAMLNode) throws(DefinitionError) -> Int {
        let text = try node.string(expected: "a duration")
        let units: [Character: Int] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let seconds = Int(text), seconds >= 0 { return seconds }
        if let unit = text.last, let scale = units[unit], let count = Int(text.dropLast()), count >= 0 {
            return count * scale
        }
        throw node.error(found: "\"\(text)\"", expected: "a duration such as 0 (forever), 3600, 45s, 30m, 12h, 30d or 2w")
    }

    static func identifier(_ node: YAMLNode) throws(DefinitionError) -> String {
        let text = try node.string(expected: "a name")
        try checkIdentifier(text, node: node)
        return text
    }

    /// Names become SQL identifiers and Redis key parts: letters, digits, underscores.
    static func checkIdentifier(_ text: String, node: YAMLNode) throws(DefinitionError) {
        let bytes = Array(text.utf8)
        let valid = !bytes.isEmpty && bytes.count <= 48
            && (bytes[0] == 95 || (bytes[0] >= 97 && bytes[0] <= 122))
            && bytes.allSatisfy { $0 == 95 || ($0 >= 97 && $0 <= 122) || ($0 >= 48 && $0 <= 57) }
        guard valid else {
            throw node.error(found: "\"\(text)\"", expected: "a name of lower-case letters, digits and underscores, starting with a letter or underscore, at most 48 characters")
        }
    }
}
