import Synchronization

/// A Lua script run with `EVALSHA`. The script is loaded (`SCRIPT LOAD`) on first use and
/// loaded again automatically whenever the server answers `NOSCRIPT` (after a restart or a
/// `SCRIPT FLUSH`), so callers never see that error.
public final class RedisScript: Sendable {
    public let source: String
    private let sha = Mutex<String?>(nil)

    public init(_ source: String) { self.source = source }

    /// The script's SHA1 as the server reported it, once loaded.
    public var loadedSHA: String? { sha.withLock { $0 } }

    func load(on connection: RedisConnection) throws(RedisError) -> String {
        let reply = try connection.send(RedisCommand("SCRIPT", "LOAD", source)).checked(command: "SCRIPT LOAD")
        guard let digest = reply.string else {
            throw RedisError(.unexpectedReply, "SCRIPT LOAD returned \(reply)", command: "SCRIPT LOAD")
        }
        sha.withLock { $0 = digest }
        return digest
    }

    func command(sha digest: String, keys: [any RedisArgument], arguments: [any RedisArgument]) -> RedisCommand {
        RedisCommand("EVALSHA", [digest, keys.count] + keys + arguments)
    }
}

extension RedisConnection {
    /// Runs a script once. Error replies from the script come back as `.error`.
    public func evalsha(_ script: RedisScript, keys: [any RedisArgument] = [], arguments: [any RedisArgument] = []) throws(RedisError) -> RedisReply {
        try evalsha(script, calls: [(keys, arguments)])[0]
    }

    /// Runs a script for many (keys, arguments) pairs in one pipeline. Calls that hit
    /// `NOSCRIPT` are retried once after loading the script, so the answer list is complete.
    public func evalsha(_ script: RedisScript, calls: [(keys: [any RedisArgument], arguments: [any RedisArgument])]) throws(RedisError) -> [RedisReply] {
        var digest: String
        if let known = script.loadedSHA { digest = known } else { digest = try script.load(on: self) }
        var replies = try pipeline(calls.map { script.command(sha: digest, keys: $0.keys, arguments: $0.arguments) })
        let missing = replies.indices.filter { if case .error(let m) = replies[$0] { m.hasPrefix("NOSCRIPT") } else { false } }
        if !missing.isEmpty {
            digest = try script.load(on: self)
            let retried = try pipeline(missing.map { script.command(sha: digest, keys: calls[$0].keys, arguments: calls[$0].arguments) })
            for (index, reply) in zip(missing, retried) { replies[index] = reply }
        }
        return replies
    }
}
