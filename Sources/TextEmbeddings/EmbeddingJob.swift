import Core
import FeatureRegistry
import Foundation
import Inference
import OfflineStore
import Postgres

/// An embedding job (`pantry embed`, `kind: embed` in `Jobs/`): each entity's latest row of a
/// view → a text from a template → a sentence embedding, written as a `vector(n)` feature of
/// another view through offline push, with a hash of the text beside it.
///
/// Incremental: an entity whose text (and encoder) hashes to what the output view already holds
/// is not encoded again. Rows are written in chunks, each all or nothing, so an interrupted run
/// keeps what it finished and the next run encodes only the rest. Each embedding takes its source
/// row's event time: point-in-time joins see the text's embedding from when the text was known.
public struct EmbeddingJob: Sendable {
    public struct Request: Sendable {
        public var view: String
        public var template: TextTemplate
        public var outView: String
        public var vectorFeature = "embedding"
        public var hashFeature = "text_hash"
        /// Texts encoded together.
        public var batch = 64
        /// Embeddings written per transaction.
        public var chunk = 1024
        /// Threads encoding each batch.
        public var threads = ProcessInfo.processInfo.activeProcessorCount

        public init(view: String, template: TextTemplate, outView: String) {
            self.view = view
            self.template = template
            self.outView = outView
        }
    }

    public struct Result: Sendable, Equatable {
        /// Entities in the source view.
        public var items = 0
        /// Entities encoded and written by this run.
        public var encoded = 0
        /// Entities whose text had not changed since it was last encoded.
        public var unchanged = 0
        /// Entities whose text is empty (no vector is written for them).
        public var empty = 0
    }

    public let request: Request
    let source: OfflineTable
    let output: OfflineTable

    /// Checks the request against the registry: both views exist and share their entity keys,
    /// the template's features are in the source view, the output has a `vector(dimensions)`
    /// feature and a string hash feature.
    public init(_ request: Request, repository: FeatureRepository, dimensions: Int, pgvector: Bool) throws(TextEmbeddingError) {
        func table(_ name: String, _ role: String) throws(TextEmbeddingError) -> OfflineTable {
            guard let view = repository.view(named: name) else {
                throw TextEmbeddingError("\(role) view \(name) is not in project \(repository.project) (views: \(repository.views.map(\.name).joined(separator: ", ")))")
            }
            return OfflineTable(project: repository.project, view: view, repository: repository, pgvector: pgvector)
        }
        source = try table(request.view, "source")
        output = try table(request.outView, "output")
        guard source.joinKeys.map(\.name) == output.joinKeys.map(\.name), !source.joinKeys.isEmpty else {
            throw TextEmbeddingError("\(request.outView) must be keyed like \(request.view) (\(source.joinKeys.map(\.name).joined(separator: ", "))); it is keyed by \(output.joinKeys.map(\.name).joined(separator: ", "))")
        }
        for feature in request.template.features where source.view.feature(named: feature) == nil {
            throw TextEmbeddingError("text feature \(feature) is not in \(request.view) (features: \(source.view.features.map(\.name).joined(separator: ", ")))")
        }
        switch output.view.feature(named: request.vectorFeature)?.type {
        case .vector(dimensions)?: break
        case let other?: throw TextEmbeddingError("\(request.outView):\(request.vectorFeature) is \(other); the encoder gives vector(\(dimensions))")
        case nil: throw TextEmbeddingError("\(request.outView) has no feature \(request.vectorFeature) (declare it as vector(\(dimensions)))")
        }
        guard output.view.feature(named: request.hashFeature)?.type == .string else {
            throw TextEmbeddingError("\(request.outView) needs a string feature \(request.hashFeature) for the text hash (re-encode only what changed)")
        }
        guard (1...4096).contains(request.batch), request.chunk >= 1 else { throw TextEmbeddingError("batch must be 1...4096 and chunk at least 1") }
        self.request = request
    }

    /// Runs the job. `model` names the encoder in the text hash (a new model re-encodes
    /// everything); `progress(done, total)` reports the entities to encode.
    public func run(encoder: SentenceEncoder, model: String, on connection: PostgresConnection,
                    progress: (Int, Int) -> Void = { _, _ in }) throws -> Result {
        var stored: [[String]: String] = [:]
        _ = try output.latestRows(features: [request.hashFeature], on: connection) { row in
            if case .string(let hash)? = row.features.first { stored[row.keys] = hash }
        }
        var result = Result()
        var pending: [(keys: [String], time: Int64, text: String, hash: String)] = []
        let features = request.template.features
        result.items = try source.latestRows(features: features, on: connection) { row in
            let values = Dictionary(uniqueKeysWithValues: zip(features, row.features))
            let text = request.template.render { values[$0] ?? .null }
            guard !text.isEmpty else { result.empty += 1; return }
            let hash = Self.hash(text: text, model: model)
            if stored[row.keys] == hash { result.unchanged += 1; return }
            pending.append((row.keys, row.eventMicros, text, hash))
        }
        progress(0, pending.count)
        let ingestor = Ingestor(table: output)
        for start in stride(from: 0, to: pending.count, by: request.chunk) {
            let chunk = pending[start..<min(start + request.chunk, pending.count)]
            // Similar lengths together: less padding per batch.
            let tokens = chunk.map { encoder.tokenizer.encode($0.text, maxLength: 256) }
            let order = tokens.indices.sorted { tokens[$0].count < tokens[$1].count }
            var vectors = [[Float]](repeating: [], count: chunk.count)
            for batchStart in stride(from: 0, to: order.count, by: request.batch) {
                let batch = Array(order[batchStart..<min(batchStart + request.batch, order.count)])
                for (position, vector) in zip(batch, encoder.encode(ids: batch.map { tokens[$0] }, threads: request.threads)) { vectors[position] = vector }
                progress(start + batchStart + batch.count, pending.count)
            }
            let records = try zip(chunk, vectors).map { item, vector -> [String: JSONValue] in
                var record: [String: JSONValue] = [
                    output.view.eventTimestampColumn: .string(Timestamp.format(micros: item.time, iso: true)),
                    request.vectorFeature: .array(vector.map { .number(Double($0)) }),
                    request.hashFeature: .string(item.hash),
                ]
                for (key, text) in zip(output.joinKeys, item.keys) { record[key.name] = try Self.keyValue(text, type: key.type) }
                return record
            }
            result.encoded += try ingestor.push(records, source: "embedding job \(request.view) → \(request.outView)", on: connection)
        }
        return result
    }

    /// 16 hex digits of FNV-1a over the encoder's name and the text.
    static func hash(text: String, model: String) -> String {
        String(format: "%016llx", FNV1a.hash(Array(model.utf8) + [0] + Array(text.utf8)))
    }

    /// A join-key value read back as text, as the push expects it.
    static func keyValue(_ text: String, type: ValueType) throws(TextEmbeddingError) -> JSONValue {
        switch type {
        case .int32, .int64:
            guard let v = Int64(text) else { throw TextEmbeddingError("key \"\(text)\" is not an integer") }
            return .integer(v)
        default: return .string(text)
        }
    }
}
