import Core
import FeatureRegistry
import Foundation
import Redis

/// Online features: the latest versions of each entity's feature views, for low-latency reads.
public protocol OnlineStore: Sendable {
    /// Writes rows through the point-in-time check; older events never replace newer ones.
    func write(_ rows: [OnlineRow]) async throws -> OnlineWriteSummary
    /// Reads the given (entity key, view) cells; one network round trip for the whole batch.
    func read(_ cells: [OnlineCell]) async throws -> [OnlineVersions?]
    /// Reads a plan's views for entity rows: `keys[k][row]` is the text of the plan's k-th
    /// required key (nil: missing). Returns, per plan view, each row's versions (nil when a key
    /// is missing or nothing is stored). One network round trip.
    func read(_ plan: OnlineReadPlan, keys: [[String?]], rowCount: Int) async throws -> [[OnlineVersions?]]
}

/// One (entity, view) to read.
public struct OnlineCell: Sendable, Hashable {
    public let view: String
    public let keys: [String]

    public init(view: String, keys: [String]) {
        self.view = view
        self.keys = keys
    }
}

/// The kept versions of one (entity, view), newest first.
public struct OnlineVersions: Sendable {
    public struct Version: Sendable {
        public let eventMicros: Int64
        public let createdMicros: Int64?
        public let values: [FeatureValue]
    }

    public let versions: [Version]
    /// True when the history is full, so older versions may have been dropped.
    public let truncated: Bool
}
