/// Which ids a search may return, checked during the graph walk (not after it): either an
/// allow-list or a deny-list of external ids.
public struct SearchFilter: Sendable {
    public enum Mode: Sendable { case allow, deny }
    public let mode: Mode
    public let ids: Set<Int64>

    public static func allow(_ ids: some Sequence<Int64>) -> SearchFilter { SearchFilter(mode: .allow, ids: Set(ids)) }
    public static func deny(_ ids: some Sequence<Int64>) -> SearchFilter { SearchFilter(mode: .deny, ids: Set(ids)) }
    /// From a set the caller already has, kept as it is (no copy per request).
    public static func allow(_ ids: Set<Int64>) -> SearchFilter { SearchFilter(mode: .allow, ids: ids) }
    public static func deny(_ ids: Set<Int64>) -> SearchFilter { SearchFilter(mode: .deny, ids: ids) }

    @inline(__always)
    public func admits(_ id: Int64) -> Bool {
        switch mode {
        case .allow: ids.contains(id)
        case .deny: !ids.contains(id)
        }
    }
}
