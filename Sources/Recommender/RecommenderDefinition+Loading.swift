import Core
import FeatureRegistry
import Foundation

extension RecommenderDefinition {
    /// Loads one recommender file; errors name the file, the line, the key and what was expected.
    public static func load(path: String) throws -> RecommenderDefinition {
        let text: String
        do { text = try String(contentsOfFile: path, encoding: .utf8) } catch {
            throw RecommenderError("\(path): cannot read (\(error.localizedDescription))")
        }
        return try load(yaml: text, file: path)
    }

    public static func load(yaml text: String, file: String) throws -> RecommenderDefinition {
        let doc = try YAMLNode.document(text, file: file, expected: "a recommender definition")
            .mapping(allowed: ["name", "project", "interactions", "positive", "items", "collaborative", "ease", "evaluation", "output", "profile", "ranking", "rerank"])
        let interactionsNode = try doc.required("interactions", expected: "a mapping with view, user, item and optionally weight")
        let interactions = try interactionsNode.mapping(allowed: ["view", "user", "item", "weight", "kind", "kinds"])
        var definition = RecommenderDefinition(
            name: try doc.required("name", expected: "a recommender name").string(),
            project: try doc.required("project", expected: "the feature project holding the data").string(),
            interactions: Interactions(view: try interactions.required("view", expected: "a feature view").string(),
                                       user: try interactions.required("user", expected: "the user join key").string(),
                                       item: try interactions.required("item", expected: "the item join key").string(),
                                       weight: try interactions["weight"]?.string(), kind: try interactions["kind"]?.string()),
            minimumPositiveWeight: 0, items: nil, collaborative: ALSParameters(),
            easeLambdas: [100, 200, 300, 500, 800], holdout: 5, minimumPositives: 10, k: 10)
        if let node = interactions["kinds"] {
            guard definition.interactions.kind != nil else { throw node.error(found: "kinds without kind", expected: "interactions.kind naming the feature that holds the kind") }
            for (name, value) in try node.mapping(allowed: nil) {
                let w = try value.double()
                guard w.isFinite else { throw value.error(found: "\(w)", expected: "a finite weight") }
                definition.interactions.kinds[name] = w
            }
        }
        if let positive = try doc["positive"]?.mapping(allowed: ["min_weight"]) {
            definition.minimumPositiveWeight = try positive.required("min_weight", expected: "a number").double()
        }
        if let items = try doc["items"]?.mapping(allowed: ["view", "title", "year", "categories", "text", "text_weight"]) {
            definition.items = Items(view: try items.required("view", expected: "a feature view keyed by the item").string(),
                                     title: try items["title"]?.string(), year: try items["year"]?.string(),
                                     categories: try items["categories"]?.string())
            if let node = items["text"] {
                guard let reference = FeatureReference(parsing: try node.string()), reference.feature != nil else {
                    throw node.error(found: "\"\(try node.string())\"", expected: "view:feature (a vector feature keyed by the item)")
                }
                definition.items?.text = reference
            }
            if let node = items["text_weight"] {
                let w = try node.double()
                guard w >= 0, w <= 100 else { throw node.error(found: "\(w)", expected: "a weight in 0...100") }
                definition.items?.textWeight = Float(w)
            }
        }
        if let node = doc["collaborative"] {
            let c = try node.mapping(allowed: ["factors", "iterations", "regularization", "alpha", "cg_steps", "seed"])
            var p = ALSParameters()
            if let v = c["factors"] { p.factors = try v.int() }
            if let v = c["iterations"] { p.iterations = try v.int() }
            if let v = c["regularization"] { p.regularization = Float(try v.double()) }
            if let v = c["alpha"] { p.alpha = Float(try v.double()) }
            if let v = c["cg_steps"] { p.cgSteps = try v.int() }
            if let v = c["seed"] { p.seed = UInt64(clamping: try v.int()) }
            do { try p.validate() } catch { throw node.error(found: error.message, expected: "valid ALS hyperparameters") }
            definition.collaborative = p
        }
        if let node = doc["ease"] {
            let e = try node.mapping(allowed: ["lambdas", "lambda"])
            if let v = e["lambda"] {
                let value = try v.double()
                guard value > 0, value.isFinite else { throw v.error(found: "\(value)", expected: "a number > 0") }
                definition.easeLambda = value
            }
            let lambdas = try (e["lambdas"]?.list() ?? []).map { n throws(DefinitionError) in
                let v = try n.double()
                guard v > 0 else { throw n.error(found: "\(v)", expected: "a number > 0") }
                return v
            }
            if e["lambdas"] != nil {
                guard !lambdas.isEmpty else { throw node.error(found: "an empty list", expected: "at least one λ") }
                definition.easeLambdas = lambdas
            }
        }
        if let node = doc["evaluation"] {
            let e = try node.mapping(allowed: ["holdout", "min_positives", "k"])
            for (key, range) in [("holdout", 1...1000), ("min_positives", 2...100_000), ("k", 1...1000)] {
                guard let v = e[key] else { continue }
                let value = try v.int()
                guard range.contains(value) else { throw v.error(found: "\(value)", expected: "an integer in \(range.lowerBound)...\(range.upperBound)") }
                switch key {
                case "holdout": definition.holdout = value
                case "min_positives": definition.minimumPositives = value
                default: definition.k = value
                }
            }
            guard definition.minimumPositives > definition.holdout else {
                throw node.error(found: "min_positives \(definition.minimumPositives) ≤ holdout \(definition.holdout)", expected: "min_positives > holdout, so every test user keeps training positives")
            }
        }
        if let node = doc["profile"] {
            let p = try node.mapping(allowed: ["recency_half_life", "max_items"])
            if let v = p["max_items"] {
                let value = try v.int()
                guard (1...100_000).contains(value) else { throw v.error(found: "\(value)", expected: "an integer in 1...100000") }
                definition.profileLimit = value
            }
            if let v = p["recency_half_life"] {
                if (try? v.string()) == "none" { definition.recencyHalfLife = nil } else {
                    let value = try v.double(expected: "a number of likes > 0, or none")
                    guard value > 0 else { throw v.error(found: "\(value)", expected: "a number of likes > 0, or none") }
                    definition.recencyHalfLife = value
                }
            }
        }
        if let node = doc["ranking"] {
            let r = try node.mapping(allowed: ["weights", "collaborative_candidates", "content_candidates"])
            if let w = r["weights"] {
                var weights: [String: Float] = [:]
                for (name, value) in try w.mapping(allowed: Ranking.components) {
                    let x = try value.double()
                    guard x.isFinite, x >= 0 else { throw value.error(found: "\(x)", expected: "a weight ≥ 0") }
                    weights[name] = Float(x)
                }
                guard weights.values.contains(where: { $0 > 0 }) else { throw w.error(found: "no weight above 0", expected: "at least one component with weight > 0") }
                if weights["ease", default: 0] > 0, definition.easeLambda == nil {
                    throw w.error(found: "a weight for ease but no ease.lambda", expected: "ease.lambda set, or no ease weight")
                }
                definition.ranking.weights = weights
            }
            for (key, path) in [("collaborative_candidates", \Ranking.collaborativeCandidates), ("content_candidates", \Ranking.contentCandidates)] {
                guard let v = r[key] else { continue }
                let value = try v.int()
                guard (0...10_000).contains(value) else { throw v.error(found: "\(value)", expected: "an integer in 0...10000") }
                definition.ranking[keyPath: path] = value
            }
        }
        if let node = doc["rerank"] { definition.rerank = try RerankSettings(node) }
        if let node = doc["output"] {
            let o = try node.mapping(allowed: ["item_view", "user_view", "feature", "index"])
            definition.output = Output(itemView: try o.required("item_view", expected: "a view keyed by the item, for item factors").string(),
                                       userView: try o["user_view"]?.string(),
                                       feature: try o.required("feature", expected: "the vector(factors) feature of those views").string(),
                                       index: try o.required("index", expected: "the item index file to write").string())
        }
        return definition
    }

    /// Checks the definition against the project's feature definitions: views, keys and
    /// feature types must exist and fit.
    public func check(against repository: FeatureRepository) throws(RecommenderError) {
        func fail(_ message: String) -> RecommenderError { RecommenderError("recommender \(name): \(message)") }
        guard repository.project == project else { throw fail("project \(project), but the definitions are for \(repository.project)") }
        guard let view = repository.views.first(where: { $0.name == interactions.view }) else {
            throw fail("interactions.view: no view \(interactions.view) (views: \(repository.views.map(\.name).joined(separator: ", ")))")
        }
        let keys = view.entities.compactMap { e in repository.entities.first { $0.name == e } }
        for (field, key) in [("user", interactions.user), ("item", interactions.item)] {
            guard let entity = keys.first(where: { $0.joinKey == key }) else {
                throw fail("interactions.\(field): \(key) is not a join key of \(view.name) (keys: \(keys.map(\.joinKey).joined(separator: ", ")))")
            }
            guard [.int32, .int64].contains(entity.keyType) else { throw fail("interactions.\(field): \(key) is \(entity.keyType), expected an integer key") }
        }
        if let weight = interactions.weight {
            guard let feature = view.features.first(where: { $0.name == weight }) else {
                throw fail("interactions.weight: \(view.name) has no feature \(weight)")
            }
            guard [.int32, .int64, .float, .double].contains(feature.type) else {
                throw fail("interactions.weight: \(weight) is \(feature.type), expected a number")
            }
        }
        if let kind = interactions.kind {
            guard let feature = view.features.first(where: { $0.name == kind }) else { throw fail("interactions.kind: \(view.name) has no feature \(kind)") }
            guard feature.type == .string else { throw fail("interactions.kind: \(kind) is \(feature.type), expected string") }
        }
        if let output {
            for (field, viewName, key) in [("item_view", output.itemView, interactions.item), ("user_view", output.userView, interactions.user)] {
                guard let viewName else { continue }
                guard let view = repository.views.first(where: { $0.name == viewName }) else { throw fail("output.\(field): no view \(viewName)") }
                let keys = view.entities.compactMap { e in repository.entities.first { $0.name == e }?.joinKey }
                guard keys == [key] else { throw fail("output.\(field): \(viewName) must be keyed by \(key) alone") }
                guard let feature = view.features.first(where: { $0.name == output.feature }) else {
                    throw fail("output.feature: \(viewName) has no feature \(output.feature)")
                }
                guard feature.type == .vector(collaborative.factors) else {
                    throw fail("output.feature: \(viewName):\(output.feature) is \(feature.type), expected vector(\(collaborative.factors)) for \(collaborative.factors) factors")
                }
            }
        }
        guard let items else { return }
        guard let itemView = repository.views.first(where: { $0.name == items.view }) else {
            throw fail("items.view: no view \(items.view)")
        }
        let itemKeys = itemView.entities.compactMap { e in repository.entities.first { $0.name == e }?.joinKey }
        guard itemKeys == [interactions.item] else {
            throw fail("items.view: \(items.view) must be keyed by \(interactions.item) alone (it is keyed by \(itemKeys.joined(separator: ", ")))")
        }
        for (field, feature, types) in [("title", items.title, [ValueType.string]), ("year", items.year, [.int32, .int64]),
                                        ("categories", items.categories, [.list(.string), .string])] {
            guard let feature else { continue }
            guard let found = itemView.features.first(where: { $0.name == feature }) else {
                throw fail("items.\(field): \(items.view) has no feature \(feature)")
            }
            guard types.contains(found.type) else {
                throw fail("items.\(field): \(feature) is \(found.type), expected \(types.map { "\($0)" }.joined(separator: " or "))")
            }
        }
        if let text = items.text, let feature = text.feature {
            guard let view = repository.views.first(where: { $0.name == text.view }) else { throw fail("items.text: no view \(text.view)") }
            let keys = view.entities.compactMap { e in repository.entities.first { $0.name == e }?.joinKey }
            guard keys == [interactions.item] else {
                throw fail("items.text: \(text.view) must be keyed by \(interactions.item) alone (it is keyed by \(keys.joined(separator: ", ")))")
            }
            guard let found = view.features.first(where: { $0.name == feature }) else { throw fail("items.text: \(text.view) has no feature \(feature)") }
            guard case .vector = found.type else { throw fail("items.text: \(text) is \(found.type), expected vector(n)") }
        }
    }
}
