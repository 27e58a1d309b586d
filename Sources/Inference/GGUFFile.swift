import Foundation

/// Description of one tensor stored in a GGUF file.
public struct GGUFTensorInfo: Sendable {
    public let name: String
    /// Dimensions, innermost first (GGML's `ne`): a matrix with `dims == [cols, rows]` stores
    /// `rows` rows of `cols` contiguous elements.
    public let dims: [Int]
    public let type: GGMLType
    /// Offset of the data relative to the start of the tensor-data section.
    public let offset: Int
    public let byteCount: Int

    public var elementCount: Int { dims.reduce(1, *) }
}

/// A GGUF (v2/v3) model file: header, metadata, tensor table and memory-mapped tensor data.
///
/// The tensor data is never copied: ``tensorData(_:)`` returns pointers into a read-only,
/// private mapping of the file, so pages are shared with the page cache and only touched
/// pages count towards the resident set.
public final class GGUFFile: @unchecked Sendable {
    public let path: String
    public let version: UInt32
    /// Metadata in file order.
    public let metadataKeys: [String]
    public let metadata: [String: GGUFValue]
    public let tensors: [GGUFTensorInfo]
    public let alignment: Int
    /// Absolute file offset of the tensor data section.
    public let dataOffset: Int
    public let fileSize: Int

    private let mapping: UnsafeMutableRawPointer?
    private let tensorIndex: [String: Int]

    /// Opens and validates `path`. Throws ``GGUFError`` for unreadable, truncated or corrupt files.
    public init(path: String) throws {
        self.path = path
        let fd = open(path, O_RDONLY)
        guard fd >= 0 else { throw GGUFError.cannotOpen(path: path, errno: errno) }
        defer { close(fd) }
        var st = stat()
        guard fstat(fd, &st) == 0 else { throw GGUFError.cannotOpen(path: path, errno: errno) }
        let size = Int(st.st_size)
        guard size >= 4 else { throw GGUFError.truncated(offset: 0, needed: 4, fileSize: size, what: "magic") }
        let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0)
        guard let p, p != MAP_FAILED else { throw GGUFError.cannotOpen(path: path, errno: errno) }
        do {
            let parsed = try GGUFFile.parse(base: UnsafeRawPointer(p), size: size)
            mapping = p
            fileSize = size
            version = parsed.version
            metadataKeys = parsed.keys
            metadata = parsed.metadata
            tensors = parsed.tensors
            alignment = parsed.alignment
            dataOffset = parsed.dataOffset
            var index: [String: Int] = [:]
            for (i, t) in parsed.tensors.enumerated() { index[t.name] = i }
            tensorIndex = index
        } catch {
            munmap(p, size)
            throw error
        }
    }

    deinit {
        if let mapping { munmap(mapping, fileSize) }
    }

    public func tensor(named name: String) -> GGUFTensorInfo? {
        tensorIndex[name].map { tensors[$0] }
    }

    /// Pointer to the first byte of a tensor's data inside the mapping (valid while `self` lives).
    public func tensorData(_ info: GGUFTensorInfo) -> UnsafeRawPointer {
        UnsafeRawPointer(mapping!) + dataOffset + info.offset
    }

    // MARK: Typed metadata accessors

    public func int(_ key: String) throws -> Int {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let i = v.intValue else { throw GGUFError.wrongKeyType(key, expected: "an integer") }
        return i
    }

    public func float(_ key: String) throws -> Float {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let d = v.doubleValue else { throw GGUFError.wrongKeyType(key, expected: "a number") }
        return Float(d)
    }

    /// An optional integer: `nil` only when the key is absent. A key that is present with
    /// another type (or a value outside `Int`) is an error, never a silent default.
    public func optionalInt(_ key: String) throws -> Int? {
        metadata[key] == nil ? nil : try int(key)
    }

    /// An optional number: `nil` only when the key is absent, an error when it has another type.
    public func optionalFloat(_ key: String) throws -> Float? {
        metadata[key] == nil ? nil : try float(key)
    }

    public func string(_ key: String) throws -> String {
        guard let v = metadata[key] else { throw GGUFError.missingKey(key) }
        guard let s = v.stringValue else { throw GGUFError.wrongKeyType(key, expected: "a string") }
        return s
    }

    // MARK: Parsing

    private struct Parsed {
        var version: UInt32
        var keys: [String]
        var metadata: [String: GGUFValue]
        var tensors: [GGUFTensorInfo]
        var alignment: Int
        var dataOffset: Int
    }

    private static func parse(base: UnsafeRawPointer, size: Int) throws(GGUFError) -> Parsed {
        var r = GGUFReader(base: base, size: size)
        let magic = try r.read(UInt32.self, "magic")
        guard magic == 0x4655_4747 else { throw .notGGUF(magic: magic) } // "GGUF" little-endian
        let version = try r.read(UInt32.self, "version")
        guard version == 2 || version == 3 else { throw .unsupportedVersion(version) }
        // A tensor info needs at least 8 (name length) + 4 + 8 + 4 + 8 bytes; a key/value 8 + 4 + 1.
        let tensorCount = try r.readCount("tensor", minElementBytes: 32)
        let kvCount = try r.readCount("metadata", minElementBytes: 13)

        var keys: [String] = []
        var metadata: [String: GGUFValue] = [:]
        for _ in 0..<kvCount {
            let key = try r.readString("metadata key")
            let type = try r.read(UInt32.self, "type of '\(key)'")
            let value = try r.readValue(type: type, key: key)
            if metadata.updateValue(value, forKey: key) == nil { keys.append(key) }
        }

        // GGUF stores the alignment as a u32 (llama.cpp reads it as one): a power of two up to 2^31.
        var alignment = 32
        if let a = metadata["general.alignment"] {
            guard let v = a.intValue, v > 0, v <= 1 << 31, v & (v - 1) == 0 else { throw .invalidAlignment(a.intValue ?? 0) }
            alignment = v
        }

        var infos: [(String, [Int], UInt32, UInt64)] = []
        infos.reserveCapacity(tensorCount)
        for _ in 0..<tensorCount {
            let name = try r.readString("tensor name")
            let nDims = try r.read(UInt32.self, "dimension count of '\(name)'")
            guard nDims >= 1, nDims <= 4 else { throw .invalidTensor(name, reason: "\(nDims) dimensions") }
            var dims: [Int] = []
            for _ in 0..<nDims {
                let d = try r.read(UInt64.self, "dimensions of '\(name)'")
                guard d >= 1, d < 1 << 40 else { throw .invalidTensor(name, reason: "dimension \(d)") }
                dims.append(Int(d))
            }
            let type = try r.read(UInt32.self, "type of '\(name)'")
            let offset = try r.read(UInt64.self, "offset of '\(name)'")
            infos.append((name, dims, type, offset))
        }

        let dataOffset = (r.offset + alignment - 1) / alignment * alignment
        guard dataOffset <= size else {
            throw .truncated(offset: r.offset, needed: dataOffset - r.offset, fileSize: size, what: "tensor data alignment")
        }
        let dataSize = size - dataOffset

        var tensors: [GGUFTensorInfo] = []
        for (name, dims, rawType, offset) in infos {
            guard let type = GGMLType(rawValue: rawType) else { throw .unknownTensorType(rawType, tensor: name) }
            var count = 1
            for d in dims {
                let (m, overflow) = count.multipliedReportingOverflow(by: d)
                guard !overflow, m < 1 << 48 else { throw .invalidTensor(name, reason: "too many elements") }
                count = m
            }
            guard dims[0] % type.blockSize == 0 else {
                throw .invalidTensor(name, reason: "row length \(dims[0]) not a multiple of block size \(type.blockSize)")
            }
            let bytes = type.byteCount(elements: count)
            guard offset % UInt64(alignment) == 0 else { throw .invalidTensor(name, reason: "misaligned offset \(offset)") }
            guard offset <= UInt64(dataSize), bytes <= dataSize - Int(offset) else {
                throw .truncated(offset: dataOffset + Int(min(offset, UInt64(Int.max / 2))), needed: bytes,
                                 fileSize: size, what: "data of tensor '\(name)'")
            }
            tensors.append(GGUFTensorInfo(name: name, dims: dims, type: type, offset: Int(offset), byteCount: bytes))
        }
        return Parsed(version: version, keys: keys, metadata: metadata, tensors: tensors,
                      alignment: alignment, dataOffset: dataOffset)
    }
}
