/// Cross-object checks: names unique, references resolve, columns do not clash.
extension DefinitionLoader {
    static func checkDuplicates(_ repository: FeatureRepository, file: String, nodes: [String: YAMLNode]) throws {
        func check(_ names: [String], kind: String) throws {
            var seen = Set<String>()
            for name in names where !seen.insert(name).inserted {
                let node = nodes["\(kind):\(name)"]
                throw DefinitionError(file: node?.file ?? file, line: node?.line, path: node?.path ?? kind,
                                      found: "a second \(kind) named \"\(name)\"", expected: "unique \(kind) names")
            }
        }
        try check(repository.entities.map(\.name), kind: "entity")
        try check(repository.views.map(\.name), kind: "view")
        try check(repository.services.map(\.name), kind: "service")
    }

    static func validate(_ repository: FeatureRepository, nodes: [String: YAMLNode]) throws {
        let reserved: Set<String> = ["event_ts", "created_ts", "ingest_seq"]
        for view in repository.views {
            let node = nodes["view:\(view.name)"]
            func fail(_ path: String, found: String, expected: String) -> DefinitionError {
                DefinitionError(file: node?.file ?? "", line: node?.line, path: (node?.path ?? "") + path, found: found, expected: expected)
            }
            var columns = Set<String>()
            for (index, entity) in view.entities.enumerated() {
                guard let resolved = repository.entity(named: entity) else {
                    throw fail(".entities[\(index)]", found: "unknown entity \"\(entity)\"",
                               expected: "one of the defined entities (\(repository.entities.map(\.name).joined(separator: ", ")))")
                }
                guard columns.insert(resolved.joinKey).inserted else {
                    throw fail(".entities[\(index)]", found: "entity \"\(entity)\" listed twice or sharing join key \(resolved.joinKey)",
                               expected: "distinct entities")
                }
            }
            for (index, feature) in view.features.enumerated() {
                guard !reserved.contains(feature.name) else {
                    throw fail(".features[\(index)].name", found: "\"\(feature.name)\"", expected: "a name other than event_ts, created_ts, ingest_seq (used by the offline store)")
                }
                guard columns.insert(feature.name).inserted else {
                    throw fail(".features[\(index)].name", found: "a second column named \"\(feature.name)\"",
                               expected: "feature names unique and distinct from the join keys")
                }
            }
            if let created = view.createdTimestampColumn, created == view.eventTimestampColumn {
                throw fail(".created_timestamp", found: "\"\(created)\"", expected: "a column other than the event timestamp")
            }
        }
        for service in repository.services {
            let node = nodes["service:\(service.name)"]
            for (index, reference) in service.features.enumerated() {
                let path = (node?.path ?? "") + ".features[\(index)]"
                guard let view = repository.view(named: reference.view) else {
                    throw DefinitionError(file: node?.file ?? "", line: node?.line, path: path,
                                          found: "unknown feature view \"\(reference.view)\"", expected: "a defined feature view")
                }
                if let feature = reference.feature, view.feature(named: feature) == nil {
                    throw DefinitionError(file: node?.file ?? "", line: node?.line, path: path,
                                          found: "unknown feature \"\(feature)\" of view \(view.name)",
                                          expected: "one of \(view.features.map(\.name).joined(separator: ", "))")
                }
            }
        }
    }
}
