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
        var bytes: [UInt8] = []
        appendRedisKey(project: project, names: keys.map(\.name), values: keys.map(\.value), to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `redisKey` written straight into bytes (the read path builds its commands without
    /// intermediate strings).
    public static func appendRedisKey(project: String, names: [String], values: [String], to bytes: inout [UInt8]) {
        bytes.append(contentsOf: "pantry:{".utf8)
        bytes.append(contentsOf: project.utf8)
        bytes.append(UInt8(ascii: ":"))
        for index in names.indices {
            if index > 0 { bytes.append(UInt8(ascii: ":")) }
            bytes.append(contentsOf: names[index].utf8)
            bytes.append(UInt8(ascii: "="))
            for byte in values[index].utf8 {
                if needsEscape(byte) {
                    bytes += [UInt8(ascii: "%"), hexDigits[Int(byte >> 4)], hexDigits[Int(byte & 15)]]
                } else {
                    bytes.append(byte)
                }
            }
        }
        bytes.append(UInt8(ascii: "}"))
    }

    private static let hexDigits = Array("0123456789ABCDEF".utf8)

    static func needsEscape(_ byte: UInt8) -> Bool {
        byte < 32 || byte == 127 || byte == UInt8(ascii: "%") || byte == UInt8(ascii: ":") || byte == UInt8(ascii: "=")
            || byte == UInt8(ascii: "{") || byte == UInt8(ascii: "}")
    }
}

extension OnlineKey {
    /// Where incremental materialization keeps its generation for a view (see
    /// `Materializer+Incremental.swift`). Outside the entity-hash namespace `pantry:{...}`, so
    /// scans of a project's entities never meet it.
    public static func generationKey(project: String, view: String) -> String {
        "pantry-meta:{\(project)}:materialized:\(view)"
    }
}
