/// The names storage derives from definitions, and the limits they must respect.
///
/// Offline tables are `<project>__<view>` with yearly partitions `<project>__<view>__<year>`
/// and `<project>__<view>__default`; export columns with full feature names are
/// `<view>__<feature>`. `__` is the separator, so project and view names may not contain it,
/// nor begin or end with `_`: then every derived name splits back one way only (a view
/// `v__2025` can no longer collide with view `v`'s 2025 partition). Names beginning with `_`
/// are Pantry's own (e.g. the online store's bookkeeping fields). PostgreSQL truncates
/// identifiers at 63 bytes and allows 1,600 columns per table: `DefinitionLoader` checks
/// both when definitions are loaded, so `plan` reports what `apply` would otherwise fail on.
public enum StorageNames {
    public static let separator = "__"
    /// PostgreSQL's NAMEDATALEN - 1.
    public static let maxIdentifierBytes = 63
    /// PostgreSQL's MaxHeapAttributeNumber.
    public static let maxColumns = 1_600
    /// Columns every offline table has besides join keys and features (event_ts, created_ts,
    /// ingest_seq).
    public static let bookkeepingColumns = 3
    /// The longest suffix a table's partitions add.
    static let longestPartitionSuffix = "__default"

    public static func offlineTable(project: String, view: String) -> String {
        project + separator + view
    }

    /// `suffix` is a year (`2025`) or `default`.
    public static func offlinePartition(table: String, suffix: String) -> String {
        table + separator + suffix
    }

    public static func fullFeatureName(view: String, feature: String) -> String {
        view + separator + feature
    }

    /// Why `name` cannot be a project or view name, or nil when it can.
    static func problem(ofProjectOrView name: String) -> String? {
        if name.hasPrefix("_") { return "names beginning with _ are reserved for Pantry" }
        if name.hasSuffix("_") { return "a name may not end with _ (derived names join parts with __)" }
        if name.contains(separator) { return "__ separates the parts of derived names (tables, partitions, columns)" }
        return nil
    }
}
