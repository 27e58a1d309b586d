import Core

/// How the online store packs a value into a Redis hash field.
extension FeatureValue {
    var messagePack: MessagePackValue {
        switch self {
        case .null: .null
        case .int(let n), .timestamp(let n): .int(n)
        case .double(let d): .double(d)
        case .string(let s): .string(s)
        case .bool(let b): .bool(b)
        case .bytes(let data): .binary(data)
        case .list(let items): .array(items.map(\.messagePack))
        case .vector(let values):
            // Raw little-endian float32: 4 bytes a dimension instead of 9 for a MessagePack double.
            .binary(values.withUnsafeBytes { Array($0) })
        }
    }

    init(messagePack: MessagePackValue, type: ValueType) {
        switch (type, messagePack) {
        case (.timestamp, .int(let n)): self = .timestamp(n)
        case (_, .int(let n)): self = (type == .float || type == .double) ? .double(Double(n)) : .int(n)
        case (_, .double(let d)): self = .double(d)
        case (_, .string(let s)): self = .string(s)
        case (_, .bool(let b)): self = .bool(b)
        case (.vector, .binary(let data)):
            self = .vector(data.withUnsafeBytes { Array($0.bindMemory(to: Float.self)) })
        case (_, .binary(let data)): self = .bytes(data)
        case (.list(let element), .array(let items)): self = .list(items.map { FeatureValue(messagePack: $0, type: element) })
        default: self = .null
        }
    }
}
