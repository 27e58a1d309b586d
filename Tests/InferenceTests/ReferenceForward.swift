import Foundation
@testable import Inference

/// A deliberately naive float LLaMA forward pass, written independently of the engine: its own
/// scalar dequantisation of the GGUF blocks, plain arrays and loops, one position at a time.
/// Used to check the engine's kernels and batching to tight tolerances on a truncated model.
struct ReferenceForward {
    let config: ModelConfig
    let layers: Int
    let vocabRows: Int
    let embedding: GGUFFile
    private var weights: [String: [Float]] = [:]
    private let file: GGUFFile

    init(file: GGUFFile, layers: Int, vocabRows: Int) throws {
        self.file = file
        embedding = file
        config = try ModelConfig(gguf: file)
        self.layers = layers
        self.vocabRows = vocabRows
        var names = ["output_norm.weight"]
        for l in 0..<layers {
            for n in ["attn_norm", "attn_q", "attn_k", "attn_v", "attn_output", "ffn_norm", "ffn_gate", "ffn_up", "ffn_down"] {
                names.append("blk.\(l).\(n).weight")
            }
        }
        for n in names { weights[n] = try Self.dequantize(file, n, rows: nil) }
        weights["head"] = try Self.dequantize(file, "token_embd.weight", rows: vocabRows)
    }

    /// Scalar decoding of F32 / Q4_1 / Q8_0 tensors (optionally only the first `rows` rows).
    static func dequantize(_ f: GGUFFile, _ name: String, rows: Int?) throws -> [Float] {
        guard let t = f.tensor(named: name) else { throw GGUFError.missingTensor(name) }
        let cols = t.dims[0]
        let n = (rows ?? (t.elementCount / cols)) * cols
        let p = f.tensorData(t)
        func f16(_ o: Int) -> Float { Float(Float16(bitPattern: UInt16(p.load(fromByteOffset: o, as: UInt8.self)) | UInt16(p.load(fromByteOffset: o + 1, as: UInt8.self)) << 8)) }
        var out = [Float](repeating: 0, count: n)
        switch t.type {
        case .f32:
            for i in 0..<n { out[i] = p.loadUnaligned(fromByteOffset: 4 * i, as: Float.self) }
        case .q8_0:
            for i in 0..<n {
                let blk = (i / 32) * 34
                out[i] = f16(blk) * Float(p.load(fromByteOffset: blk + 2 + i % 32, as: Int8.self))
            }
        case .q4_1:
            for i in 0..<n {
                let blk = (i / 32) * 20
                let j = i % 32
                let byte = p.load(fromByteOffset: blk + 4 + j % 16, as: UInt8.self)
                let q = j < 16 ? byte & 0x0F : byte >> 4
                out[i] = f16(blk) * Float(q) + f16(blk + 2)
            }
        default:
            throw InferenceError.unsupportedModel("reference has no decoder for \(t.type)")
        }
        return out
    }

    private func w(_ name: String) -> [Float] { weights[name]! }

    private func matvec(_ m: [Float], _ x: [Float], rows: Int) -> [Float] {
        let cols = x.count
        return (0..<rows).map { r in
            var s: Float = 0
            for c in 0..<cols { s += m[r * cols + c] * x[c] }
            return s
        }
    }

    private func rmsnorm(_ x: [Float], _ g: [Float]) -> [Float] {
        let ms = x.reduce(0) { $0 + $1 * $1 } / Float(x.count)
        let k = 1 / (ms + config.rmsEps).squareRoot()
        return (0..<x.count).map { x[$0] * k * g[$0] }
    }

    private func rope(_ v: inout [Float], head: Int, pos: Int) {
        let d = config.headDim
        for i in stride(from: 0, to: d, by: 2) {
            let theta = Double(pos) * pow(Double(config.ropeBase), -Double(i) / Double(d))
            let (c, s) = (Float(cos(theta)), Float(sin(theta)))
            let a = v[head * d + i], b = v[head * d + i + 1]
            v[head * d + i] = a * c - b * s
            v[head * d + i + 1] = a * s + b * c
        }
    }

    /// Logits (first `vocabRows` ids) after each of `tokens`.
    func logits(_ tokens: [Int]) throws -> [[Float]] {
        let c = config, hd = c.headDim
        var keys = [[[Float]]](repeating: [], count: layers)
        var values = [[[Float]]](repeating: [], count: layers)
        var result: [[Float]] = []
        let embd = try Self.dequantize(file, "token_embd.weight", rows: c.vocabSize)
        for (pos, token) in tokens.enumerated() {
            var x = Array(embd[token * c.dim..<(token + 1) * c.dim])
            for l in 0..<layers {
                let p = "blk.\(l)."
                let h = rmsnorm(x, w(p + "attn_norm.weight"))
                var q = matvec(w(p + "attn_q.weight"), h, rows: c.qDim)
                var k = matvec(w(p + "attn_k.weight"), h, rows: c.kvDim)
                let v = matvec(w(p + "attn_v.weight"), h, rows: c.kvDim)
                for head in 0..<c.headCount { rope(&q, head: head, pos: pos) }
                for head in 0..<c.kvHeadCount { rope(&k, head: head, pos: pos) }
                keys[l].append(k)
                values[l].append(v)
                var att = [Float](repeating: 0, count: c.qDim)
                for head in 0..<c.headCount {
                    let kvh = head / (c.headCount / c.kvHeadCount)
                    var scores = (0...pos).map { t -> Float in
                        var s: Float = 0
                        for i in 0..<hd { s += q[head * hd + i] * keys[l][t][kvh * hd + i] }
                        return s / Float(hd).squareRoot()
                    }
                    let m = scores.max()!
                    scores = scores.map { exp($0 - m) }
                    let z = scores.reduce(0, +)
                    for t in 0...pos {
                        for i in 0..<hd { att[head * hd + i] += scores[t] / z * values[l][t][kvh * hd + i] }
                    }
                }
                let o = matvec(w(p + "attn_output.weight"), att, rows: c.dim)
                for i in 0..<c.dim { x[i] += o[i] }
                let h2 = rmsnorm(x, w(p + "ffn_norm.weight"))
                let g = matvec(w(p + "ffn_gate.weight"), h2, rows: c.ffnDim)
                let u = matvec(w(p + "ffn_up.weight"), h2, rows: c.ffnDim)
                let act = (0..<c.ffnDim).map { g[$0] / (1 + exp(-g[$0])) * u[$0] }
                let d = matvec(w(p + "ffn_down.weight"), act, rows: c.dim)
                for i in 0..<c.dim { x[i] += d[i] }
            }
            result.append(matvec(w("head"), rmsnorm(x, w("output_norm.weight")), rows: vocabRows))
        }
        return result
    }
}
