import Core
import Foundation

/// Writes a seeded, MovieLens-shaped data set for the views in `Config/features/movielens.yaml`:
/// feature histories (`user_stats.csv`, `movie_stats.csv`, `movie_embedding.csv`,
/// `user_movie.csv`, `global_stats.csv`) and an entity set with labels (`entities.csv`).
///
/// The same seed and sizes always give the same files. The histories include what makes
/// point-in-time joins hard: late-arriving rows, rows sharing an event time (told apart by
/// created time), missing created times, NULL values, and entities without any history.
public struct MovieLensGenerator: Sendable {
    public struct Sizes: Sendable {
        public var users: Int, movies: Int
        public var userStats: Int, movieStats: Int, userMovie: Int, globalStats: Int
        public var entityRows: Int

        public init(users: Int, movies: Int, userStats: Int, movieStats: Int, userMovie: Int, globalStats: Int, entityRows: Int) {
            self.users = users; self.movies = movies
            self.userStats = userStats; self.movieStats = movieStats; self.userMovie = userMovie
            self.globalStats = globalStats; self.entityRows = entityRows
        }

        /// A data set the demo loads in seconds.
        public static let demo = Sizes(users: 2_000, movies: 1_000, userStats: 20_000, movieStats: 10_000,
                                       userMovie: 20_000, globalStats: 365, entityRows: 10_000)
        /// The benchmark's shape: 1,000,000 + 300,000 + 500,000 + ~2,000 rows, 50k users, 20k movies.
        public static let benchmark = Sizes(users: 50_000, movies: 20_000, userStats: 1_000_000, movieStats: 300_000,
                                            userMovie: 500_000, globalStats: 2_000, entityRows: 100_000)
    }

    public let sizes: Sizes
    public let seed: UInt64
    /// Event times fall in [start, start + span).
    public let start = 1_735_689_600  // 2025-01-01T00:00:00Z
    public let span = 365 * 86_400

    public init(sizes: Sizes, seed: UInt64 = 42) {
        self.sizes = sizes
        self.seed = seed
    }

    static let genres = ["action", "comedy", "drama", "horror", "romance", "sci-fi", "thriller", "documentary"]

    /// Writes every file into `directory`; returns their paths.
    @discardableResult
    public func write(to directory: String) throws -> [String] {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var random = SplitMix64(seed: seed)
        let files = [
            ("user_stats.csv", "user_id,event_ts,created_ts,rating_count,rating_mean,active_days,favourite_genres,is_premium,days_since_signup"),
            ("movie_stats.csv", "movie_id,event_ts,created_ts,rating_count,rating_mean,popularity,last_rated_at,release_year"),
            ("movie_embedding.csv", "movie_id,event_ts,embedding,title"),
            ("user_movie.csv", "user_id,movie_id,event_ts,created_ts,rating,watched_seconds,rewatched,hour_of_day"),
            ("global_stats.csv", "event_ts,active_users,mean_rating,trending_genres"),
            ("entities.csv", "user_id,movie_id,event_timestamp,label"),
        ]
        var paths: [String] = []
        // (user, movie, time) of some interactions, so half the entity rows ask about pairs
        // that have history, as a ranking model's training set would.
        var interactions: [(Int, Int, Int)] = []
        for (name, header) in files {
            let path = "\(directory)/\(name)"
            let writer = try CSVFileWriter(path: path)
            try writer.line(header)
            switch name {
            case "user_stats.csv":
                for _ in 0..<sizes.userStats {
                    // Users 0..<users/50 never get history: their rows must come out NULL.
                    let user = sizes.users / 50 + Int(random.next() % UInt64(max(1, sizes.users - sizes.users / 50)))
                    let event = time(&random)
                    let genres = (0..<Int(random.next() % 3)).map { _ in Self.genres[Int(random.next() % 8)] }
                    try writer.line("\(user),\(iso(event)),\(created(event, &random)),\(random.next() % 500),\(decimal(&random, 1, 5)),\(random.next() % 365),\(genres.isEmpty ? "" : "\"{\(genres.joined(separator: ","))}\""),\(random.next() % 5 == 0 ? "true" : "false"),\(random.next() % 2000)")
                }
            case "movie_stats.csv":
                for _ in 0..<sizes.movieStats {
                    let movie = Int(random.next() % UInt64(sizes.movies))
                    let event = time(&random)
                    let nullMean = random.next() % 20 == 0
                    try writer.line("\(movie),\(iso(event)),\(created(event, &random)),\(random.next() % 10_000),\(nullMean ? "" : decimal(&random, 1, 5)),\(decimal(&random, 0, 1)),\(iso(event - Int(random.next() % 86_400))),\(1950 + random.next() % 75)")
                }
            case "movie_embedding.csv":
                for movie in 0..<sizes.movies {
                    let vector = (0..<8).map { _ in String(format: "%.4f", Double(Int(random.next() % 20_001) - 10_000) / 10_000) }
                    try writer.line("\(movie),\(iso(start)),\"[\(vector.joined(separator: ","))]\",\"Movie \(movie), \(Self.genres[movie % 8])\"")
                }
            case "user_movie.csv":
                for _ in 0..<sizes.userMovie {
                    let user = sizes.users / 50 + Int(random.next() % UInt64(max(1, sizes.users - sizes.users / 50)))
                    let event = time(&random)
                    let movie = Int(random.next() % UInt64(sizes.movies))
                    if interactions.count < 100_000 { interactions.append((user, movie, event)) }
                    try writer.line("\(user),\(movie),\(iso(event)),\(created(event, &random)),\(Double(1 + random.next() % 10) / 2),\(random.next() % 9_000),\(random.next() % 10 == 0 ? "true" : "false"),\(random.next() % 24)")
                }
            case "global_stats.csv":
                for index in 0..<sizes.globalStats {
                    let event = start + index * (span / max(1, sizes.globalStats))
                    try writer.line("\(iso(event)),\(1_000 + random.next() % 40_000),\(decimal(&random, 2, 4)),\"{\(Self.genres[index % 8]),\(Self.genres[(index + 3) % 8])}\"")
                }
            default:
                for _ in 0..<sizes.entityRows {
                    if !interactions.isEmpty, random.next() % 2 == 0 {
                        let (user, movie, event) = interactions[Int(random.next() % UInt64(interactions.count))]
                        try writer.line("\(user),\(movie),\(iso(event + Int(random.next() % 2_592_000))),\(random.next() % 2)")
                    } else {
                        try writer.line("\(random.next() % UInt64(sizes.users)),\(random.next() % UInt64(sizes.movies)),\(iso(time(&random))),\(random.next() % 2)")
                    }
                }
            }
            try writer.close()
            paths.append(path)
        }
        return paths
    }

    private func time(_ random: inout SplitMix64) -> Int { start + Int(random.next() % UInt64(span)) }

    /// Usually a little after the event; sometimes missing; sometimes hours late (a correction).
    private func created(_ event: Int, _ random: inout SplitMix64) -> String {
        switch random.next() % 20 {
        case 0: ""
        case 1: iso(event + 86_400 + Int(random.next() % 86_400))
        default: iso(event + Int(random.next() % 600))
        }
    }

    private func decimal(_ random: inout SplitMix64, _ low: Double, _ high: Double) -> String {
        String(format: "%.3f", low + Double(random.next() % 1_000_001) / 1_000_000 * (high - low))
    }
}

/// ISO 8601 in UTC, second precision.
func iso(_ seconds: Int) -> String {
    var time = time_t(seconds)
    var parts = tm()
    gmtime_r(&time, &parts)
    return String(format: "%04d-%02d-%02dT%02d:%02d:%02dZ", parts.tm_year + 1900, parts.tm_mon + 1, parts.tm_mday,
                  parts.tm_hour, parts.tm_min, parts.tm_sec)
}

/// Buffered line writer.
final class CSVFileWriter {
    private let file: UnsafeMutablePointer<FILE>
    let path: String

    init(path: String) throws {
        guard let file = fopen(path, "w") else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        self.file = file
        self.path = path
    }

    func line(_ text: String) throws {
        var copy = text
        copy += "\n"
        _ = copy.withUTF8 { fwrite($0.baseAddress, 1, $0.count, file) }
    }

    func close() throws {
        guard fclose(file) == 0 else { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
    }
}
