import CHiredis
import ConnectionPooling
import Foundation

/// One hiredis connection, used synchronously (see `RedisPool` for async use).
///
/// A broken connection (I/O error, timeout, server restart) is freed and reopened on its next
/// use; an idle socket that turned readable means the server closed it, and is reopened too.
public final class RedisConnection: PooledConnection, @unchecked Sendable {
    public let configuration: RedisConfiguration
    public let queue: DispatchQueue
    private var context: UnsafeMutablePointer<redisContext>?

    public init(configuration: RedisConfiguration, label: String = "pantry.redis") {
        self.configuration = configuration
        self.queue = DispatchQueue(label: label)
    }

    deinit { if let context { redisFree(context) } }

    public func prepareForUse() throws { try ensureConnected() }

    public func close() {
        if let context { redisFree(context) }
        context = nil
    }

    public var isConnected: Bool { context.map { $0.pointee.err == 0 } ?? false }

    /// A connection with an error, or with replies read from the socket but not taken by its
    /// borrower, must not be lent again: the next borrower would read them as its own.
    public var isReusable: Bool {
        guard let context else { return true }  // closed: reconnects on next use
        return context.pointee.err == 0 && !hasBufferedReplies(context)
    }

    public func ensureConnected() throws(RedisError) {
        if let context {
            if context.pointee.err == 0, !socketHasPendingInput(context) { return }
            redisFree(context)
            self.context = nil
        }
        try connect()
    }

    private func connect() throws(RedisError) {
        let where_ = "\(configuration.host):\(configuration.port)"
        guard let context = redisConnectWithTimeout(configuration.host, Int32(configuration.port),
                                                    timeval(seconds: configuration.connectTimeout)) else {
            throw RedisError(.connection, "cannot allocate a Redis context")
        }
        if context.pointee.err != 0 {
            let message = Self.errorText(context)
            redisFree(context)
            throw RedisError(.connection, "cannot connect to \(where_): \(message)")
        }
        _ = redisSetTimeout(context, timeval(seconds: configuration.commandTimeout))
        _ = redisEnableKeepAlive(context)
        self.context = context
        do {
            if let password = configuration.password {
                let auth = configuration.username.map { RedisCommand("AUTH", $0, password) } ?? RedisCommand("AUTH", password)
                try send(auth).checked(command: "AUTH")
            }
            if configuration.database != 0 {
                try send(RedisCommand("SELECT", configuration.database)).checked(command: "SELECT")
            }
        } catch {
            close()
            throw RedisError(.connection, "cannot connect to \(where_): \(error.message)", command: error.command)
        }
    }

    /// Bytes parsed-but-unclaimed in hiredis' reader, or commands appended but never sent
    /// (the output buffer is a NUL-terminated sds string).
    private func hasBufferedReplies(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        if let reader = context.pointee.reader, reader.pointee.pos < reader.pointee.len { return true }
        if let output = context.pointee.obuf, output.pointee != 0 { return true }
        return false
    }

    private func socketHasPendingInput(_ context: UnsafeMutablePointer<redisContext>) -> Bool {
        var descriptor = pollfd(fd: context.pointee.fd, events: Int16(POLLIN), revents: 0)
        return poll(&descriptor, 1, 0) > 0
    }

    static func errorText(_ context: UnsafeMutablePointer<redisContext>) -> String {
        withUnsafeBytes(of: context.pointee.errstr) { raw in
            let bytes = raw.prefix(while: { $0 != 0 })
            return bytes.isEmpty ? "error \(context.pointee.err)" : String(decoding: bytes, as: UTF8.self)
        }
    }

    // MARK: Commands

    /// Sends one command and waits for its reply. Error replies come back as `.error`;
    /// broken connections throw.
    public func send(_ command: RedisCommand) throws(RedisError) -> RedisReply {
        try pipeline([command])[0]
    }

    /// Sends all commands in one write and reads all replies: one network round trip.
    public func pipeline(_ commands: [RedisCommand]) throws(RedisError) -> [RedisReply] {
        var replies: [RedisReply] = []
        replies.reserveCapacity(commands.count)
        try pipeline(commands) { reply in replies.append(RedisReply(reply)) }
        return replies
    }

    /// Pipelines the commands and hands each raw hiredis reply to `handle` without copying
    /// it into Swift values; the reply is freed when `handle` returns. For hot paths.
    public func pipeline(_ commands: [RedisCommand], handle: (UnsafeMutablePointer<redisReply>) throws(RedisError) -> Void) throws(RedisError) {
        guard !commands.isEmpty else { return }
        try pipeline(encoded: RedisCommand.wire(of: commands), count: commands.count, name: commands[0].name, handle: handle)
    }

    /// Sends `count` commands already encoded in RESP, back to back in `wire`, and returns their replies.
    public func pipeline(encoded wire: [UInt8], count: Int, name: String) throws(RedisError) -> [RedisReply] {
        var replies: [RedisReply] = []
        replies.reserveCapacity(count)
        try pipeline(encoded: wire, count: count, name: name) { reply in replies.append(RedisReply(reply)) }
        return replies
    }

    private func pipeline(encoded wire: [UInt8], count: Int, name: String,
                          handle: (UnsafeMutablePointer<redisReply>) throws(RedisError) -> Void) throws(RedisError) {
        guard count > 0 else { return }
        try ensureConnected()
        guard let context else { throw RedisError(.connection, "not connected") }
        let appended = wire.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { redisAppendFormattedCommand(context, $0.baseAddress, $0.count) }
        }
        guard appended == REDIS_OK else { throw brokenConnection(command: name) }
        for _ in 0..<count {
            var raw: UnsafeMutableRawPointer?
            guard redisGetReply(context, &raw) == REDIS_OK, let raw else {
                throw brokenConnection(command: name)
            }
            let reply = raw.assumingMemoryBound(to: redisReply.self)
            defer { freeReplyObject(raw) }
            do {
                try handle(reply)
            } catch {
                // The replies not read yet would be read by the next command as its own:
                // drop the connection (the next use reconnects) rather than drain it.
                close()
                throw error
            }
        }
    }

    /// Records why the connection broke and frees it, so the next use reconnects.
    private func brokenConnection(command: String) -> RedisError {
        let message = context.map(Self.errorText) ?? "not connected"
        close()
        return RedisError(.connection, "\(configuration.host):\(configuration.port): \(message)", command: command)
    }
}

extension timeval {
    init(seconds: Double) {
        let whole = Int(seconds)
        self.init(tv_sec: whole, tv_usec: Int((seconds - Double(whole)) * 1_000_000))
    }
}
