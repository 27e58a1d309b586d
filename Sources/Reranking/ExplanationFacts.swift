import Recommender

/// Everything an explanation of one recommended item for one user may state: the item's own
/// title, year and genres, the genres it shares with the user's likes, the liked items it most
/// resembles, and how many people liked it. The faithfulness check admits these and nothing else;
/// the template sentence is built from them alone.
public struct ExplanationFacts: Sendable, Equatable {
    public var title: String
    public var year: Int?
    public var genres: [String]
    /// The item's genres that also appear among the user's likes.
    public var sharedGenres: [String]
    /// The user's liked items it is nearest to, most similar first.
    public var resembles: [ItemContent]
    /// People who liked it (its positives), when known.
    public var positives: Int?

    public init(title: String, year: Int?, genres: [String], sharedGenres: [String] = [], resembles: [ItemContent] = [], positives: Int? = nil) {
        self.title = title
        self.year = year
        self.genres = genres
        self.sharedGenres = sharedGenres
        self.resembles = resembles
        self.positives = positives
    }

    /// Titles a text may name (display form: "The Lion King", not "Lion King, The").
    public var titles: Set<String> { Set(([title] + resembles.map(\.title)).map(Titles.display)) }
    public var allGenres: Set<String> { Set(genres + sharedGenres + resembles.flatMap(\.categories)) }
    public var years: Set<Int> { Set(([year] + resembles.map(\.year)).compactMap { $0 }) }
    public var numbers: Set<Int> { Set([positives].compactMap { $0 }) }

    /// The sentence used when the model's text fails the check twice: the same facts, stated
    /// by a template (and so faithful by construction).
    public var templateSentence: String {
        let name = Titles.display(title) + (year.map { " (\($0))" } ?? "")
        var parts: [String] = []
        if !resembles.isEmpty {
            let liked = resembles.prefix(2).map { Titles.display($0.title) + ($0.year.map { " (\($0))" } ?? "") }
            parts.append("you liked " + liked.joined(separator: " and "))
        }
        let shared = sharedGenres.prefix(3)
        var sentence = parts.isEmpty ? "\(name) is recommended" : "\(name) is recommended because \(parts[0])"
        if !shared.isEmpty { sentence += (parts.isEmpty ? " for its " : ", and it shares ") + Self.list(Array(shared)) + (parts.isEmpty ? "" : " with them") }
        sentence += "."
        if let positives, positives > 0 { sentence += " \(positives) people liked it." }
        return sentence
    }

    static func list(_ items: [String]) -> String {
        items.count <= 1 ? items.joined() : items.dropLast().joined(separator: ", ") + " and " + items.last!
    }
}

/// Title forms: MovieLens stores "Lion King, The"; people write "The Lion King".
public enum Titles {
    static let articles = ["The", "A", "An", "Les", "La", "Le", "L'", "Il", "Das", "Der", "Die", "El"]

    public static func display(_ title: String) -> String {
        for article in articles {
            let suffix = ", " + article
            if title.hasSuffix(suffix) {
                let base = String(title.dropLast(suffix.count))
                return article.hasSuffix("'") ? article + base : article + " " + base
            }
        }
        return title
    }
}

extension ExplanationFacts {
    /// The facts of `item` for a user who liked `liked` (oldest first): its content, the two
    /// liked items nearest to it, the genres it shares with them, its positives.
    public init?(item: Int64, liked: [Int64], model: RecommendationModel) {
        guard let content = model.items[item] else { return nil }
        let near = model.nearestLiked(to: item, among: liked, count: 2).compactMap { id in
            model.items[id]
        }
        let likedGenres = Set(near.flatMap(\.categories))
        self.init(title: content.title, year: content.year, genres: content.categories,
                  sharedGenres: content.categories.filter(likedGenres.contains), resembles: near, positives: model.positives(of: item))
    }
}
