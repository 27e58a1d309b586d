import LocalServices
import Foundation
import Redis
import Testing
import TestSupport

@Suite("Redis driver")
struct RedisTests {
    let connection: RedisConnection

    init() throws {
        connection = RedisConnection(configuration: try RedisConfiguration(url: try TestServers.redisURL()))
        try connection.ensureConnected()
    }

    func key(_ name: String) -> String { "test:\(name):\(UUID().uuidString)" }

    @Test("a 10,000-command pipeline returns 10,000 replies in order")
    func longPipeline() throws {
        let hash = key("pipeline")
        defer { _ = try? connection.send(RedisCommand("DEL", hash)) }
        let writes = (0..<10_000).map { RedisCommand("HSET", hash, "f\($0)", "value-\($0)") }
        let written = try connection.pipeline(writes)
        #expect(written.count == 10_000)
        #expect(written.allSatisfy { $0 == .integer(1) })
        let reads = try connection.pipeline((0..<10_000).map { RedisCommand("HGET", hash, "f\($0)") })
        #expect(reads.enumerated().allSatisfy { $0.element.string == "value-\($0.offset)" })
        #expect(try connection.send(RedisCommand("HLEN", hash)) == .integer(10_000))
    }

    @Test("typed replies: status, integer, bulk bytes, null, array, error")
    func typedReplies() throws {
        let name = key("typed")
        defer { _ = try? connection.send(RedisCommand("DEL", name, name + "h")) }
        #expect(try connection.send(RedisCommand("SET", name, [0, 255, 10, 13] as [UInt8])) == .status("OK"))
        #expect(try connection.send(RedisCommand("GET", name)).bytes == [0, 255, 10, 13])
        #expect(try connection.send(RedisCommand("GET", name + "missing")) == .null)
        #expect(try connection.send(RedisCommand("HSET", name + "h", "a", "1", "b", "2")) == .integer(2))
        #expect(try connection.send(RedisCommand("HMGET", name + "h", "a", "zz", "b")) == .array([.bulk(Array("1".utf8)), .null, .bulk(Array("2".utf8))]))
        let wrongType = try connection.send(RedisCommand("HGET", name, "x"))
        #expect(throws: RedisError.self) { try wrongType.checked(command: "HGET") }
        if case .error(let message) = wrongType { #expect(message.hasPrefix("WRONGTYPE")) } else { Issue.record("expected an error reply") }
    }

    @Test("EVALSHA reloads the script after SCRIPT FLUSH (NOSCRIPT recovery)")
    func noscriptRecovery() throws {
        let script = RedisScript("return redis.call('INCRBY', KEYS[1], ARGV[1])")
        let counter = key("script")
        defer { _ = try? connection.send(RedisCommand("DEL", counter)) }
        #expect(try connection.evalsha(script, keys: [counter], arguments: [5]) == .integer(5))
        let sha = try #require(script.loadedSHA)
        try connection.send(RedisCommand("SCRIPT", "FLUSH")).checked()
        #expect(try connection.send(RedisCommand("SCRIPT", "EXISTS", sha)) == .array([.integer(0)]))
        // A batch right after the flush: every call must run exactly once.
        let replies = try connection.evalsha(script, calls: (0..<100).map { _ in ([counter], [1]) })
        #expect(replies.count == 100)
        #expect(replies.last == .integer(105))
        #expect(try connection.send(RedisCommand("GET", counter)).integer == 105)
    }

    @Test("pool: concurrent tasks share connections and all are returned")
    func poolConcurrency() async throws {
        let pool = RedisPool(configuration: try RedisConfiguration(url: try TestServers.redisURL(), maxConnections: 4))
        defer { pool.close() }
        let counter = key("pool")
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<32 {
                group.addTask {
                    for _ in 0..<100 { _ = try await pool.send(RedisCommand("INCR", counter)).checked() }
                }
            }
            try await group.waitForAll()
        }
        #expect(try await pool.send(RedisCommand("GET", counter)).integer == 3_200)
        _ = try await pool.send(RedisCommand("DEL", counter))
        #expect(pool.pool.idleConnections == pool.pool.openConnections)
        #expect(pool.pool.openConnections <= 4)
    }

    @Test("a pipeline whose reply handler throws leaves no unread reply for the next borrower")
    func handlerErrorDropsConnection() async throws {
        let pool = RedisPool(configuration: try RedisConfiguration(url: try TestServers.redisURL(), maxConnections: 1))
        defer { pool.close() }
        let name = key("handler")
        _ = try await pool.send(RedisCommand("SET", name, "mine"))
        struct Stop: Error {}
        await #expect(throws: RedisError.self) {
            try await pool.withConnection { connection in
                try connection.pipeline((0..<50).map { _ in RedisCommand("PING") }) { _ throws(RedisError) in
                    throw RedisError(.unexpectedReply, "handler refused the reply")
                }
            }
        }
        #expect(try await pool.send(RedisCommand("GET", name)).string == "mine", "the next borrower reads its own reply")
        _ = try await pool.send(RedisCommand("DEL", name))
    }

    @Test("URLs are parsed, and bad ones are explained")
    func urls() throws {
        let full = try RedisConfiguration(url: "redis://user:p%40ss@127.0.0.1:6390/3")
        #expect(full.username == "user")
        #expect(full.password == "p@ss")
        #expect(full.port == 6390)
        #expect(full.database == 3)
        let plain = try RedisConfiguration(url: "redis://localhost")
        #expect(plain.port == 6379 && plain.password == nil && plain.database == 0)
        for bad in ["http://x", "redis://host:notaport", "redis://host:6379/x", "redis://"] {
            #expect(throws: RedisError.self) { try RedisConfiguration(url: bad) }
        }
    }
}

@Suite("Redis multiplexer")
struct RedisMultiplexerTests {
    @Test("concurrent callers share connections and each gets exactly its own replies")
    func concurrentCallers() async throws {
        let multiplexer = RedisMultiplexer(configuration: try RedisConfiguration(url: try TestServers.redisURL()))
        defer { multiplexer.close() }
        let prefix = "test:mux:\(UUID().uuidString)"
        _ = try await multiplexer.pipeline((0..<200).map { RedisCommand("SET", "\(prefix):\($0)", "v\($0)") })
        let mismatches = try await withThrowingTaskGroup(of: Int.self) { group in
            for task in 0..<32 {
                group.addTask {
                    var wrong = 0
                    for round in 0..<50 {
                        let keys = (0..<5).map { (task * 7 + round * 3 + $0) % 200 }
                        let replies = try await multiplexer.pipeline(keys.map { RedisCommand("GET", "\(prefix):\($0)") })
                        wrong += zip(keys, replies).filter { $0.1.string != "v\($0.0)" }.count
                    }
                    return wrong
                }
            }
            return try await group.reduce(0, +)
        }
        #expect(mismatches == 0)
        _ = try await multiplexer.pipeline((0..<200).map { RedisCommand("DEL", "\(prefix):\($0)") })
    }

    // The refusal itself (not a deadline) must be what fails the caller; the time limit only
    // catches a hang (a wall-clock bound would measure the test machine's load instead).
    @Test("a Redis that refuses connections fails callers with the refusal, not a timeout", .timeLimit(.minutes(1)))
    func failsFast() async throws {
        let multiplexer = RedisMultiplexer(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(TestServers.freePort())"))
        defer { multiplexer.close() }
        let error = await #expect(throws: RedisError.self) { try await multiplexer.pipeline([RedisCommand("PING")]) }
        #expect(error?.kind == .connection)
        #expect(error?.message.contains("refused") == true, "\(String(describing: error))")
    }

    @Test("a wrong password and a server that never answers fail callers within the timeouts", .timeLimit(.minutes(1)))
    func failsOnBadHandshakeAndSilence() async throws {
        let good = try RedisConfiguration(url: try TestServers.redisURL())
        let wrong = RedisMultiplexer(configuration: try RedisConfiguration(url: "redis://:wrong@\(good.host):\(good.port)/0"))
        defer { wrong.close() }
        let passwordError = await #expect(throws: RedisError.self) { try await wrong.pipeline([RedisCommand("PING")]) }
        #expect(passwordError?.kind == .connection)
        #expect(passwordError?.message.contains("WRONGPASS") == true, "\(String(describing: passwordError))")

        let silent = SilentListener()
        defer { silent.close() }
        let hanging = RedisMultiplexer(configuration: try RedisConfiguration(
            url: "redis://127.0.0.1:\(silent.port)/0", connectTimeout: 1, commandTimeout: 1))
        defer { hanging.close() }
        let timeoutError = await #expect(throws: RedisError.self) { try await hanging.pipeline([RedisCommand("PING")]) }
        #expect(timeoutError?.message.contains("no reply within 1.0 s") == true, "\(String(describing: timeoutError))")
    }

    @Test("callers recover on their own after redis-server is killed and restarted")
    func recoversAfterRestart() async throws {
        let directory = NSTemporaryDirectory() + "pantry-redis-mux-restart-\(UUID().uuidString)"
        let server = LocalRedis(port: TestServers.freePort(), password: "secret", servicesDirectory: directory)
        try server.start()
        defer { try? server.stop(); try? FileManager.default.removeItem(atPath: directory) }
        let multiplexer = RedisMultiplexer(configuration: try RedisConfiguration(url: server.url, connectTimeout: 1, commandTimeout: 2))
        defer { multiplexer.close() }
        #expect(try await multiplexer.pipeline([RedisCommand("PING")]) == [.status("PONG")])
        let pid = try #require(server.pid)
        kill(pid, SIGKILL)
        #expect(waitFor(seconds: 10) { !Shell.isAlive(pid) })
        await #expect(throws: RedisError.self) { try await multiplexer.pipeline([RedisCommand("PING")]) }
        try server.start()
        for _ in 0..<3 {
            #expect(try await multiplexer.pipeline([RedisCommand("PING")]) == [.status("PONG")])
        }
    }
}
