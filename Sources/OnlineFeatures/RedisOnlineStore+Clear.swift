import FeatureRegistry
import Redis

/// Removing views from the online store, e.g. after `pantry ingest --replace` rewrote their
/// history: the write rule keeps newer events, so values from the replaced history would
/// otherwise survive a new materialization.
extension RedisOnlineStore {
    /// Removes the views' fields from every entity hash of the project; a hash left without
    /// any view is deleted. Walks the keyspace with `SCAN` (the server
    /// stays responsive) and returns how many hashes lost a field.
    public func clear(views: [FeatureView], on connection: RedisConnection, progress: (Int) -> Void = { _ in }) throws -> Int {
        guard !views.isEmpty else { return 0 }
        let fields: [any RedisArgument] = views.map(\.name)
        let pattern = "pantry:{" + Self.globEscaped(repository.project) + ":*"
        var cursor = "0", scanned = 0, touched = 0
        repeat {
            let reply = try connection.send(RedisCommand("SCAN", cursor, "MATCH", pattern, "COUNT", 1_000)).checked(command: "SCAN")
            guard let parts = reply.array, parts.count == 2, let next = parts[0].string, let keys = parts[1].array else {
                throw RedisError(.unexpectedReply, "SCAN returned \(reply)", command: "SCAN")
            }
            cursor = next
            let names: [any RedisArgument] = keys.compactMap(\.string)
            var calls: [(keys: [any RedisArgument], arguments: [any RedisArgument])] = []
            var start = 0
            while start < names.count {
                calls.append((Array(names[start..<min(start + rowsPerCall, names.count)]), fields))
                start += rowsPerCall
            }
            for reply in calls.isEmpty ? [] : try connection.evalsha(Self.clearScript, calls: calls) {
                touched += try reply.checked(command: "EVALSHA online clear").integer ?? 0
            }
            scanned += names.count
            progress(scanned)
        } while cursor != "0"
        return touched
    }

    /// `KEYS` are entity hashes, `ARGV` the view fields to remove; their expiry markers go too,
    /// and each touched hash's expiry is recomputed from the views left (deleted when none is).
    static let clearScript = RedisScript(OnlineWriteScript.recomputeExpiry + """

        local touched = 0
        local fields = {}
        for _, view in ipairs(ARGV) do
          fields[#fields + 1] = view
          fields[#fields + 1] = '_ttl:' .. view
        end
        for k = 1, #KEYS do
          if redis.call('HDEL', KEYS[k], unpack(fields)) > 0 then
            touched = touched + 1
            recompute_expiry(KEYS[k])
          end
        end
        return touched
        """)

    /// A literal for Redis glob patterns (`*`, `?`, `[`, `]` and `\` escaped).
    static func globEscaped(_ text: String) -> String {
        var escaped = ""
        for character in text {
            if "*?[]\\".contains(character) { escaped.append("\\") }
            escaped.append(character)
        }
        return escaped
    }
}
