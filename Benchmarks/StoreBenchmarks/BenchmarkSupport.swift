import Core
import DemoData
import Foundation

/// Small helpers shared by the benchmarks: timing, medians, running reference tools.
enum Bench {
    static func time(_ body: () throws -> Void) rethrows -> Double {
        let start = DispatchTime.now().uptimeNanoseconds
        try body()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    static func median(_ values: [Double]) -> Double {
        let sorted = values.sorted()
        return sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
    }

    /// Runs a command line through /bin/sh and returns its standard output.
    @discardableResult
    static func shell(_ command: String) throws -> String {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/bin/sh")
        process.arguments = ["-c", command]
        let output = Pipe()
        process.standardOutput = output
        try process.run()
        let data = output.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw BenchError("command failed (\(process.terminationStatus)): \(command)")
        }
        return String(decoding: data, as: UTF8.self)
    }

    static func format(_ value: Double, _ digits: Int = 0) -> String {
        String(format: "%.\(digits)f", value)
    }

    /// Peak resident memory of this process so far, from /proc (MiB).
    static func peakMemoryMiB() -> Double {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kib = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
        return kib / 1024
    }
}

struct BenchError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Seeded generators come from DemoData, so benchmark data is reproducible.
typealias SeededGenerator = SplitMix64

extension Bench {
    /// True once something answers HTTP on the port.
    static func waitForHTTP(port: Int, seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        while Date() < deadline {
            if (try? shell("curl -sf -o /dev/null http://127.0.0.1:\(port)/health")) != nil { return true }
            usleep(200_000)
        }
        return false
    }

    static func wrkRequestsPerSecond(_ output: String) -> Double {
        output.split(separator: "\n").first { $0.hasPrefix("Requests/sec:") }
            .flatMap { Double($0.split(separator: " ").last ?? "") } ?? 0
    }

    /// A latency percentile line of `wrk --latency`, e.g. "99%" -> "1.23ms".
    static func wrkPercentile(_ output: String, _ label: String) -> String {
        output.split(separator: "\n").map { $0.trimmingCharacters(in: .whitespaces) }
            .first { $0.hasPrefix(label) }.map { String($0.split(separator: " ", omittingEmptySubsequences: true).last ?? "?") } ?? "?"
    }
}

/// A background process started with posix_spawn, stopped with SIGTERM.
final class Spawned {
    let pid: pid_t

    init(_ arguments: [String], environment: [String: String]) throws {
        var merged = ProcessInfo.processInfo.environment
        for (key, value) in environment { merged[key] = value }
        var argv: [UnsafeMutablePointer<CChar>?] = arguments.map { strdup($0) } + [nil]
        var envp: [UnsafeMutablePointer<CChar>?] = merged.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        guard posix_spawn(&pid, arguments[0], nil, nil, &argv, &envp) == 0 else { throw BenchError("cannot start \(arguments[0])") }
        self.pid = pid
    }

    func stop() {
        kill(pid, SIGTERM)
        var status: Int32 = 0
        waitpid(pid, &status, 0)
    }
}
