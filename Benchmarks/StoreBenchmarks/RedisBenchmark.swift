import Foundation
import Redis

/// Pipelined HSET and HMGET through Pantry's hiredis driver, against `redis-benchmark -P 16`
/// on the same server with the same commands, key space and concurrency.
struct RedisBenchmark {
    let url: String
    let requests: Int
    let repetitions: Int
    let pipeline = 16
    let keySpace = 10_000

    func run() async throws {
        let configuration = try RedisConfiguration(url: url, maxConnections: 8)
        print("Redis pipelined (-P \(pipeline)), \(requests) commands, \(keySpace) keys, median of \(repetitions):")
        for clients in [1, 4] {
            for (name, command) in [("HSET", ["HSET", "bench:{K}", "f1", "v1"]), ("HMGET", ["HMGET", "bench:{K}", "f1", "f2", "f3", "f4"])] {
                var ours: [Double] = [], theirs: [Double] = []
                for _ in 0..<repetitions {
                    theirs.append(try referenceOpsPerSecond(command, clients: clients, configuration: configuration))
                    ours.append(try await pantryOpsPerSecond(command, clients: clients, configuration: configuration))
                }
                let a = Bench.median(ours), b = Bench.median(theirs)
                print("  \(name.padding(toLength: 5, withPad: " ", startingAt: 0)) clients=\(clients): pantry \(Bench.format(a)) ops/s   redis-benchmark \(Bench.format(b)) ops/s   ratio \(Bench.format(a / b, 2))x (goal >= 0.7x)")
            }
        }
    }

    private func pantryOpsPerSecond(_ command: [String], clients: Int, configuration: RedisConfiguration) async throws -> Double {
        let pool = RedisPool(configuration: configuration)
        defer { pool.close() }
        let perClient = requests / clients
        let start = DispatchTime.now().uptimeNanoseconds
        try await withThrowingTaskGroup(of: Void.self) { group in
            for client in 0..<clients {
                group.addTask {
                    try await pool.withConnection { connection in
                        var random = SeededGenerator(seed: UInt64(client + 1))
                        var sent = 0
                        var batch: [RedisCommand] = []
                        batch.reserveCapacity(pipeline)
                        while sent < perClient {
                            batch.removeAll(keepingCapacity: true)
                            for _ in 0..<min(pipeline, perClient - sent) {
                                let key = "bench:\(random.next() % UInt64(keySpace))"
                                batch.append(RedisCommand(command[0], [key] + command.dropFirst(2).map { $0 as any RedisArgument }))
                            }
                            try connection.pipeline(batch) { reply throws(RedisError) in
                                if reply.pointee.type == 6 { throw RedisError(.server, "error reply") }
                            }
                            sent += batch.count
                        }
                    }
                }
            }
            try await group.waitForAll()
        }
        return Double(perClient * clients) / (Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9)
    }

    private func referenceOpsPerSecond(_ command: [String], clients: Int, configuration: RedisConfiguration) throws -> Double {
        let arguments = command.map { $0.replacingOccurrences(of: "{K}", with: "__rand_int__") }.joined(separator: " ")
        let auth = configuration.password.map { "-a '\($0)'" } ?? ""
        let output = try Bench.shell("redis-benchmark -h \(configuration.host) -p \(configuration.port) \(auth) -P \(pipeline) -c \(clients) -n \(requests) -r \(keySpace) --csv \(arguments) 2>/dev/null")
        // CSV: "test","rps",...; the second line holds the figures.
        guard let line = output.split(separator: "\n").last,
              let rps = Double(line.split(separator: ",")[1].trimmingCharacters(in: CharacterSet(charactersIn: "\""))) else {
            throw BenchError("cannot read redis-benchmark output: \(output)")
        }
        return rps
    }
}
