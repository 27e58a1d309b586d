import Foundation
import Testing
@testable import Inference

/// Metadata is input: a key that is present with the wrong type is an error naming the key
/// (never a silent default), and header values that size arithmetic are bounded first.
@Suite("GGUF metadata types and bounds")
struct GGUFMetadataTests {
    /// One metadata entry of a hand-written GGUF file: key, GGUF type code, little-endian value bytes.
    struct Entry {
        let key: String
        let type: UInt32
        let value: [UInt8]

        static func u32(_ key: String, _ v: UInt32) -> Entry { Entry(key: key, type: 4, value: bytes(v)) }
        static func u64(_ key: String, _ v: UInt64) -> Entry { Entry(key: key, type: 10, value: bytes(v)) }
        static func string(_ key: String, _ s: String) -> Entry {
            Entry(key: key, type: 8, value: bytes(UInt64(s.utf8.count)) + Array(s.utf8))
        }
    }

    static func bytes<T: FixedWidthInteger>(_ v: T) -> [UInt8] {
        withUnsafeBytes(of: v.littleEndian) { Array($0) }
    }

    /// A small valid llama configuration (no tensors), with `extra` entries appended.
    static func model(_ extra: [Entry]) -> [Entry] {
        [.string("general.architecture", "llama"), .u32("llama.embedding_length", 64),
         .u32("llama.feed_forward_length", 128), .u32("llama.block_count", 1),
         .u32("llama.attention.head_count", 2), .u32("llama.vocab_size", 100)] + extra
    }

    /// Writes a GGUF v3 file with no tensors and the given metadata; returns its path.
    static func write(_ entries: [Entry]) throws -> String {
        var data = bytes(UInt32(0x4655_4747)) + bytes(UInt32(3)) + bytes(UInt64(0)) + bytes(UInt64(entries.count))
        for e in entries {
            data += bytes(UInt64(e.key.utf8.count)) + Array(e.key.utf8) + bytes(e.type) + e.value
        }
        data += [UInt8](repeating: 0, count: 64 - data.count % 32)
        let url = FileManager.default.temporaryDirectory.appendingPathComponent("pantry-meta-\(UUID().uuidString).gguf")
        try Data(data).write(to: url)
        return url.path
    }

    static func load(_ entries: [Entry]) throws -> ModelConfig {
        let path = try write(entries)
        defer { try? FileManager.default.removeItem(atPath: path) }
        return try ModelConfig(gguf: try GGUFFile(path: path))
    }

    @Test("the hand-written model loads, so the failures below come from the one bad key")
    func baseline() throws {
        let config = try Self.load(Self.model([.u32("llama.context_length", 512)]))
        #expect(config.contextLength == 512 && config.headDim == 32 && config.ropeDim == 32)
    }

    @Test("an optional hyperparameter present with the wrong type is an error naming it, not the default",
          arguments: [
              Entry.string("llama.context_length", "8192"),
              Entry.u64("llama.rope.dimension_count", 1 << 63),
              Entry.string("llama.rope.freq_base", "10000"),
              Entry.string("llama.attention.head_count_kv", "1"),
              Entry.string("llama.attention.layer_norm_rms_epsilon", "1e-5"),
          ])
    func wrongType(entry: Entry) throws {
        do {
            let config = try Self.load(Self.model([entry]))
            Issue.record("\(entry.key) loaded as \(config)")
        } catch let error as GGUFError {
            #expect(error == .wrongKeyType(entry.key, expected: error.expectedType), "\(error)")
            #expect(error.description.contains(entry.key))
        }
    }

    @Test("a power-of-two alignment beyond a u32 is refused by name, not reported as a truncated file")
    func hugeAlignment() throws {
        for alignment in [UInt64(1) << 62, 1 << 32] {
            let path = try Self.write(Self.model([.u64("general.alignment", alignment)]))
            defer { try? FileManager.default.removeItem(atPath: path) }
            #expect(throws: GGUFError.invalidAlignment(Int(alignment))) { _ = try GGUFFile(path: path) }
        }
    }

    @Test("head counts that do not divide are refused naming the key and the rule")
    func headCounts() throws {
        do {
            _ = try Self.load(Self.model([.u32("llama.attention.head_count_kv", 3)]))
            Issue.record("head_count_kv 3 with head_count 2 loaded")
        } catch let error as InferenceError {
            #expect(error.description.contains("llama.attention.head_count"), "\(error)")
        }
    }
}

extension GGUFError {
    /// The expectation text of a `wrongKeyType` error (to compare the key exactly).
    fileprivate var expectedType: String {
        if case let .wrongKeyType(_, expected) = self { return expected }
        return ""
    }
}
