import FeatureRegistry

/// Where an entity's online features live in Redis.
///
/// One hash per (project, entity key): `pantry:{<project>:<key>=<value>:...}`. The whole entity
/// key is the Redis Cluster hash tag (the part in braces), so every view of one entity sits in
/// one slot and one `HMGET` reads them all. Key values are percent-encoded (`%`, `:`, `=`,
/// `{`, `}` and control bytes), so distinct keys can never collide — (1, 23) and (12, 3) stay
/// apart — and no value can end the hash tag early. Views without entities share the hash
/// `pantry:{<project>:}`. Each view is one field of the hash, named after the view.
public enum OnlineKey {
    /// The Redis key of one entity row: `keys` are (join key, value text) in the view's order.
    public static func redisKey(project: String, keys: [(name: String, value: String)]) -> String {
        var text = "pantry:{" + project + ":"
        for (index, key) in keys.enumerated() {
            if index > 0 { text += ":" }
            text += key.name + "=" + escape(key.value)
        }
        return text + "}"
    }

    static func escape(_ value: String) -> String {
        // Almost every key value needs no escaping: return it as it is.
        guard value.utf8.contains(where: { $0 < 32 || $0 == 127 || $0 == UInt8(ascii: "%") || $0 == UInt8(ascii: ":")
                || $0 == UInt8(ascii: "=") || $0 == UInt8(ascii: "{") || $0 == UInt8(ascii: "}") }) else { return value }
        var bytes: [UInt8] = []
        for byte in value.utf8 {
            switch byte {
            case UInt8(ascii: "%"), UInt8(ascii: ":"), UInt8(ascii: "="), UInt8(ascii: "{"), UInt8(ascii: "}"), 0..<32, 127:
                bytes += Array(("%" + String(byte, radix: 16, uppercase: true).leftPadded(to: 2)).utf8)
            default:
                bytes.append(byte)
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }
}

extension String {
    func leftPadded(to length: Int) -> String {
        count >= length ? self : String(repeating: "0", count: length - count) + self
    }
}
