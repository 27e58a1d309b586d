import Foundation
import NIOCore
import NIOPosix

// Store benchmarks: `make bench` (or Benchmarks/run.sh) builds this in release mode and runs it
// against the dev services. Figures are medians of alternating runs with the reference tools.
let environment = ProcessInfo.processInfo.environment
let postgresURL = environment["PANTRY_POSTGRES_URL"] ?? "postgres://pantry:pantry@127.0.0.1:55432/pantry"
let redisURL = environment["PANTRY_REDIS_URL"] ?? "redis://:pantry@127.0.0.1:56379/0"
let dataDirectory = environment["PANTRY_BENCH_DATA"] ?? FileManager.default.currentDirectoryPath + "/.pantry/bench"
let repetitions = Int(environment["PANTRY_BENCH_REPETITIONS"] ?? "") ?? 5
let only = CommandLine.arguments.dropFirst().first

// `pantry-bench reference-server PORT`: the lookup ceiling the online benchmark runs beside
// `pantry serve` (see ReferenceServer), set up as `pantry serve` is.
if only == "reference-server" {
    NIOSingletons.unsafeTryInstallSingletonPosixEventLoopGroupAsConcurrencyGlobalExecutor()
    try await ReferenceServer.run(port: Int(CommandLine.arguments[2])!, redisURL: redisURL)
    exit(0)
}

do {
    if only == nil || only == "copy" {
        try CopyBenchmark(url: postgresURL, directory: dataDirectory, rows: 1_000_000, repetitions: repetitions).run()
    }
    if only == nil || only == "export" {
        try ExportBenchmark(serverURL: postgresURL, root: FileManager.default.currentDirectoryPath, directory: dataDirectory).run()
    }
    if only == nil || only == "online" {
        try OnlineBenchmark(serverURL: postgresURL, redisURL: redisURL, root: FileManager.default.currentDirectoryPath, directory: dataDirectory).run()
    }
    if only == nil || only == "redis" {
        try await RedisBenchmark(url: redisURL, requests: 400_000, repetitions: repetitions).run()
    }
} catch {
    FileHandle.standardError.write(Data("benchmark failed: \(error)\n".utf8))
    exit(1)
}
