import Core
import FeatureRegistry
import Foundation
import OfflineStore
import Postgres
import VectorIndex

/// `pantry train`: fits the collaborative model on every positive the feature store holds,
/// writes item (and user) factors back as `vector(n)` features through offline push, builds
/// and saves the item index (inner product), and records a model version.
public enum RecommenderTraining {
    public struct Result: Sendable {
        public var version: ModelVersion
        public var items: Int
        public var users: Int
        public var fitSeconds: Double
        public var indexSeconds: Double
        public var easeSeconds: Double
        public var indexPath: String
    }

    /// - Parameters:
    ///   - path: resolves the definition's output paths (relative to the project root).
    ///   - now: the event time of the written factors.
    public static func run(_ definition: RecommenderDefinition, data: RecommenderData, repository: FeatureRepository,
                           path: (String) -> String = { $0 }, threads: Int = 2, now: Date = Date(), on connection: PostgresConnection,
                           progress: (String) -> Void = { _ in }) throws -> Result {
        guard let output = definition.output else {
            throw RecommenderError("recommender \(definition.name) has no output section: nowhere to write factors")
        }
        try definition.check(against: repository)
        let positives = data.positives(minimumWeight: definition.minimumPositiveWeight)
        guard !positives.isEmpty else { throw RecommenderError("no positives to train on in \(definition.interactions.view)") }
        let catalogue = data.catalogue
        let matrix = InteractionMatrix(positives, users: IdIndex(positives.map(\.user)), items: catalogue)
        let f = definition.collaborative.factors
        let fitStarted = Date()
        let als = try ImplicitALS(matrix: matrix, parameters: definition.collaborative)
        als.fit { progress("ALS iteration \($0) of \(definition.collaborative.iterations)") }
        let fitSeconds = Date().timeIntervalSince(fitStarted)
        func rows(_ factors: [Float], _ count: Int) -> [[Float]] { (0..<count).map { Array(factors[$0 * f..<($0 + 1) * f]) } }
        let itemVectors = rows(als.itemFactors, catalogue.count)

        // Factors into the offline store, all in one push per view (all or nothing).
        let pgvector = try OfflineTable.hasPgvector(connection)
        let eventTime = JSONValue.string(Timestamp.format(micros: Timestamp.micros(now), iso: true))
        func push(view name: String, key: String, ids: [Int64], vectors: [[Float]]) throws {
            guard let view = repository.views.first(where: { $0.name == name }) else { throw RecommenderError("no view \(name)") }
            let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: pgvector)
            let records = zip(ids, vectors).map { id, vector -> [String: JSONValue] in
                [key: .integer(id), view.eventTimestampColumn: eventTime, output.feature: .array(vector.map { .number(Double($0)) })]
            }
            let written = try Ingestor(table: table).push(records, source: "pantry train \(definition.name)", on: connection)
            progress("wrote \(written) vectors to \(name)")
        }
        try push(view: output.itemView, key: definition.interactions.item, ids: catalogue.ids, vectors: itemVectors)
        if let userView = output.userView {
            try push(view: userView, key: definition.interactions.user, ids: matrix.users.ids, vectors: rows(als.userFactors, matrix.users.count))
        }

        // The item indexes: ALS vectors by inner product (the profile's search), by cosine
        // (more like this; items with positives only) and content vectors by cosine.
        let indexStarted = Date()
        let indexPath = path(output.index)
        try FileManager.default.createDirectory(atPath: (indexPath as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        func build(_ metric: Metric, _ ids: [Int64], _ vectors: [[Float]], to file: String) throws {
            let index = try HNSWIndex(dimensions: vectors.first?.count ?? 1, metric: metric, parameters: .init())
            try index.add(ids: ids, vectors: vectors, threads: threads)
            try index.save(to: file)
            progress("index \((file as NSString).lastPathComponent): \(ids.count) vectors, \(metric)")
        }
        try build(.innerProduct, catalogue.ids, itemVectors, to: indexPath)
        var artifacts: [String: JSONValue] = [
            "index": .string(indexPath), "item_view": .string(output.itemView),
            "user_view": output.userView.map(JSONValue.string) ?? .null, "feature": .string(output.feature),
        ]
        let liked = (0..<catalogue.count).filter { !matrix.users(of: $0).isEmpty }
        if !liked.isEmpty {
            try build(.cosine, liked.map { catalogue.ids[$0] }, liked.map { itemVectors[$0] }, to: path(output.similarIndex))
            artifacts["similar_index"] = .string(path(output.similarIndex))
        }
        if let items = definition.items, !data.items.isEmpty {
            let embedding = ContentEmbedding(data, textWeight: items.textWeight)
            let rows = catalogue.ids.compactMap { id in data.items[id].map { (id, embedding.vector($0, text: data.textVectors[id])) } }.filter { $0.1.contains { $0 != 0 } }
            if !rows.isEmpty {
                try build(.cosine, rows.map(\.0), rows.map(\.1), to: path(output.contentIndex))
                artifacts["content_index"] = .string(path(output.contentIndex))
            }
        }
        // The text embeddings alone (natural-language search), catalogue items only.
        let texts = catalogue.ids.compactMap { id in data.textVectors[id].map { (id, $0) } }
        if !texts.isEmpty {
            try build(.cosine, texts.map(\.0), texts.map(\.1), to: path(output.textIndex))
            artifacts["text_index"] = .string(path(output.textIndex))
        }
        let indexSeconds = Date().timeIntervalSince(indexStarted)
        let easeStarted = Date()
        if let lambda = definition.easeLambda {
            let ease = try EASE(matrix: matrix, lambda: lambda)
            try ease.save(ids: catalogue.ids, to: path(output.easeMatrix))
            artifacts["ease"] = .string(path(output.easeMatrix))
            progress(String(format: "EASE (λ %g, %d items) saved to %@", lambda, catalogue.count, path(output.easeMatrix)))
        }
        let easeSeconds = Date().timeIntervalSince(easeStarted)

        let p = definition.collaborative
        let hyperparameters = JSONValue.object([
            "model": .string("implicit_als"), "factors": .integer(Int64(p.factors)), "iterations": .integer(Int64(p.iterations)),
            "regularization": .number(Double(p.regularization)), "alpha": .number(Double(p.alpha)), "confidence": .string("1 + alpha"),
            "cg_steps": .integer(Int64(p.cgSteps)), "seed": .integer(Int64(truncatingIfNeeded: p.seed)),
            "min_positive_weight": .number(definition.minimumPositiveWeight),
            "ease_lambda": definition.easeLambda.map(JSONValue.number) ?? .null,
            "recency_half_life": definition.recencyHalfLife.map(JSONValue.number) ?? .null,
            "ranking_weights": .object(definition.ranking.weights.mapValues { .number(Double($0)) }),
            "text": definition.items?.text.map { .string($0.description) } ?? .null,
            "text_weight": definition.items.map { .number(Double($0.textWeight)) } ?? .null,
        ])
        let metrics = JSONValue.object(["loss": .number(als.loss()), "fit_seconds": .number(fitSeconds)])
        let version = try ModelVersions.record(recommender: definition.name, hyperparameters: hyperparameters,
                                               dataWatermark: positives.map(\.time).max(), positives: positives.count,
                                               metrics: metrics, artifacts: .object(artifacts), on: connection)
        return Result(version: version, items: catalogue.count, users: matrix.users.count, fitSeconds: fitSeconds,
                      indexSeconds: indexSeconds, easeSeconds: easeSeconds, indexPath: indexPath)
    }
}
