/// Errors raised while opening or validating a GGUF model file.
///
/// Every read from the file is bounds-checked, so a truncated or corrupted file surfaces
/// as one of these errors instead of a crash.
public enum GGUFError: Error, CustomStringConvertible, Sendable, Equatable {
    case cannotOpen(path: String, errno: Int32)
    case notGGUF(magic: UInt32)
    case unsupportedVersion(UInt32)
    case truncated(offset: Int, needed: Int, fileSize: Int, what: String)
    case invalidValueType(UInt32, key: String)
    case invalidString(offset: Int)
    case unreasonableCount(Int, what: String)
    case invalidAlignment(Int)
    case unknownTensorType(UInt32, tensor: String)
    case invalidTensor(String, reason: String)
    case missingKey(String)
    case wrongKeyType(String, expected: String)
    case missingTensor(String)

    public var description: String {
        switch self {
        case let .cannotOpen(path, e): return "cannot open \(path) (errno \(e))"
        case let .notGGUF(magic): return "not a GGUF file (magic 0x\(String(magic, radix: 16)))"
        case let .unsupportedVersion(v): return "unsupported GGUF version \(v) (supported: 2, 3)"
        case let .truncated(offset, needed, size, what):
            return "truncated GGUF file: reading \(what) needs \(needed) bytes at offset \(offset), file has \(size)"
        case let .invalidValueType(t, key): return "invalid metadata value type \(t) for key '\(key)'"
        case let .invalidString(offset): return "invalid UTF-8 string at offset \(offset)"
        case let .unreasonableCount(n, what): return "unreasonable \(what) count \(n)"
        case let .invalidAlignment(a): return "invalid general.alignment \(a) (must be a power of two up to 2^31)"
        case let .unknownTensorType(t, name): return "tensor '\(name)' has unknown type \(t)"
        case let .invalidTensor(name, reason): return "invalid tensor '\(name)': \(reason)"
        case let .missingKey(k): return "missing metadata key '\(k)'"
        case let .wrongKeyType(k, expected): return "metadata key '\(k)' is not \(expected)"
        case let .missingTensor(n): return "missing tensor '\(n)'"
        }
    }
}
