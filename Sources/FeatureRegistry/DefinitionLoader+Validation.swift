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
        if let problem = StorageNames.problem(ofProjectOrView: repository.project) {
            let node = nodes["project"]
            throw DefinitionError(file: node?.file ?? "", line: node?.line, path: "project", found: "\"\(repository.project)\"",
                                  expected: "a project name: \(problem)")
        }
        for view in repository.views {
            let node = nodes["view:\(view.name)"]
            func fail(_ path: String, found: String, expected: String) -> DefinitionError {
                DefinitionError(file: node?.file ?? "", line: node?.line, path: (node?.path ?? "") + path, found: found, expected: expected)
            }
            try checkStorageLimits(view, in: repository, fail: fail)
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

    /// PostgreSQL's limits on what the view's offline table and exports derive from its names.
    static func checkStorageLimits(_ view: FeatureView, in repository: FeatureRepository,
                                   fail: (String, String, String) -> DefinitionError) throws {
        if let problem = StorageNames.problem(ofProjectOrView: view.name) {
            throw fail(".name", "\"\(view.name)\"", "a view name: \(problem)")
        }
        let partition = StorageNames.offlinePartition(table: StorageNames.offlineTable(project: repository.project, view: view.name),
                                                      suffix: "default")
        if partition.utf8.count > StorageNames.maxIdentifierBytes {
            throw fail(".name", "\"\(view.name)\" in project \"\(repository.project)\", whose offline partitions would be named like \(partition) (\(partition.utf8.count) bytes)",
                       "project and view names together at most \(StorageNames.maxIdentifierBytes - StorageNames.longestPartitionSuffix.utf8.count - StorageNames.separator.utf8.count) bytes (PostgreSQL names stop at \(StorageNames.maxIdentifierBytes))")
        }
        for (index, feature) in view.features.enumerated() {
            let column = StorageNames.fullFeatureName(view: view.name, feature: feature.name)
            if column.utf8.count > StorageNames.maxIdentifierBytes {
                throw fail(".features[\(index)].name", "\"\(feature.name)\", whose full name \(column) has \(column.utf8.count) bytes",
                           "view and feature names together at most \(StorageNames.maxIdentifierBytes - StorageNames.separator.utf8.count) bytes (PostgreSQL names stop at \(StorageNames.maxIdentifierBytes))")
            }
        }
        let columns = view.entities.count + StorageNames.bookkeepingColumns + view.features.count
        if columns > StorageNames.maxColumns {
            throw fail(".features", "\(view.features.count) features (\(columns) columns with keys and times)",
                       "at most \(StorageNames.maxColumns - StorageNames.bookkeepingColumns - view.entities.count) features (PostgreSQL allows \(StorageNames.maxColumns) columns per table)")
        }
    }
}
