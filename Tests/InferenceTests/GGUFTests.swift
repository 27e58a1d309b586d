import Foundation
import Testing
@testable import Inference

@Suite("GGUF reader")
struct GGUFTests {
    @Test func parsesRealModel() throws {
        let f = try GGUFFile(path: try TestModel.requirePath())
        #expect(f.version == 3)
        #expect(f.tensors.count == 272)
        #expect(f.metadata.count == 33)
        #expect(f.alignment == 32)
        #expect(f.dataOffset % 32 == 0)
        #expect(try f.string("general.architecture") == "llama")
        #expect(try f.int("llama.block_count") == 30)
        #expect(try f.int("llama.embedding_length") == 576)
        #expect(try f.float("llama.rope.freq_base") == 100_000)
        #expect(f.metadata["tokenizer.ggml.tokens"]?.arrayValue?.count == 49152)
        #expect(f.metadata["tokenizer.ggml.merges"]?.arrayValue?.count == 48900)
        #expect(f.metadata["tokenizer.ggml.add_bos_token"] == .bool(false))

        let embd = try #require(f.tensor(named: "token_embd.weight"))
        #expect(embd.dims == [576, 49152])
        #expect(embd.type == .q8_0)
        #expect(embd.byteCount == 49152 * 576 / 32 * 34)
        let q = try #require(f.tensor(named: "blk.0.attn_q.weight"))
        #expect(q.dims == [576, 576] && q.type == .q4_1)
        let k = try #require(f.tensor(named: "blk.29.attn_k.weight"))
        #expect(k.dims == [576, 192] && k.type == .q4_1)
        let down = try #require(f.tensor(named: "blk.3.ffn_down.weight"))
        #expect(down.dims == [1536, 576])
        let norm = try #require(f.tensor(named: "output_norm.weight"))
        #expect(norm.dims == [576] && norm.type == .f32)
        #expect(f.tensor(named: "output.weight") == nil) // tied to the embedding

        var types: [GGMLType: Int] = [:]
        for t in f.tensors { types[t.type, default: 0] += 1 }
        #expect(types == [.q4_1: 210, .f32: 61, .q8_0: 1])
        // The last tensor ends inside the file.
        let end = f.tensors.map { f.dataOffset + $0.offset + $0.byteCount }.max()!
        #expect(end <= f.fileSize)

        let config = try ModelConfig(gguf: f)
        #expect(config.headCount == 9 && config.kvHeadCount == 3 && config.headDim == 64)
        #expect(config.ffnDim == 1536 && config.vocabSize == 49152 && config.contextLength == 8192)
        #expect(abs(config.rmsEps - 1e-5) < 1e-9)
    }

    /// Writes `bytes` to a temporary file and returns its path.
    private func temporaryFile(_ bytes: Data) throws -> String {
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-gguf-\(UUID().uuidString).gguf")
        try bytes.write(to: url)
        return url.path
    }

    private func prefixOfModel(_ count: Int) throws -> Data {
        let h = try #require(FileHandle(forReadingAtPath: try TestModel.requirePath()))
        defer { try? h.close() }
        return h.readData(ofLength: count)
    }

    @Test(arguments: [0, 3, 4, 8, 23, 100, 1000, 500_000, 1_785_664, 5_000_000])
    func truncatedFileThrows(length: Int) throws {
        let path = try temporaryFile(try prefixOfModel(length))
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(throws: GGUFError.self) { _ = try GGUFFile(path: path) }
    }

    @Test func truncatedErrorIsDescriptive() throws {
        let path = try temporaryFile(try prefixOfModel(5_000_000))
        defer { try? FileManager.default.removeItem(atPath: path) }
        do {
            _ = try GGUFFile(path: path)
            Issue.record("expected an error")
        } catch let e as GGUFError {
            guard case .truncated = e else { Issue.record("unexpected error \(e)"); return }
            #expect(e.description.contains("truncated"))
        }
    }

    @Test func corruptHeadersThrow() throws {
        let good = try prefixOfModel(2_000_000)
        func corrupt(_ offset: Int, _ bytes: [UInt8]) -> Data {
            var d = good
            d.replaceSubrange(offset..<offset + bytes.count, with: bytes)
            return d
        }
        let cases: [(String, Data)] = [
            ("magic", corrupt(0, [0x47, 0x47, 0x55, 0x47])),
            ("version", corrupt(4, [99, 0, 0, 0])),
            ("huge tensor count", corrupt(8, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0x7F])),
            ("huge kv count", corrupt(16, [0xFF, 0xFF, 0xFF, 0xFF, 0, 0, 0, 0])),
            ("huge key length", corrupt(24, [0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF])),
            ("bad value type", corrupt(24 + 8 + 20, [0x7F, 0, 0, 0])),
        ]
        for (name, data) in cases {
            let path = try temporaryFile(data)
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: GGUFError.self, "\(name)") { _ = try GGUFFile(path: path) }
        }
    }

    @Test func missingFileThrows() {
        #expect(throws: GGUFError.self) { _ = try GGUFFile(path: "/nonexistent/model.gguf") }
    }

    @Test func dequantisesEmbeddingRow() throws {
        let f = try GGUFFile(path: try TestModel.requirePath())
        let t = try #require(f.tensor(named: "token_embd.weight"))
        let m = WeightMatrix(name: t.name, type: t.type, rows: 49152, columns: 576, data: f.tensorData(t))
        var row = [Float](repeating: 0, count: 576)
        row.withUnsafeMutableBufferPointer { m.dequantizeRow(7042, into: $0.baseAddress!) }
        // Independent scalar decoding of the same Q8_0 row.
        let base = f.tensorData(t) + 7042 * (576 / 32 * 34)
        for i in 0..<576 {
            let blk = base + (i / 32) * 34
            let d = Float(Float16(bitPattern: blk.loadUnaligned(as: UInt16.self)))
            let q = blk.load(fromByteOffset: 2 + i % 32, as: Int8.self)
            #expect(row[i] == d * Float(q))
        }
    }
}
