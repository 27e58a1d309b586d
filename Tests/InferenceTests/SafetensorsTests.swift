import Foundation
import Testing
@testable import Inference

@Suite("safetensors files")
struct SafetensorsTests {
    /// A file of the given header text and data bytes.
    static func file(header: String, data: [UInt8]) -> Data {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(header.utf8.count).littleEndian) { bytes += $0 }
        return Data(bytes + Array(header.utf8) + data)
    }

    static func floats(_ values: [Float]) -> [UInt8] { values.flatMap { v in withUnsafeBytes(of: v.bitPattern.littleEndian) { Array($0) } } }

    @Test("reads tensors by name and shape; metadata kept")
    func reads() throws {
        let data = Self.file(header: #"{"__metadata__": {"format": "pt"}, "a": {"dtype": "F32", "shape": [2, 2], "data_offsets": [0, 16]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [16, 20]}}"#,
                             data: Self.floats([1, 2, 3, 4, -0.5]))
        let file = try SafetensorsFile(data: data)
        #expect(file.metadata == ["format": "pt"])
        #expect(try file.floats("a", shape: [2, 2]) == [1, 2, 3, 4])
        #expect(try file.floats("b") == [-0.5])
        #expect(throws: SafetensorsError.self) { try file.floats("a", shape: [4]) }
        #expect(throws: SafetensorsError.self) { try file.floats("missing") }
    }

    @Test("truncated, corrupt or hostile files are errors naming what is wrong", arguments: [
        ("", [UInt8](), "too short"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}}"#, [UInt8](repeating: 0, count: 4), "not within"),
        (#"{"a": {"dtype": "F32", "shape": [3], "data_offsets": [0, 8]}}"#, [UInt8](repeating: 0, count: 8), "expected 12"),
        (#"{"a": {"dtype": "Q9", "shape": [1], "data_offsets": [0, 4]}}"#, [UInt8](repeating: 0, count: 4), "dtype"),
        (#"{"a": {"dtype": "F32", "shape": [-1], "data_offsets": [0, 4]}}"#, [UInt8](repeating: 0, count: 4), "bad dimension"),
        (#"{"a": {"dtype": "F32", "shape": [4294967296, 4294967296], "data_offsets": [0, 4]}}"#, [UInt8](repeating: 0, count: 4), "too large"),
        (#"{"a": {"dtype": "F32", "shape": [2], "data_offsets": [0, 8]}, "b": {"dtype": "F32", "shape": [1], "data_offsets": [4, 8]}}"#, [UInt8](repeating: 0, count: 8), "overlap"),
        (#"{"a": "#, [UInt8](), "not JSON"),
        (#"[1, 2]"#, [UInt8](), "not a JSON object"),
    ])
    func hostile(header: String, data: [UInt8], mentions: String) {
        let bytes = header.isEmpty ? Data([1, 2, 3]) : Self.file(header: header, data: data)
        let error = #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: bytes) }
        #expect(error?.description.contains(mentions) == true, "\(String(describing: error))")
    }

    @Test("a header length past the end of the file, and non-finite values, are refused")
    func lengthAndValues() throws {
        var bytes: [UInt8] = []
        withUnsafeBytes(of: UInt64(1 << 40).littleEndian) { bytes += $0 }
        #expect(throws: SafetensorsError.self) { try SafetensorsFile(data: Data(bytes + [0x7b, 0x7d])) }
        let file = try SafetensorsFile(data: Self.file(header: #"{"a": {"dtype": "F32", "shape": [1], "data_offsets": [0, 4]}}"#, data: Self.floats([.nan])))
        #expect(throws: SafetensorsError.self) { try file.floats("a") }
    }

    @Test("fuzz: random bytes after a valid prefix never crash the reader")
    func fuzz() {
        var random = SystemRandomNumberGenerator()
        let base = Array(Self.file(header: #"{"a": {"dtype": "F32", "shape": [2, 3], "data_offsets": [0, 24]}}"#, data: Self.floats([1, 2, 3, 4, 5, 6])))
        for _ in 0..<2_000 {
            var bytes = base
            for _ in 0..<Int.random(in: 1...4, using: &random) { bytes[Int.random(in: 0..<bytes.count, using: &random)] = UInt8.random(in: 0...255, using: &random) }
            if Bool.random(using: &random) { bytes.removeLast(Int.random(in: 0..<bytes.count, using: &random)) }
            if let file = try? SafetensorsFile(data: Data(bytes)) { _ = try? file.floats("a") }
        }
    }

    @Test("the real all-MiniLM-L6-v2 file: 103 F32 weight tensors and the I64 position ids; embeddings 30522 × 384")
    func minilm() throws {
        let file = try SafetensorsFile(path: try MiniLMFiles.require("model.safetensors"))
        #expect(file.tensors.count == 104 && file.tensors.values.filter { $0.dtype == "F32" }.count == 103)
        #expect(file.tensors["embeddings.position_ids"]?.dtype == "I64")
        #expect(file.tensors["embeddings.word_embeddings.weight"]?.shape == [30522, 384])
        #expect(try file.floats("encoder.layer.5.output.LayerNorm.weight", shape: [384]).count == 384)
        #expect(throws: SafetensorsError.self) { try file.floats("embeddings.position_ids") }
    }
}

/// The sentence encoder's files, fetched by scripts/setup.sh (the tests fail, never skip, without them).
enum MiniLMFiles {
    static func require(_ name: String) throws -> String {
        let path = TestModel.repoRoot.appendingPathComponent(".pantry/models/all-MiniLM-L6-v2/\(name)").path
        try #require(FileManager.default.fileExists(atPath: path), "\(path) missing: run scripts/setup.sh")
        return path
    }
}
