import Core

/// Feature references (`view` or `view:feature`) resolved against the registry: the views in
/// the order first named, the features taken from each, their join keys, and the output
/// column names. The one resolution shared by the offline point-in-time join, online reads,
/// the HTTP API and the CLI, so all accept, reject and name things alike.
public struct FeatureSelection: Sendable {
    /// One requested view and the features taken from it.
    public struct ViewSelection: Sendable {
        public let view: FeatureView
        public let features: [Feature]
        /// The view's join keys, in the order of its entities.
        public let joinKeys: [(name: String, type: ValueType)]
    }

    public let views: [ViewSelection]
    /// Output columns named `view__feature` instead of `feature`.
    public let fullFeatureNames: Bool

    /// Errors name what is unknown and list what exists; two output columns with one name
    /// are refused before any work starts.
    public init(references: [FeatureReference], repository: FeatureRepository, fullFeatureNames: Bool) throws(RegistryError) {
        var views: [ViewSelection] = []
        for reference in references {
            guard let view = repository.view(named: reference.view) else {
                throw RegistryError("unknown feature view \"\(reference.view)\" in \(reference) (views: \(repository.views.map(\.name).joined(separator: ", ")))")
            }
            var features = view.features
            if let name = reference.feature {
                guard let feature = view.feature(named: name) else {
                    throw RegistryError("unknown feature \"\(name)\" in \(reference) (features of \(view.name): \(view.features.map(\.name).joined(separator: ", ")))")
                }
                features = [feature]
            }
            if let index = views.firstIndex(where: { $0.view.name == view.name }) {
                let merged = views[index].features + features.filter { !views[index].features.contains($0) }
                views[index] = ViewSelection(view: view, features: merged, joinKeys: views[index].joinKeys)
            } else {
                views.append(ViewSelection(view: view, features: features, joinKeys: repository.joinKeys(of: view)))
            }
        }
        guard !views.isEmpty else { throw RegistryError("no features requested") }
        self.views = views
        self.fullFeatureNames = fullFeatureNames
        var seen = Set<String>()
        for column in featureColumns where !seen.insert(column.name).inserted {
            throw RegistryError("two output columns are named \"\(column.name)\": use full feature names (view__feature) or rename")
        }
    }

    /// Join keys the entity rows must provide, with their types (union over the views, in order).
    public var requiredKeys: [(name: String, type: ValueType)] {
        var keys: [(name: String, type: ValueType)] = []
        for selection in views {
            for key in selection.joinKeys where !keys.contains(where: { $0.name == key.name }) { keys.append(key) }
        }
        return keys
    }

    /// Output names of the feature columns, in order.
    public var featureColumns: [(name: String, view: FeatureView, feature: Feature)] {
        views.flatMap { selection in selection.features.map { (columnName(view: selection.view, feature: $0), selection.view, $0) } }
    }

    /// A feature's output column: `view__feature` with full feature names, else the feature's name.
    public func columnName(view: FeatureView, feature: Feature) -> String {
        fullFeatureNames ? "\(view.name)__\(feature.name)" : feature.name
    }
}
