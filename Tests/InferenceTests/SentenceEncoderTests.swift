import Foundation
import Testing
@testable import Inference

@Suite("Sentence encoder (all-MiniLM-L6-v2)")
struct SentenceEncoderTests {
    static let sentences = ["The weather is lovely today.", "It's so sunny outside!", "He drove to the stadium."]

    static func encoder() throws -> SentenceEncoder {
        try SentenceEncoder(directory: (try MiniLMFiles.require("config.json") as NSString).deletingLastPathComponent)
    }

    static func cosine(_ a: [Float], _ b: [Float]) -> Double {
        zip(a, b).reduce(0) { $0 + Double($1.0) * Double($1.1) }
    }

    @Test("the sentence-transformers quickstart's published similarities, to 4 decimals")
    func published() throws {
        let e = try Self.encoder().encode(Self.sentences)
        #expect(e.allSatisfy { $0.count == 384 && abs(Self.cosine($0, $0) - 1) < 1e-5 })
        for (i, j, published) in [(0, 1, 0.6660), (0, 2, 0.1046), (1, 2, 0.1411)] {
            let similarity = Self.cosine(e[i], e[j])
            #expect((similarity * 10_000).rounded() / 10_000 == published, "\(i)–\(j): \(similarity)")
        }
    }

    @Test("batched encoding (padding masked) equals one at a time, and split over threads")
    func batchEqualsSingle() throws {
        let encoder = try Self.encoder()
        let texts = Self.sentences + ["A much longer sentence about feature stores, vector indexes and recommendations, with commas."]
        let batched = encoder.encode(texts)
        for (text, vector) in zip(texts, batched) {
            let single = encoder.encode([text])[0]
            #expect(zip(single, vector).allSatisfy { abs($0 - $1) < 1e-5 }, "\(text)")
        }
        // Split over threads: the same vectors in the same order.
        let threaded = encoder.encode(texts, threads: 3)
        #expect(threaded.count == texts.count)
        for (a, b) in zip(threaded, batched) { #expect(zip(a, b).allSatisfy { abs($0 - $1) < 1e-5 }) }
    }

    @Test("matches a float64 reference written independently, to 1e-5 per component")
    func reference() throws {
        let encoder = try Self.encoder()
        let ids = encoder.tokenizer.encode(Self.sentences[1])
        let ours = encoder.encode(ids: [ids])[0]
        let expected = try ReferenceEncoder(file: try SafetensorsFile(path: try MiniLMFiles.require("model.safetensors"))).encode(ids.map(Int.init))
        let worst = zip(ours, expected).map { abs(Double($0) - $1) }.max()!
        #expect(worst < 1e-5, "largest difference \(worst)")
    }

    @Test("config.json errors name the key")
    func config() throws {
        let path = NSTemporaryDirectory() + "pantry-bert-\(UUID().uuidString).json"
        defer { try? FileManager.default.removeItem(atPath: path) }
        try Data(#"{"hidden_size": 384, "num_hidden_layers": 6, "num_attention_heads": 7, "intermediate_size": 1536, "vocab_size": 30522, "max_position_embeddings": 512, "type_vocab_size": 2, "hidden_act": "gelu"}"#.utf8).write(to: URL(fileURLWithPath: path))
        let error = #expect(throws: SafetensorsError.self) { try SentenceEncoder.loadConfig(path) }
        #expect(error?.description.contains("num_attention_heads") == true)
    }
}

/// BERT in float64, straight from the definitions (no batching, no BLAS), for comparison.
struct ReferenceEncoder {
    let file: SafetensorsFile
    let h = 384, heads = 12, layers = 6

    func w(_ name: String) throws -> [Double] { try file.floats(name).map(Double.init) }

    func linear(_ x: [[Double]], _ weight: [Double], _ bias: [Double]) -> [[Double]] {
        let out = bias.count, input = weight.count / out
        return x.map { (row: [Double]) -> [Double] in
            var y = bias
            for o in 0..<out { for i in 0..<input { y[o] += row[i] * weight[o * input + i] } }
            return y
        }
    }

    func norm(_ x: [[Double]], _ g: [Double], _ b: [Double]) -> [[Double]] {
        x.map { (row: [Double]) -> [Double] in
            let count = Double(row.count)
            let mean: Double = row.reduce(0, +) / count
            var variance: Double = 0
            for value in row { variance += (value - mean) * (value - mean) }
            let scale: Double = 1 / (variance / count + 1e-12).squareRoot()
            var out = [Double](repeating: 0, count: row.count)
            for j in row.indices { out[j] = (row[j] - mean) * scale * g[j] + b[j] }
            return out
        }
    }

    static func add(_ a: [[Double]], _ b: [[Double]]) -> [[Double]] {
        var sum = a
        for r in a.indices { for j in a[r].indices { sum[r][j] += b[r][j] } }
        return sum
    }

    func encode(_ ids: [Int]) throws -> [Double] {
        let word = try w("embeddings.word_embeddings.weight"), position = try w("embeddings.position_embeddings.weight"), type = try w("embeddings.token_type_embeddings.weight")
        var x = [[Double]](repeating: [Double](repeating: 0, count: h), count: ids.count)
        for (t, id) in ids.enumerated() { for j in 0..<h { x[t][j] = word[id * h + j] + position[t * h + j] + type[j] } }
        x = norm(x, try w("embeddings.LayerNorm.weight"), try w("embeddings.LayerNorm.bias"))
        let d = h / heads
        for l in 0..<layers {
            let p = "encoder.layer.\(l)."
            let q = linear(x, try w(p + "attention.self.query.weight"), try w(p + "attention.self.query.bias"))
            let k = linear(x, try w(p + "attention.self.key.weight"), try w(p + "attention.self.key.bias"))
            let v = linear(x, try w(p + "attention.self.value.weight"), try w(p + "attention.self.value.bias"))
            var context = [[Double]](repeating: [Double](repeating: 0, count: h), count: x.count)
            for head in 0..<heads {
                for t in x.indices {
                    var logits = [Double](repeating: 0, count: x.count)
                    for s in x.indices {
                        for j in 0..<d { logits[s] += q[t][head * d + j] * k[s][head * d + j] }
                        logits[s] /= Double(d).squareRoot()
                    }
                    let top = logits.max()!
                    let e = logits.map { exp($0 - top) }
                    let total = e.reduce(0, +)
                    for s in x.indices { for j in 0..<d { context[t][head * d + j] += e[s] / total * v[s][head * d + j] } }
                }
            }
            let attended = linear(context, try w(p + "attention.output.dense.weight"), try w(p + "attention.output.dense.bias"))
            x = norm(Self.add(x, attended), try w(p + "attention.output.LayerNorm.weight"), try w(p + "attention.output.LayerNorm.bias"))
            let up = linear(x, try w(p + "intermediate.dense.weight"), try w(p + "intermediate.dense.bias")).map { (row: [Double]) -> [Double] in
                row.map { (z: Double) -> Double in 0.5 * z * (1 + erf(z / 2.0.squareRoot())) }
            }
            let down = linear(up, try w(p + "output.dense.weight"), try w(p + "output.dense.bias"))
            x = norm(Self.add(x, down), try w(p + "output.LayerNorm.weight"), try w(p + "output.LayerNorm.bias"))
        }
        var mean = [Double](repeating: 0, count: h)
        for row in x { for j in 0..<h { mean[j] += row[j] / Double(x.count) } }
        let length = mean.reduce(0) { $0 + $1 * $1 }.squareRoot()
        return mean.map { $0 / length }
    }
}
