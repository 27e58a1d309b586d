import Foundation
import Testing
@testable import Inference

/// Model files are input: bad hyperparameters and non-finite weights are refused at load with
/// the key or tensor named, never an out-of-bounds write or a trap later.
@Suite("Model validation at load")
struct ModelValidationTests {
    @Test("every hyperparameter is range-checked (RoPE dimensions, context length, widths, epsilons)")
    func hyperparameters() throws {
        let good = try ModelConfig(gguf: try GGUFFile(path: try TestModel.requirePath()))
        try good.validate()
        let cases: [(String, (inout ModelConfig) -> Void)] = [
            ("rope.dimension_count", { $0.ropeDim = $0.headDim + 2 }),
            ("rope.dimension_count", { $0.ropeDim = 3 }),
            ("rope.dimension_count", { $0.ropeDim = 0 }),
            ("rope.freq_base", { $0.ropeBase = .nan }),
            ("rope.freq_base", { $0.ropeBase = -1 }),
            ("context_length", { $0.contextLength = 0 }),
            ("context_length", { $0.contextLength = Int.max }),
            ("layer_norm_rms_epsilon", { $0.rmsEps = .infinity }),
            ("embedding_length", { $0.dim = 100 }),
            ("feed_forward_length", { $0.ffnDim = -5 }),
            ("block_count", { $0.layerCount = 0 }),
            ("vocab_size", { $0.vocabSize = 0 }),
        ]
        for (key, change) in cases {
            var config = good
            change(&config)
            #expect(throws: InferenceError.self, "\(key)") { try config.validate() }
            do { try config.validate() } catch { #expect(error.description.contains(key), "\(error)") }
        }
    }

    @Test("a NaN block scale or an infinite norm weight is refused at load, naming the tensor")
    func nonFiniteWeights() throws {
        let path = try TestModel.requirePath()
        let file = try GGUFFile(path: path)
        let q = try #require(file.tensor(named: "blk.2.attn_q.weight"))
        let norm = try #require(file.tensor(named: "blk.5.ffn_norm.weight"))
        for (tensor, offset, bytes, name) in [(q, 20 * 7, [UInt8](arrayLiteral: 0x00, 0x7E), "blk.2.attn_q.weight"),     // fp16 NaN scale, block 7
                                              (q, 20 * 9 + 2, [0x00, 0x7C], "blk.2.attn_q.weight"),                      // fp16 +inf minimum, block 9
                                              (norm, 4 * 11, [0x00, 0x00, 0x80, 0x7F], "blk.5.ffn_norm.weight")] {      // f32 +inf, value 11
            var data = try Data(contentsOf: URL(fileURLWithPath: path))
            let at = file.dataOffset + tensor.offset + offset
            data.replaceSubrange(at..<at + bytes.count, with: bytes)
            let corrupt = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-nan-\(UUID().uuidString).gguf").path
            try data.write(to: URL(fileURLWithPath: corrupt))
            defer { try? FileManager.default.removeItem(atPath: corrupt) }
            do {
                _ = try LLMEngine(modelPath: corrupt, threads: 1)
                Issue.record("\(name) with a non-finite value was accepted")
            } catch {
                #expect("\(error)".contains(name) && "\(error)".contains("not finite"), "\(error)")
            }
        }
    }

    @Test("narrowing activations to Int8 clamps out-of-range values and maps NaN to 0")
    func narrowing() {
        var v = SIMD16<Float>(repeating: 3.5)
        v[0] = .nan; v[1] = .infinity; v[2] = -.infinity; v[3] = 1e30; v[4] = -200; v[5] = 126.6
        let r = roundToInt8(v)
        #expect(r[0] == 0 && r[1] == 127 && r[2] == -127 && r[3] == 127 && r[4] == -127 && r[5] == 127 && r[6] == 4)
    }
}
