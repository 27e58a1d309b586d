import ArgumentParser
import DemoData
import Foundation

/// `pantry demo-data`: writes the seeded MovieLens-style data set used by the demo and benchmarks.
struct DemoDataCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "demo-data", abstract: "Generate the seeded MovieLens-style CSV files (demo or benchmark size).")

    @Option(help: "Output folder.") var out = "data/demo"
    @Option(help: "demo (small) or benchmark (1M + 300k + 500k + 2k rows).") var size = "demo"
    @Option(help: "Entity rows in entities.csv (default depends on --size).") var entityRows: Int?
    @Option(help: "Random seed.") var seed: UInt64 = 42

    func run() async throws {
        var sizes: MovieLensGenerator.Sizes
        switch size {
        case "demo": sizes = .demo
        case "benchmark": sizes = .benchmark
        default: throw ValidationError("--size must be demo or benchmark")
        }
        if let entityRows { sizes.entityRows = entityRows }
        let started = Date()
        let paths = try MovieLensGenerator(sizes: sizes, seed: seed).write(to: out)
        print("wrote \(paths.count) files to \(out) in \(String(format: "%.1f", Date().timeIntervalSince(started))) s")
    }
}
