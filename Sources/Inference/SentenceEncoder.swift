import COpenBLAS
import Core
import Foundation
import Synchronization

/// A BERT sentence encoder as sentence-transformers runs all-MiniLM-L6-v2: WordPiece ids →
/// embeddings (word + absolute position + token type 0, LayerNorm) → transformer layers
/// (self-attention with the padding mask, residual + LayerNorm; feed-forward with erf GELU,
/// residual + LayerNorm) → mean over the non-padding positions ([CLS] and [SEP] included) →
/// L2 normalisation. Read top to bottom in `encode`. Weights are F32 from `model.safetensors`,
/// checked against `config.json` at load. The linear maps run on the C panel kernels of the
/// CPU's tier (weights repacked once at load; see `Linear`), or OpenBLAS `sgemm` on the portable
/// tier; attention is `sgemm` per sequence and head.
public final class SentenceEncoder: Sendable {
    public struct Config: Sendable, Equatable {
        public var hidden = 384, layers = 6, heads = 12, intermediate = 1536, vocabulary = 30522, positions = 512, tokenTypes = 2
        public var layerNormEpsilon: Float = 1e-12
    }

    struct Layer: Sendable {
        let query, key, value, attentionOut, up, down: Linear
        let attentionNormWeight, attentionNormBias, outputNormWeight, outputNormBias: [Float]
    }

    public let config: Config
    public let tokenizer: WordPieceTokenizer
    let wordEmbeddings, positionEmbeddings, tokenTypeEmbeddings, embeddingNormWeight, embeddingNormBias: [Float]
    let layers: [Layer]

    /// Loads `config.json`, `model.safetensors` and `vocab.txt` from a model folder.
    public init(directory: String) throws {
        config = try Self.loadConfig(directory + "/config.json")
        tokenizer = try WordPieceTokenizer(vocabularyFile: directory + "/vocab.txt")
        let file = try SafetensorsFile(path: directory + "/model.safetensors")
        let h = config.hidden, f = config.intermediate
        func t(_ name: String, _ shape: [Int]) throws -> [Float] { try file.floats(name, shape: shape) }
        wordEmbeddings = try t("embeddings.word_embeddings.weight", [config.vocabulary, h])
        positionEmbeddings = try t("embeddings.position_embeddings.weight", [config.positions, h])
        tokenTypeEmbeddings = try t("embeddings.token_type_embeddings.weight", [config.tokenTypes, h])
        embeddingNormWeight = try t("embeddings.LayerNorm.weight", [h])
        embeddingNormBias = try t("embeddings.LayerNorm.bias", [h])
        layers = try (0..<config.layers).map { i in
            let p = "encoder.layer.\(i)."
            func linear(_ name: String, _ outputs: Int, _ inputs: Int) throws -> Linear {
                Linear(weight: try t(p + name + ".weight", [outputs, inputs]), bias: try t(p + name + ".bias", [outputs]), inputs: inputs)
            }
            return Layer(
                query: try linear("attention.self.query", h, h), key: try linear("attention.self.key", h, h),
                value: try linear("attention.self.value", h, h), attentionOut: try linear("attention.output.dense", h, h),
                up: try linear("intermediate.dense", f, h), down: try linear("output.dense", h, f),
                attentionNormWeight: try t(p + "attention.output.LayerNorm.weight", [h]), attentionNormBias: try t(p + "attention.output.LayerNorm.bias", [h]),
                outputNormWeight: try t(p + "output.LayerNorm.weight", [h]), outputNormBias: try t(p + "output.LayerNorm.bias", [h]))
        }
        guard tokenizer.vocabulary.count <= config.vocabulary else {
            throw SafetensorsError(directory, "vocab.txt has \(tokenizer.vocabulary.count) pieces, the model \(config.vocabulary)")
        }
    }

    static func loadConfig(_ path: String) throws -> Config {
        let bytes: [UInt8]
        do { bytes = Array(try Data(contentsOf: URL(fileURLWithPath: path))) } catch {
            throw SafetensorsError(path, "cannot read (\(error.localizedDescription))")
        }
        guard case .object(let fields) = try JSONParser.parse(bytes) else { throw SafetensorsError(path, "not a JSON object") }
        var c = Config()
        func int(_ key: String, _ range: ClosedRange<Int>) throws -> Int {
            guard case .integer(let v)? = fields[key], let value = Int(exactly: v), range.contains(value) else {
                throw SafetensorsError(path, "\(key): \(fields[key].map { "\($0.shown)" } ?? "missing"), expected an integer in \(range)")
            }
            return value
        }
        c.hidden = try int("hidden_size", 1...8192)
        c.layers = try int("num_hidden_layers", 1...96)
        c.heads = try int("num_attention_heads", 1...256)
        c.intermediate = try int("intermediate_size", 1...65536)
        c.vocabulary = try int("vocab_size", 1...1_000_000)
        c.positions = try int("max_position_embeddings", 1...65536)
        c.tokenTypes = try int("type_vocab_size", 1...16)
        guard c.hidden % c.heads == 0 else { throw SafetensorsError(path, "hidden_size \(c.hidden) is not a multiple of num_attention_heads \(c.heads)") }
        switch fields["layer_norm_eps"] {
        case .number(let e)? where e > 0 && e < 1: c.layerNormEpsilon = Float(e)
        case nil: break
        default: throw SafetensorsError(path, "layer_norm_eps: expected a number in (0, 1)")
        }
        guard case .string("gelu")? = fields["hidden_act"] else { throw SafetensorsError(path, "hidden_act: only gelu (erf) is supported") }
        return c
    }

    /// Unit-length sentence embeddings, one per text, encoded together (padded to the longest).
    public func encode(_ texts: [String], maxLength: Int = 256, threads: Int = 1) -> [[Float]] {
        encode(ids: texts.map { tokenizer.encode($0, maxLength: min(maxLength, config.positions)) }, threads: threads)
    }

    /// The same from token ids (each with [CLS] … [SEP], at most `config.positions` long). With
    /// `threads` > 1 the batch is split into that many parts encoded side by side (the same
    /// vectors up to the rounding of the attention products, as for any other batch).
    public func encode(ids batch: [[Int32]], threads: Int = 1) -> [[Float]] {
        let parts = min(max(threads, 1), batch.count)
        guard parts > 1, Linear.kernel != nil else { return encodeBatch(batch) }
        let size = (batch.count + parts - 1) / parts
        let results = Mutex<[[[Float]]]>(Array(repeating: [], count: parts))
        DispatchQueue.concurrentPerform(iterations: parts) { part in
            let slice = Array(batch[min(part * size, batch.count)..<min((part + 1) * size, batch.count)])
            let vectors = encodeBatch(slice)
            results.withLock { $0[part] = vectors }
        }
        return results.withLock { $0.flatMap { $0 } }
    }

    func encodeBatch(_ batch: [[Int32]]) -> [[Float]] {
        guard !batch.isEmpty else { return [] }
        let h = config.hidden, heads = config.heads, d = h / heads, f = config.intermediate
        let length = batch.map(\.count).max()!
        let n = batch.count * length  // rows: sequence-major, padded positions included
        precondition(length <= config.positions, "sequence longer than the model's positions")

        // Embeddings: word + position + token type 0, then LayerNorm.
        var x = [Float](repeating: 0, count: n * h)
        for (b, ids) in batch.enumerated() {
            for t in 0..<length {
                let id = t < ids.count ? Int(ids[t]) : Int(tokenizer.pad)
                precondition(id >= 0 && id < config.vocabulary, "token id out of range")
                let row = (b * length + t) * h
                for k in 0..<h { x[row + k] = wordEmbeddings[id * h + k] + positionEmbeddings[t * h + k] + tokenTypeEmbeddings[k] }
            }
        }
        layerNorm(&x, rows: n, weight: embeddingNormWeight, bias: embeddingNormBias)

        var q = [Float](repeating: 0, count: n * h), k = q, v = q, context = q, projected = q
        var hiddenF = [Float](repeating: 0, count: n * f)
        var scores = [Float](repeating: 0, count: length * length)
        let scale = 1 / Float(d).squareRoot()
        for layer in layers {
            // Self-attention: each head attends over the sequence's real tokens only.
            layer.query.apply(x, rows: n, into: &q)
            layer.key.apply(x, rows: n, into: &k)
            layer.value.apply(x, rows: n, into: &v)
            for (b, ids) in batch.enumerated() {
                let real = ids.count, base = b * length
                for head in 0..<heads {
                    let o = base * h + head * d
                    q.withUnsafeBufferPointer { q in k.withUnsafeBufferPointer { k in v.withUnsafeBufferPointer { v in
                    context.withUnsafeMutableBufferPointer { context in scores.withUnsafeMutableBufferPointer { s in
                        // S = Q·Kᵀ/√d over the real keys (rows strided by h inside the batch).
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(length), Int32(real), Int32(d), scale,
                                    q.baseAddress! + o, Int32(h), k.baseAddress! + o, Int32(h), 0, s.baseAddress!, Int32(real))
                        // Softmax of each row.
                        for t in 0..<length {
                            let row = s.baseAddress! + t * real
                            var maximum = -Float.infinity
                            for j in 0..<real { maximum = max(maximum, row[j]) }
                            var total: Float = 0
                            for j in 0..<real { row[j] = expf(row[j] - maximum); total += row[j] }
                            let inverse = 1 / total
                            for j in 0..<real { row[j] *= inverse }
                        }
                        // Context = P·V.
                        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(length), Int32(d), Int32(real), 1,
                                    s.baseAddress!, Int32(real), v.baseAddress! + o, Int32(h), 0, context.baseAddress! + o, Int32(h))
                    } }
                    } } }
                }
            }
            layer.attentionOut.apply(context, rows: n, into: &projected)
            for i in x.indices { x[i] += projected[i] }
            layerNorm(&x, rows: n, weight: layer.attentionNormWeight, bias: layer.attentionNormBias)

            // Feed-forward: erf GELU between two linear maps.
            layer.up.apply(x, rows: n, into: &hiddenF)
            for i in hiddenF.indices { hiddenF[i] = 0.5 * hiddenF[i] * (1 + erff(hiddenF[i] * 0.70710678118654752)) }
            layer.down.apply(hiddenF, rows: n, into: &projected)
            for i in x.indices { x[i] += projected[i] }
            layerNorm(&x, rows: n, weight: layer.outputNormWeight, bias: layer.outputNormBias)
        }

        // Mean over the real tokens, then unit length.
        return batch.enumerated().map { b, ids in
            var mean = [Float](repeating: 0, count: h)
            for t in 0..<ids.count { for j in 0..<h { mean[j] += x[(b * length + t) * h + j] } }
            let norm = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
            return norm > 0 ? mean.map { $0 / norm } : mean
        }
    }

    func layerNorm(_ x: inout [Float], rows: Int, weight: [Float], bias: [Float]) {
        let h = config.hidden, eps = config.layerNormEpsilon
        for r in 0..<rows {
            let o = r * h
            var mean: Float = 0
            for j in 0..<h { mean += x[o + j] }
            mean /= Float(h)
            var variance: Float = 0
            for j in 0..<h { let c = x[o + j] - mean; variance += c * c }
            let inverse = 1 / (variance / Float(h) + eps).squareRoot()
            for j in 0..<h { x[o + j] = (x[o + j] - mean) * inverse * weight[j] + bias[j] }
        }
    }
}
