import Foundation
import Postgres

/// Work done inside the apply transaction by other parts of the store (the offline store
/// creates and alters its tables here), so an apply is all-or-nothing across them.
public protocol RegistryApplyHook: Sendable {
    func apply(_ plan: RegistryPlan, allowBreaking: Bool, on connection: PostgresConnection) throws
}

/// The registry kept in PostgreSQL (`pantry.registry_objects`, see Migrations/0002).
public struct RegistryStore: Sendable {
    public init() {}

    /// Everything the registry holds for `project` (empty when the project is new).
    public func load(project: String, on connection: PostgresConnection) throws -> FeatureRepository {
        var repository = FeatureRepository(project: project)
        let decoder = JSONDecoder()
        let rows = try connection.query(
            "SELECT kind, spec::text FROM pantry.registry_objects WHERE project = $1 ORDER BY kind, name",
            [project], name: "registry: load")
        for row in rows.rows {
            let spec = Data(try row.decode(String.self, at: 1).utf8)
            switch try row.decode(String.self, at: 0) {
            case "entity": repository.entities.append(try decoder.decode(Entity.self, from: spec))
            case "feature_view": repository.views.append(try decoder.decode(FeatureView.self, from: spec))
            default: repository.services.append(try decoder.decode(FeatureService.self, from: spec))
            }
        }
        return repository
    }

    /// Object versions of a project, keyed by `kind:name`.
    public func versions(project: String, on connection: PostgresConnection) throws -> [String: Int] {
        var versions: [String: Int] = [:]
        for row in try connection.query("SELECT kind, name, version FROM pantry.registry_objects WHERE project = $1",
                                        [project], name: "registry: versions").rows {
            versions["\(try row.decode(String.self, at: 0)):\(try row.decode(String.self, at: 1))"] = try row.decode(Int.self, at: 2)
        }
        return versions
    }

    public func plan(_ desired: FeatureRepository, on connection: PostgresConnection) throws -> RegistryPlan {
        RegistryPlan(current: try load(project: desired.project, on: connection), desired: desired)
    }

    /// Applies `desired` in one transaction. Concurrent applies of one project serialise on an
    /// advisory lock, and the plan is recomputed under that lock, so the second apply sees the
    /// first one's result. Breaking changes are refused unless `allowBreaking`.
    @discardableResult
    public func apply(_ desired: FeatureRepository, allowBreaking: Bool, hooks: [any RegistryApplyHook],
                      on connection: PostgresConnection) throws -> RegistryPlan {
        try connection.transaction { tx in
            try tx.query("SELECT pg_advisory_xact_lock(hashtext('pantry.apply'), hashtext($1))", [desired.project], name: "registry: lock")
            let plan = try self.plan(desired, on: tx)
            if plan.isEmpty { return plan }
            if plan.hasBreakingChanges && !allowBreaking {
                throw RegistryError("""
                    the plan has breaking changes; nothing was applied:
                    \(plan.summary.filter { $0.contains("BREAKING") }.joined(separator: "\n"))
                    Re-run with --allow-breaking to apply them (affected offline tables are rebuilt and lose their history).
                    """)
            }
            try tx.query("""
                INSERT INTO pantry.projects (name, last_applied_at) VALUES ($1, now())
                ON CONFLICT (name) DO UPDATE SET last_applied_at = now()
                """, [desired.project], name: "registry: project")
            let applyID = try tx.query("INSERT INTO pantry.applies (project, summary) VALUES ($1, $2) RETURNING id",
                                       [desired.project, plan.summary.joined(separator: "\n")], name: "registry: apply")[0].decode(Int.self, at: 0)
            let versions = try self.versions(project: desired.project, on: tx)
            for change in plan.changes {
                let spec = try self.spec(of: change, in: desired)
                let version = (versions["\(change.kind.rawValue):\(change.name)"] ?? 0) + (change.action == .delete ? 0 : 1)
                switch change.action {
                case .create, .update:
                    try tx.query("""
                        INSERT INTO pantry.registry_objects (project, kind, name, version, spec) VALUES ($1, $2, $3, $4, $5::jsonb)
                        ON CONFLICT (project, kind, name) DO UPDATE SET version = $4, spec = $5::jsonb, updated_at = now()
                        """, [desired.project, change.kind.rawValue, change.name, version, spec], name: "registry: upsert")
                case .delete:
                    try tx.query("DELETE FROM pantry.registry_objects WHERE project = $1 AND kind = $2 AND name = $3",
                                 [desired.project, change.kind.rawValue, change.name], name: "registry: delete")
                }
                try tx.query("""
                    INSERT INTO pantry.registry_history (apply_id, kind, name, version, action, breaking, spec)
                    VALUES ($1, $2, $3, $4, $5, $6, $7::jsonb)
                    """, [applyID, change.kind.rawValue, change.name, version, change.action.rawValue, change.breaking, spec],
                    name: "registry: history")
            }
            for hook in hooks { try hook.apply(plan, allowBreaking: allowBreaking, on: tx) }
            return plan
        }
    }

    /// The stored JSON of an object after the change (nil for a deletion).
    private func spec(of change: RegistryPlan.Change, in repository: FeatureRepository) throws -> String? {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        let data: Data? = switch change.kind {
        case .entity: try repository.entity(named: change.name).map { try encoder.encode($0) }
        case .featureView: try repository.view(named: change.name).map { try encoder.encode($0) }
        case .featureService: try repository.service(named: change.name).map { try encoder.encode($0) }
        }
        return data.map { String(decoding: $0, as: UTF8.self) }
    }

    /// The apply history of a project, newest first: (id, time, user, summary).
    public func history(project: String, limit: Int = 20, on connection: PostgresConnection) throws -> [(Int, Date, String, String)] {
        try connection.query("""
            SELECT id, applied_at, applied_by, summary FROM pantry.applies WHERE project = $1 ORDER BY id DESC LIMIT $2
            """, [project, limit], name: "registry: history").rows.map {
            (try $0.decode(Int.self, at: 0), try $0.decode(Date.self, at: 1), try $0.decode(String.self, at: 2), try $0.decode(String.self, at: 3))
        }
    }
}

/// A registry problem, worded for the person who has to fix it.
public struct RegistryError: Error, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}
