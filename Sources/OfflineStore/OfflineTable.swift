import Core
import FeatureRegistry
import Foundation
import Postgres

/// The offline history of one feature view: a PostgreSQL table in schema `pantry_offline`,
/// partitioned by year of event time, with columns
/// `<join keys...>, event_ts, created_ts, ingest_seq, <features...>`.
///
/// The index `(keys..., event_ts DESC, created_ts DESC NULLS LAST, ingest_seq DESC)` answers the
/// point-in-time question "latest row of this entity at or before t" with one index probe per
/// partition the TTL window touches (partitions outside it are pruned at run time).
/// Partitions are yearly because every probe pays for each partition it touches: monthly
/// partitions made a 90-day-TTL join three times slower than an unpartitioned table. Rows of a
/// year without a partition go to the default partition (see `ensurePartitions`).
public struct OfflineTable: Sendable {
    public let project: String
    public let view: FeatureView
    public let joinKeys: [(name: String, type: ValueType)]
    /// Whether embeddings are stored as pgvector `vector(n)` (else `real[]`).
    public let pgvector: Bool

    /// Newest first, the offline tie-break every reader uses: later event time, then later
    /// created time (unknown ranks lowest), then later ingestion. `prefix` qualifies the columns.
    public static func newestFirst(_ prefix: String = "") -> String {
        "\(prefix)event_ts DESC, \(prefix)created_ts DESC NULLS LAST, \(prefix)ingest_seq DESC"
    }

    public init(project: String, view: FeatureView, repository: FeatureRepository, pgvector: Bool) {
        self.project = project
        self.view = view
        self.joinKeys = repository.joinKeys(of: view)
        self.pgvector = pgvector
    }

    /// `<project>__<view>` (see `StorageNames`), validated as an SQL identifier.
    public var tableName: SQLIdentifier {
        get throws { try SQLIdentifier(StorageNames.offlineTable(project: project, view: view.name)) }
    }

    /// A partition's name: `suffix` is a year or `default`.
    func partitionName(_ suffix: String) throws -> SQLIdentifier {
        try SQLIdentifier(StorageNames.offlinePartition(table: try tableName.name, suffix: suffix))
    }

    /// `pantry_offline."<project>__<view>"`.
    public var qualifiedName: String {
        get throws { "pantry_offline.\(try tableName.quoted)" }
    }

    /// Whether this database has the pgvector extension installed.
    public static func hasPgvector(_ connection: PostgresConnection) throws -> Bool {
        try connection.query("SELECT EXISTS (SELECT 1 FROM pg_extension WHERE extname = 'vector')",
                             name: "offline: pgvector?")[0].decode(Bool.self, at: 0)
    }

    func create(on connection: PostgresConnection) throws {
        var columns = try joinKeys.map { "\(try SQLIdentifier($0.name).quoted) \($0.type.postgresType(pgvector: pgvector)) NOT NULL" }
        columns += ["event_ts timestamptz NOT NULL", "created_ts timestamptz",
                    "ingest_seq bigint NOT NULL DEFAULT nextval('pantry.ingest_seq')"]
        columns += try view.features.map { "\(try SQLIdentifier($0.name).quoted) \($0.type.postgresType(pgvector: pgvector))" }
        let table = try qualifiedName
        try connection.query("CREATE TABLE \(table) (\(columns.joined(separator: ", "))) PARTITION BY RANGE (event_ts)",
                             name: "offline: create \(view.name)")
        try connection.query("CREATE TABLE pantry_offline.\(try partitionName("default").quoted) PARTITION OF \(table) DEFAULT",
                             name: "offline: default partition")
        let keys = try joinKeys.map { try SQLIdentifier($0.name).quoted }
        try connection.query("CREATE INDEX ON \(table) (\((keys + [Self.newestFirst()]).joined(separator: ", ")))",
                             name: "offline: index")
        try ensureUpcomingPartitions(on: connection)
    }

    func drop(on connection: PostgresConnection) throws {
        try connection.query("DROP TABLE IF EXISTS \(try qualifiedName)", name: "offline: drop \(view.name)")
    }

    /// Creates the partitions of the current and the next year (UTC), so writes around New Year
    /// never need DDL: run at `apply` and by `pantry serve` (at start and daily).
    public func ensureUpcomingPartitions(now: Date = Date(), on connection: PostgresConnection) throws {
        let year = Calendar.utc.component(.year, from: now)
        try ensurePartitions(years: [year, year + 1], on: connection)
    }

    /// Creates the yearly partitions of `years` that do not exist yet.
    ///
    /// Idempotent and safe to run concurrently: creators of one table serialise on an advisory
    /// lock (held to the end of the caller's transaction) and re-check under it; when the
    /// partition exists, no lock is taken, so concurrent ingests do not serialise. Rows of a year
    /// that landed in the default partition meanwhile (pushes never create partitions) are
    /// moved into the new partition in the same transaction.
    func ensurePartitions(years: [Int], on connection: PostgresConnection) throws {
        let table = try qualifiedName
        let defaultPartition = "pantry_offline.\(try partitionName("default").quoted)"
        for year in years {
            guard (1...9_998).contains(year) else { continue }  // the accepted time range's years (the next one must exist too)
            let partition = "pantry_offline.\(try partitionName(String(year)).quoted)"
            let from = String(format: "%04d-01-01", year), to = String(format: "%04d-01-01", year + 1)
            let range = "event_ts >= '\(from)'::timestamptz AND event_ts < '\(to)'::timestamptz"
            // The re-check after the lock reads pg_class with the statement's fresh snapshot:
            // to_regclass may answer from a catalog snapshot taken before the lock was granted,
            // and miss a partition another creator has just committed (then 42P07).
            let bare = try partitionName(String(year)).name
            try connection.query("""
                DO $$ BEGIN
                  IF to_regclass('\(partition)') IS NOT NULL THEN RETURN; END IF;
                  PERFORM pg_advisory_xact_lock(hashtextextended('pantry partitions \(table)', 0));
                  IF NOT EXISTS (SELECT 1 FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
                                 WHERE n.nspname = 'pantry_offline' AND c.relname = '\(bare)') THEN
                    IF EXISTS (SELECT 1 FROM \(defaultPartition) WHERE \(range)) THEN
                      CREATE TABLE \(partition) (LIKE \(table) INCLUDING DEFAULTS);
                      WITH moved AS (DELETE FROM \(defaultPartition) WHERE \(range) RETURNING *) INSERT INTO \(partition) SELECT * FROM moved;
                      ALTER TABLE \(table) ATTACH PARTITION \(partition) FOR VALUES FROM ('\(from)') TO ('\(to)');
                    ELSE
                      CREATE TABLE \(partition) PARTITION OF \(table) FOR VALUES FROM ('\(from)') TO ('\(to)');
                    END IF;
                  END IF;
                END $$
                """, name: "offline: partition \(year)")
        }
    }
}

extension Calendar {
    static let utc: Calendar = {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar
    }()
}

/// Creates, alters and drops offline tables inside the registry's apply transaction.
public struct OfflineTablesHook: RegistryApplyHook {
    public init() {}

    public func apply(_ plan: RegistryPlan, allowBreaking: Bool, on connection: PostgresConnection) throws {
        let pgvector = try OfflineTable.hasPgvector(connection)
        for change in plan.changes where change.kind == .featureView {
            switch change.action {
            case .create:
                let view = plan.desired.view(named: change.name)!
                try OfflineTable(project: plan.project, view: view, repository: plan.desired, pgvector: pgvector).create(on: connection)
            case .delete:
                let view = plan.current.view(named: change.name)!
                try OfflineTable(project: plan.project, view: view, repository: plan.current, pgvector: pgvector).drop(on: connection)
            case .update:
                let old = plan.current.view(named: change.name)!, new = plan.desired.view(named: change.name)!
                let table = OfflineTable(project: plan.project, view: new, repository: plan.desired, pgvector: pgvector)
                if change.breaking {
                    // Entities or feature types changed: the history no longer fits; rebuild.
                    try OfflineTable(project: plan.project, view: old, repository: plan.current, pgvector: pgvector).drop(on: connection)
                    try table.create(on: connection)
                } else {
                    for feature in new.features where old.feature(named: feature.name) == nil {
                        try connection.query("ALTER TABLE \(try table.qualifiedName) ADD COLUMN \(try SQLIdentifier(feature.name).quoted) \(feature.type.postgresType(pgvector: pgvector))",
                                             name: "offline: add column")
                    }
                }
            }
        }
        // An entity whose key changed invalidates the tables of every view using it; those views
        // are flagged breaking by the plan only if they changed, so rebuild them here too.
        for change in plan.changes where change.kind == .entity && change.action == .update && change.breaking {
            for view in plan.desired.views where view.entities.contains(change.name)
                && !plan.changes.contains(where: { $0.kind == .featureView && $0.name == view.name }) {
                let table = OfflineTable(project: plan.project, view: view, repository: plan.desired, pgvector: pgvector)
                try table.drop(on: connection)
                try table.create(on: connection)
            }
        }
    }
}
