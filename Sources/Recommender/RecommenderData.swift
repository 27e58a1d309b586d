import Core
import FeatureRegistry
import OfflineStore
import Postgres

/// A recommender's inputs as the feature store holds them: the latest interaction per
/// (user, item) — its weight and event time — and each item's content features.
public struct RecommenderData: Sendable {
    public var interactions: [Interaction]
    public var items: [Int64: ItemContent]
    /// Each item's event time in the items view: when it entered the catalogue (for "latest").
    public var itemTimes: [Int64: Int64]
    /// Each item's text embedding (the definition's `items.text`), when it has one.
    public var textVectors: [Int64: [Float]]

    public init(interactions: [Interaction], items: [Int64: ItemContent], itemTimes: [Int64: Int64] = [:], textVectors: [Int64: [Float]] = [:]) {
        self.interactions = interactions
        self.items = items
        self.itemTimes = itemTimes
        self.textVectors = textVectors
    }

    /// The text embeddings' length (0: none).
    public var textDimensions: Int { textVectors.first?.value.count ?? 0 }

    /// The positives: interactions weighing at least the definition's minimum (the rest are
    /// dropped entirely, as the evaluation protocol says).
    public func positives(minimumWeight: Double) -> [Interaction] {
        interactions.filter { $0.weight >= minimumWeight }
    }

    /// The catalogue: every item with content or an interaction.
    public var catalogue: IdIndex { IdIndex(Array(items.keys) + interactions.map(\.item)) }

    /// Reads the definition's views from the offline store.
    public static func load(_ definition: RecommenderDefinition, repository: FeatureRepository,
                            on connection: PostgresConnection) throws -> RecommenderData {
        try definition.check(against: repository)
        let pgvector = try OfflineTable.hasPgvector(connection)
        func table(_ name: String) throws -> OfflineTable {
            guard let view = repository.views.first(where: { $0.name == name }) else { throw RecommenderError("no view \(name)") }
            return OfflineTable(project: repository.project, view: view, repository: repository, pgvector: pgvector)
        }
        let events = try table(definition.interactions.view)
        guard let userKey = events.joinKeys.firstIndex(where: { $0.name == definition.interactions.user }),
              let itemKey = events.joinKeys.firstIndex(where: { $0.name == definition.interactions.item }) else {
            throw RecommenderError("\(events.view.name) is not keyed by the user and item keys")
        }
        var interactions: [Interaction] = []
        let spec = definition.interactions
        let features = [spec.weight, spec.kind].compactMap { $0 }
        _ = try events.latestRows(features: features, on: connection) { row in
            guard let user = Int64(row.keys[userKey]), let item = Int64(row.keys[itemKey]) else {
                throw RecommenderError("\(events.view.name): non-integer key in \(row.keys)")
            }
            var values = row.features.makeIterator()
            var value: Double?, kind: String?
            if spec.weight != nil {
                switch values.next() {
                case .integer(let v)?: value = Double(v)
                case .number(let v)?: value = v
                case .null?, nil: break
                case let other?: throw RecommenderError("\(events.view.name): weight \(other) of user \(user), item \(item) is not a number")
                }
            }
            if spec.kind != nil, case .string(let k)? = values.next() { kind = k }
            do {
                guard let weight = try spec.weight(value: value, kind: kind) else { return }  // not an interaction
                interactions.append(Interaction(user: user, item: item, weight: weight, time: row.eventMicros))
            } catch {
                throw RecommenderError("\(events.view.name), user \(user), item \(item): \(error)")
            }
        }
        var items: [Int64: ItemContent] = [:]
        var itemTimes: [Int64: Int64] = [:]
        if let spec = definition.items {
            let view = try table(spec.view)
            let names = [spec.title, spec.year, spec.categories]
            _ = try view.latestRows(features: names.compactMap { $0 }, on: connection) { row in
                guard let id = Int64(row.keys[0]) else { throw RecommenderError("\(spec.view): non-integer key \(row.keys[0])") }
                var values = row.features.makeIterator()
                var content = ItemContent(title: "", year: nil, categories: [])
                if spec.title != nil, case .string(let title)? = values.next() { content.title = title }
                if spec.year != nil, case .integer(let year)? = values.next() { content.year = Int(exactly: year) }
                if spec.categories != nil {
                    switch values.next() {
                    case .array(let list)?: content.categories = list.compactMap { if case .string(let s) = $0 { s } else { nil } }
                    case .string(let s)?: content.categories = s.split(separator: "|").map(String.init)
                    default: break
                    }
                }
                items[id] = content
                itemTimes[id] = row.eventMicros
            }
        }
        var textVectors: [Int64: [Float]] = [:]
        if let text = definition.items?.text, let feature = text.feature {
            let (ids, vectors) = try table(text.view).latestVectors(feature: feature, on: connection)
            textVectors = Dictionary(zip(ids, vectors), uniquingKeysWith: { $1 })
        }
        return RecommenderData(interactions: interactions, items: items, itemTimes: itemTimes, textVectors: textVectors)
    }
}
