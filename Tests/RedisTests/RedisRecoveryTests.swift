import LocalServices
import Foundation
import Redis
import Testing
import TestSupport

@Suite("Redis failures", .serialized)
struct RedisRecoveryTests {
    @Test("the pool recovers after redis-server is killed and restarted, without a new pool")
    func recoversAfterRestart() async throws {
        let directory = NSTemporaryDirectory() + "pantry-redis-restart-\(UUID().uuidString)"
        let server = LocalRedis(port: TestServers.freePort(), password: "secret", servicesDirectory: directory)
        try server.start()
        defer { try? server.stop(); try? FileManager.default.removeItem(atPath: directory) }

        let pool = RedisPool(configuration: try RedisConfiguration(url: server.url, maxConnections: 3))
        defer { pool.close() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<3 { group.addTask { _ = try await pool.send(RedisCommand("PING")).checked() } }
            try await group.waitForAll()
        }
        let pid = try #require(server.pid)
        kill(pid, SIGKILL)
        #expect(waitFor(seconds: 10) { !Shell.isAlive(pid) })
        await #expect(throws: RedisError.self) { try await pool.send(RedisCommand("PING")) }
        try server.start()
        for _ in 0..<6 {
            #expect(try await pool.send(RedisCommand("PING")) == .status("PONG"))
        }
    }

    @Test("wrong port, wrong password and a silent server fail clearly within the timeout")
    func clearConnectionErrors() throws {
        let good = try RedisConfiguration(url: try TestServers.redisURL())
        let refused = RedisConnection(configuration: try RedisConfiguration(url: "redis://127.0.0.1:\(TestServers.freePort())"))
        let refusedError = #expect(throws: RedisError.self) { try refused.ensureConnected() }
        #expect(refusedError?.kind == .connection)
        #expect(refusedError?.message.contains("refused") == true)

        let wrong = RedisConnection(configuration: try RedisConfiguration(url: "redis://:wrong@\(good.host):\(good.port)/0"))
        let passwordError = #expect(throws: RedisError.self) { try wrong.ensureConnected() }
        #expect(passwordError?.message.contains("WRONGPASS") == true)

        let silent = SilentListener()
        defer { silent.close() }
        let hanging = RedisConnection(configuration: try RedisConfiguration(
            url: "redis://:pantry@127.0.0.1:\(silent.port)/0", connectTimeout: 1, commandTimeout: 1))
        let began = Date()
        let timeoutError = #expect(throws: RedisError.self) { try hanging.ensureConnected() }
        #expect(timeoutError?.kind == .connection)
        #expect(Date().timeIntervalSince(began) < 10, "must give up after its timeouts, not hang")
    }
}

func waitFor(seconds: Double, _ condition: () -> Bool) -> Bool {
    let deadline = Date().addingTimeInterval(seconds)
    while Date() < deadline {
        if condition() { return true }
        usleep(50_000)
    }
    return condition()
}
