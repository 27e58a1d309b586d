import Core
import Foundation

/// A `.safetensors` file (Hugging Face's format): an 8-byte little-endian header length N, N
/// bytes of JSON — `{"name": {"dtype": "F32", "shape": [..], "data_offsets": [begin, end]},
/// "__metadata__": {...}}` with offsets relative to the data that follows the header — then
/// the tensors' bytes. The file is memory-mapped; every offset, shape and size is checked
/// before use (no overflow, inside the data, non-overlapping, size = product(shape) × dtype
/// size), so a truncated, corrupt or hostile file is an error naming what is wrong.
public struct SafetensorsFile: Sendable {
    public struct Tensor: Sendable, Equatable {
        public let name: String
        public let dtype: String
        public let shape: [Int]
        /// Byte range inside the data section.
        public let range: Range<Int>
        public var count: Int { shape.reduce(1, *) }
    }

    public let path: String
    public let tensors: [String: Tensor]
    public let metadata: [String: String]
    private let data: Data
    private let dataStart: Int

    /// Element sizes of the dtypes the format defines (Pantry reads F32 values).
    static let dtypeSizes: [String: Int] = [
        "BOOL": 1, "U8": 1, "I8": 1, "F8_E4M3": 1, "F8_E5M2": 1, "I16": 2, "U16": 2, "F16": 2, "BF16": 2,
        "I32": 4, "U32": 4, "F32": 4, "F64": 8, "I64": 8, "U64": 8,
    ]
    /// Largest header accepted (the format's own readers use 100 MB).
    static let maximumHeader = 100_000_000

    public init(path: String) throws(SafetensorsError) {
        let data: Data
        do { data = try Data(contentsOf: URL(fileURLWithPath: path), options: .alwaysMapped) } catch {
            throw SafetensorsError(path, "cannot read (\(error.localizedDescription))")
        }
        try self.init(data: data, path: path)
    }

    public init(data: Data, path: String = "<memory>") throws(SafetensorsError) {
        func fail(_ message: String) -> SafetensorsError { SafetensorsError(path, message) }
        guard data.count >= 8 else { throw fail("\(data.count) bytes: too short for the 8-byte header length") }
        let n = data.withUnsafeBytes { UInt64(littleEndian: $0.loadUnaligned(as: UInt64.self)) }
        guard n >= 2, n <= UInt64(Self.maximumHeader) else { throw fail("header length \(n), expected 2...\(Self.maximumHeader)") }
        guard Int(n) <= data.count - 8 else { throw fail("header length \(n) runs past the end of the file (\(data.count) bytes)") }
        let headerBytes = Array(data[data.startIndex + 8..<data.startIndex + 8 + Int(n)])
        let header: JSONValue
        do { header = try JSONParser.parse(headerBytes) } catch { throw fail("header is not JSON: \(error)") }
        guard case .object(let entries) = header else { throw fail("header is not a JSON object") }
        let dataStart = 8 + Int(n), dataSize = data.count - dataStart
        var tensors: [String: Tensor] = [:]
        var metadata: [String: String] = [:]
        for (name, value) in entries {
            if name == "__metadata__" {
                guard case .object(let fields) = value else { throw fail("__metadata__ is not an object") }
                for (key, v) in fields {
                    guard case .string(let text) = v else { throw fail("__metadata__.\(key) is not a string") }
                    metadata[key] = text
                }
                continue
            }
            guard case .object(let fields) = value else { throw fail("tensor \(name): not an object") }
            guard case .string(let dtype)? = fields["dtype"], let size = Self.dtypeSizes[dtype] else {
                throw fail("tensor \(name): dtype \(fields["dtype"].map { "\($0.shown)" } ?? "missing"), expected one of \(Self.dtypeSizes.keys.sorted().joined(separator: ", "))")
            }
            guard case .array(let dims)? = fields["shape"], dims.count <= 8 else { throw fail("tensor \(name): shape missing or over 8 dimensions") }
            var shape: [Int] = [], count = 1
            for d in dims {
                guard case .integer(let v) = d, v >= 0, let dim = Int(exactly: v) else { throw fail("tensor \(name): shape \(dims.map(\.shown)) has a bad dimension") }
                let (product, overflow) = count.multipliedReportingOverflow(by: dim)
                guard !overflow, product <= Int(Int32.max) else { throw fail("tensor \(name): shape \(dims.map(\.shown)) is too large") }
                shape.append(dim)
                count = product
            }
            guard case .array(let offsets)? = fields["data_offsets"], offsets.count == 2,
                  case .integer(let begin) = offsets[0], case .integer(let end) = offsets[1],
                  begin >= 0, end >= begin, end <= Int64(dataSize) else {
                throw fail("tensor \(name): data_offsets \(fields["data_offsets"].map { "\($0.shown)" } ?? "missing") not within the \(dataSize) data bytes")
            }
            guard end - begin == Int64(count * size) else {
                throw fail("tensor \(name): \(end - begin) bytes for shape \(shape) of \(dtype) (expected \(count * size))")
            }
            tensors[name] = Tensor(name: name, dtype: dtype, shape: shape, range: Int(begin)..<Int(end))
        }
        let sorted = tensors.values.sorted { $0.range.lowerBound < $1.range.lowerBound }
        for (a, b) in zip(sorted, sorted.dropFirst()) where a.range.overlaps(b.range) {
            throw fail("tensors \(a.name) and \(b.name) overlap")
        }
        self.path = path
        self.tensors = tensors
        self.metadata = metadata
        self.data = data
        self.dataStart = dataStart
    }

    /// The values of an F32 tensor, checked to be finite; `shape` when given must match.
    public func floats(_ name: String, shape expected: [Int]? = nil) throws(SafetensorsError) -> [Float] {
        guard let t = tensors[name] else { throw SafetensorsError(path, "no tensor \(name)") }
        guard t.dtype == "F32" else { throw SafetensorsError(path, "tensor \(name) is \(t.dtype), expected F32") }
        if let expected, expected != t.shape { throw SafetensorsError(path, "tensor \(name) has shape \(t.shape), expected \(expected)") }
        var values = [Float](repeating: 0, count: t.count)
        let start = dataStart + t.range.lowerBound
        data.withUnsafeBytes { raw in
            for i in values.indices {
                values[i] = Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: start + 4 * i, as: UInt32.self)))
            }
        }
        if let bad = values.firstIndex(where: { !$0.isFinite }) {
            throw SafetensorsError(path, "tensor \(name): value \(bad) is \(values[bad])")
        }
        return values
    }
}

public struct SafetensorsError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    init(_ path: String, _ message: String) { description = "\(path): \(message)" }
}
