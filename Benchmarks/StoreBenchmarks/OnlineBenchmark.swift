import FeatureRegistry
import SchemaMigrations
import Foundation
import OnlineFeatures
import Postgres
import Redis

/// Online serving at the Feast benchmark's shape: 10 features from 2 views (user_stats,
/// movie_stats), 50k users, 20k movies. Materializes the export benchmark's database, starts
/// `pantry serve` (release build) and drives it with wrk on loopback; prints raw
/// `redis-benchmark` round trips beside it.
struct OnlineBenchmark {
    let serverURL: String
    let redisURL: String
    let root: String
    let directory: String
    let duration = 10
    let features = ["user_stats:rating_count", "user_stats:rating_mean", "user_stats:active_days", "user_stats:is_premium",
                    "user_stats:days_since_signup", "movie_stats:rating_count", "movie_stats:rating_mean", "movie_stats:popularity",
                    "movie_stats:last_rated_at", "movie_stats:release_year"]

    func run() throws {
        let database = "pantry_bench_export"
        let url = replaceDatabase(serverURL, database)
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
        defer { connection.close() }
        try Migrator(directory: "\(root)/Migrations").migrate(on: connection)
        let repository = try RegistryStore().load(project: "movielens", on: connection)
        guard !repository.views.isEmpty else { throw BenchError("run the export benchmark first (it loads the data)") }

        // Materialization: every offline row of the two views, latest per key to Redis.
        let redisConfiguration = try RedisConfiguration(url: redisURL)
        let redis = RedisConnection(configuration: redisConfiguration)
        defer { redis.close() }
        let skipMaterialization = ProcessInfo.processInfo.environment["PANTRY_BENCH_SKIP_MATERIALIZE"] != nil
        if !skipMaterialization { try redis.send(RedisCommand("FLUSHDB")).checked() }
        let store = RedisOnlineStore(pool: RedisPool(configuration: redisConfiguration), repository: repository, historyDepth: 4,
                                     staleRetentionSeconds: 86_400 * 3_650)
        print("Materialization (all offline rows -> latest per key -> Redis; Feast: ~80,000 rows/s; goal >= 500,000):")
        for name in skipMaterialization ? [] : ["user_stats", "movie_stats", "user_movie"] {
            let view = repository.view(named: name)!
            let offline = try connection.query("SELECT count(*) FROM pantry_offline.movielens__\(name)")[0].decode(Int.self, at: 0)
            var summary: Materializer.Summary?
            try redis.send(RedisCommand("CONFIG", "RESETSTAT")).checked()
            let seconds = try Bench.time {
                summary = try Materializer(repository: repository, store: store)
                    .materialize(view: view, start: nil, end: Date(), postgres: connection, redis: redis)
            }
            // Redis's own CPU time in the write script, per key written: the ceiling of one Redis core.
            let scriptMicros = try scriptMicroseconds(redis)
            let perKey = scriptMicros / Double(max(1, summary!.written.total))
            print("  \(name.padding(toLength: 12, withPad: " ", startingAt: 0)) \(offline) offline rows -> \(summary!.written.current) keys  \(Bench.format(seconds, 2)) s  \(Bench.format(Double(offline) / seconds)) offline rows/s   (Redis script CPU \(Bench.format(perKey, 1)) µs/key -> at most \(Bench.format(1_000_000 / perKey)) keys/s on one Redis core)")
        }
        if !skipMaterialization {
            let auth = redisConfiguration.password.map { "-a '\($0)'" } ?? ""
            let raw = try Bench.shell("redis-benchmark -h \(redisConfiguration.host) -p \(redisConfiguration.port) \(auth) --dbnum 15 -c 4 -P 16 -n 1000000 -r 1000000 --csv HSET 'bench:{key:__rand_int__}' field value 2>/dev/null")
            print("  raw redis-benchmark HSET -P 16 (no point-in-time check, no expiry), 4 connections: \(Bench.format(Self.lastCSVRate(raw))) keys/s")
            _ = try Bench.shell("redis-cli -h \(redisConfiguration.host) -p \(redisConfiguration.port) \(auth) --no-auth-warning -n 15 FLUSHDB")
        }

        // The server, on its own port, against the benchmark database.
        let port = 16_566
        let server = try Spawned(["\(root)/.build/release/pantry", "serve", "--port", "\(port)"],
                                 environment: ["PANTRY_POSTGRES_URL": url, "PANTRY_REDIS_URL": redisURL, "PANTRY_LOG_LEVEL": "warning",
                                               "PANTRY_ONLINE_STALE_RETENTION_SECONDS": "315360000"])
        defer { server.stop() }
        guard Bench.waitForHTTP(port: port, seconds: 30) else { throw BenchError("pantry serve did not start") }

        // The ceiling: a bare Hummingbird route doing the same Redis round trip (ReferenceServer).
        let referencePort = 16_567
        let reference = try Spawned([CommandLine.arguments[0], "reference-server", "\(referencePort)"], environment: ["PANTRY_REDIS_URL": redisURL])
        defer { reference.stop() }
        guard Bench.waitForHTTP(port: referencePort, seconds: 30) else { throw BenchError("the reference server did not start") }

        let script = "\(directory)/online.lua"
        func load(_ url: String, connections: Int) throws -> (requests: Double, p50: String, p99: String, errors: Bool) {
            _ = try Bench.shell("wrk -t1 -c\(connections) -d2s -s \(script) \(url)")  // warm-up
            let output = try Bench.shell("wrk -t1 -c\(connections) -d\(duration)s --latency -s \(script) \(url)")
            return (Bench.wrkRequestsPerSecond(output), Bench.wrkPercentile(output, "50%"), Bench.wrkPercentile(output, "99%"), output.contains("Non-2xx"))
        }
        let pantryURL = "http://127.0.0.1:\(port)/v1/features/online", referenceURL = "http://127.0.0.1:\(referencePort)"
        for (label, batch, connections) in [("1 entity", 1, 1), ("1 entity", 1, 16), ("100 entities", 100, 16)] {
            try luaScript(batch: batch).write(toFile: script, atomically: true, encoding: .utf8)
            if batch == 1 && connections == 16 {
                // Alternating runs, medians: Pantry against the ceiling, in the same minutes.
                typealias Run = (requests: Double, p50: String, p99: String, errors: Bool)
                var ours: [Run] = [], ceiling: [Run] = [], httpOnly: [Double] = []
                for _ in 0..<3 {
                    ours.append(try load(pantryURL, connections: connections))
                    ceiling.append(try load(referenceURL + "/lookup", connections: connections))
                    httpOnly.append(try load(referenceURL + "/parse", connections: connections).requests)
                }
                let median = ours.sorted { $0.requests < $1.requests }[1]
                let ceilingMedian = ceiling.sorted { $0.requests < $1.requests }[1]
                print("  \(label), \(connections) connection(s): \(Bench.format(median.requests)) requests/s  p50 \(median.p50)  p99 \(median.p99)\(median.errors ? "  (NON-2XX RESPONSES)" : "")   (median of 3; runs \(ours.map { Bench.format($0.requests) }.joined(separator: ", ")))")
                print("    ceiling: bare Hummingbird route + the same two HMGETs, fixed answer: \(Bench.format(ceilingMedian.requests)) requests/s  p50 \(ceilingMedian.p50)  p99 \(ceilingMedian.p99) (median of 3) -> Pantry at \(Bench.format(100 * median.requests / ceilingMedian.requests))%")
                print("    the same bare route without Redis (HTTP and the JSON body only): \(Bench.format(Bench.median(httpOnly))) requests/s (median of 3)")
                continue
            }
            let result = try load(pantryURL, connections: connections)
            print("  \(label), \(connections) connection(s): \(Bench.format(result.requests)) requests/s  \(Bench.format(result.requests * Double(batch))) entity rows/s  p50 \(result.p50)  p99 \(result.p99)\(result.errors ? "  (NON-2XX RESPONSES)" : "")")
        }
        // Raw Redis: one HMGET per request, the least a 1-entity lookup of 2 views needs.
        let key = OnlineKey.redisKey(project: "movielens", keys: [("user_id", "100")])
        let auth = redisConfiguration.password.map { "-a '\($0)'" } ?? ""
        let raw = try Bench.shell("redis-benchmark -h \(redisConfiguration.host) -p \(redisConfiguration.port) \(auth) -c 16 -n 300000 --csv HMGET '\(key)' user_stats movie_stats 2>/dev/null")
        print("  raw redis-benchmark HMGET, 16 connections: \(Bench.format(Self.lastCSVRate(raw))) round trips/s")
    }

    /// The requests/s of the last line of `redis-benchmark --csv` output.
    static func lastCSVRate(_ output: String) -> Double {
        output.split(separator: "\n").last.flatMap { Double($0.split(separator: ",")[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) } ?? 0
    }

    /// Microseconds Redis spent in EVALSHA since the last CONFIG RESETSTAT.
    func scriptMicroseconds(_ redis: RedisConnection) throws -> Double {
        let info = try redis.send(RedisCommand("INFO", "commandstats")).checked().string ?? ""
        guard let line = info.split(whereSeparator: \.isNewline).first(where: { $0.hasPrefix("cmdstat_evalsha:") }),
              let usec = line.split(separator: ",").first(where: { $0.hasPrefix("usec=") }) else { return 0 }
        return Double(usec.dropFirst("usec=".count)) ?? 0
    }

    /// A wrk script posting `batch` random (user, movie) rows per request.
    func luaScript(batch: Int) -> String {
        let features = features.map { "\"\($0)\"" }.joined(separator: ",")
        return """
        math.randomseed(42)
        local function ids(count, limit)
          local values = {}
          for i = 1, count do values[i] = tostring(math.random(0, limit - 1)) end
          return table.concat(values, ",")
        end
        request = function()
          local body = '{"entities": {"user_id": [' .. ids(\(batch), 50000) .. '], "movie_id": [' .. ids(\(batch), 20000) .. ']}, "features": [\(features)], "full_feature_names": true}'
          return wrk.format("POST", nil, {["Content-Type"] = "application/json"}, body)
        end
        """
    }

    private func replaceDatabase(_ url: String, _ database: String) -> String {
        guard let slash = url.lastIndex(of: "/") else { return url }
        return String(url[..<slash]) + "/" + database
    }
}
