import Core
import FeatureRegistry
import Redis

/// A list of requested features resolved against the registry: which views to read, under
/// which join keys, which stored positions to pick and what to call the output columns.
///
/// None of it depends on the entity rows, so a server resolves each distinct feature list once
/// per registry snapshot (`OnlineFeatureService.Plans`) instead of once per lookup.
public struct OnlineReadPlan: Sendable {
    /// One view to read, and the features taken from it.
    public struct ViewRead: Sendable {
        public let view: FeatureView
        /// The view's join keys, in the order of its entities (the order of its Redis key).
        public let keyNames: [String]
        /// Where each of those keys sits in `requiredKeys`.
        public let keyPositions: [Int]
        /// Where each requested feature (in output order) sits in the stored version.
        public let positions: [Int]
        public let columnNames: [String]
        /// Values older than this at the reference time are OUTSIDE_MAX_AGE (0: no TTL).
        public let ttlMicros: Int64
    }

    /// Views that share join keys live in the same Redis hash: one `HMGET` reads them all.
    public struct KeyGroup: Sendable {
        public let keyNames: [String]
        public let keyPositions: [Int]
        /// Indexes into `views`, in the order of the `HMGET`'s fields.
        public let views: [Int]
        /// The group's `HMGET` in RESP, encoded once: the header goes before the key, the
        /// view fields after it.
        let commandHeader: [UInt8]
        let commandFields: [UInt8]

        init(keyNames: [String], keyPositions: [Int], views: [Int], fieldNames: [String]) {
            self.keyNames = keyNames
            self.keyPositions = keyPositions
            self.views = views
            var header: [UInt8] = [], fields: [UInt8] = []
            RedisCommand.appendHeader(&header, count: 2 + fieldNames.count)
            RedisCommand.appendBulk(&header, Array("HMGET".utf8))
            for name in fieldNames { RedisCommand.appendBulk(&fields, Array(name.utf8)) }
            commandHeader = header
            commandFields = fields
        }
    }

    public let project: String
    /// Join keys the entity rows must provide, in the order the views name them.
    public let requiredKeys: [(name: String, type: ValueType)]
    public let views: [ViewRead]
    public let keyGroups: [KeyGroup]

    /// Resolves `view` / `view:feature` references; errors name what is unknown and what exists.
    public init(references: [FeatureReference], repository: FeatureRepository, fullFeatureNames: Bool) throws(OnlineFeatureService.RequestError) {
        let selection: FeatureSelection
        do {
            selection = try FeatureSelection(references: references, repository: repository, fullFeatureNames: fullFeatureNames)
        } catch {
            throw OnlineFeatureService.RequestError(error.description)
        }
        let requiredKeys = selection.requiredKeys
        self.requiredKeys = requiredKeys
        views = selection.views.map { chosen -> ViewRead in
            let keyNames = chosen.joinKeys.map(\.name)
            return ViewRead(view: chosen.view,
                            keyNames: keyNames,
                            keyPositions: keyNames.map { name in requiredKeys.firstIndex { $0.name == name }! },
                            positions: chosen.features.map { chosen.view.features.firstIndex(of: $0)! },
                            columnNames: chosen.features.map { selection.columnName(view: chosen.view, feature: $0) },
                            ttlMicros: Int64(chosen.view.ttlSeconds) * 1_000_000)
        }
        var members: [(read: ViewRead, views: [Int])] = []
        for (index, read) in views.enumerated() {
            if let existing = members.firstIndex(where: { $0.read.keyNames == read.keyNames }) {
                members[existing].views.append(index)
            } else {
                members.append((read, [index]))
            }
        }
        let views = views
        keyGroups = members.map { member in
            KeyGroup(keyNames: member.read.keyNames, keyPositions: member.read.keyPositions, views: member.views,
                     fieldNames: member.views.map { views[$0].view.name })
        }
        project = repository.project
    }
}
