import Core
import Foundation

/// Converts MovieLens-100k as RecBole ships it (`ml-100k.inter`, `.item`, `.user`) into the CSV
/// files of the `ratings`, `movie_info` and `user_info` views (Config/features/movielens_100k.yaml),
/// which `pantry ingest` then loads like any user's own files. Ratings keep their time; movie and
/// user attributes are dated at the first rating of the data set (known from then on).
public enum MovieLens100k {
    public struct Counts: Sendable, Equatable {
        public var ratings = 0, movies = 0, users = 0
        public init(ratings: Int = 0, movies: Int = 0, users: Int = 0) { (self.ratings, self.movies, self.users) = (ratings, movies, users) }
    }

    public static func convert(from directory: String, to output: String) throws -> Counts {
        let inter = try RecBoleAtomicFile(path: "\(directory)/ml-100k.inter")
        let item = try RecBoleAtomicFile(path: "\(directory)/ml-100k.item")
        let user = try RecBoleAtomicFile(path: "\(directory)/ml-100k.user")
        try FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        var counts = Counts()

        let (u, i, r, t) = (try inter.column("user_id"), try inter.column("item_id"), try inter.column("rating"), try inter.column("timestamp"))
        var first = Int64.max
        var ratings = "user_id,movie_id,rating,event_ts\n"
        for (n, record) in inter.records.enumerated() {
            let line = "\(inter.path):\(n + 2)"
            let userId = try integer(record[u], "user_id", line), itemId = try integer(record[i], "item_id", line)
            guard let rating = Double(record[r]), (1...5).contains(rating) else { throw DatasetError("\(line): rating \"\(record[r])\", expected 1 to 5") }
            guard let seconds = Double(record[t]).flatMap({ Int64(exactly: $0) }), seconds >= 0, seconds < 4_102_444_800 else {
                throw DatasetError("\(line): timestamp \"\(record[t])\", expected whole Unix seconds before 2100")
            }
            first = min(first, seconds)
            ratings += "\(userId),\(itemId),\(rating),\(rfc3339(seconds))\n"
            counts.ratings += 1
        }
        guard counts.ratings > 0 else { throw DatasetError("\(inter.path): no ratings") }
        let since = rfc3339(first)

        let (id, title, year, genres) = (try item.column("item_id"), try item.column("movie_title"), try item.column("release_year"), try item.column("class"))
        var movies = "movie_id,title,year,genres,event_ts\n"
        for (n, record) in item.records.enumerated() {
            let line = "\(item.path):\(n + 2)"
            let movieId = try integer(record[id], "item_id", line)
            let yearText = try releaseYear(record[year], title: record[title], line: line).map(String.init) ?? ""
            let list = record[genres].split(separator: " ").map { arrayElement(String($0)) }.joined(separator: ",")
            movies += "\(movieId),\(csvField(String(record[title]))),\(yearText),\(csvField("{\(list)}")),\(since)\n"
            counts.movies += 1
        }

        let (uid, age, gender, occupation, zip) = (try user.column("user_id"), try user.column("age"), try user.column("gender"),
                                                   try user.column("occupation"), try user.column("zip_code"))
        var users = "user_id,age,gender,occupation,zip_code,event_ts\n"
        for (n, record) in user.records.enumerated() {
            let line = "\(user.path):\(n + 2)"
            users += "\(try integer(record[uid], "user_id", line)),\(try integer(record[age], "age", line)),"
                + "\(csvField(String(record[gender]))),\(csvField(String(record[occupation]))),\(csvField(String(record[zip]))),\(since)\n"
            counts.users += 1
        }
        for (name, text) in [("ratings.csv", ratings), ("movies.csv", movies), ("users.csv", users)] {
            try Data(text.utf8).write(to: URL(fileURLWithPath: "\(output)/\(name)"), options: .atomic)
        }
        return counts
    }

    /// The release year field; RecBole's conversion has two known slips, handled by name: the
    /// undated movie 267 has "unkonwn", and movie 1412's title kept "(1995)" while its "(V)"
    /// (video) landed in the year field. Anything else that is not a year is an error.
    static func releaseYear(_ text: Substring, title: Substring, line: String) throws -> Int64? {
        if let year = Int64(text), (1800...2100).contains(year) { return year }
        if ["", "unknown", "unkonwn"].contains(text) { return nil }
        if text == "V", let open = title.lastIndex(of: "("), let year = Int64(title[title.index(after: open)...].prefix(4)),
           (1800...2100).contains(year) {
            return year
        }
        throw DatasetError("\(line): release_year \"\(text)\" is not a year")
    }

    static func integer(_ text: Substring, _ field: String, _ line: String) throws -> Int64 {
        guard let value = Int64(text) else { throw DatasetError("\(line): \(field) \"\(text)\" is not an integer") }
        return value
    }

    static func rfc3339(_ seconds: Int64) -> String { Timestamp.format(micros: seconds * 1_000_000, iso: true) }

    /// A CSV field, quoted when it holds a comma, quote or line break.
    static func csvField(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }

    /// One element of a PostgreSQL array literal, quoted when it holds special characters.
    static func arrayElement(_ text: String) -> String {
        guard text.isEmpty || text.contains(where: { ",{}\"\\ ".contains($0) }) || text.uppercased() == "NULL" else { return text }
        return "\"" + text.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }
}
