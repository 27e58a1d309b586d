import Foundation

/// Checks a generated explanation against what Pantry knows (`ExplanationFacts`): every movie
/// title, genre, year and number it mentions must be among the item's facts. What counts as a
/// title or a genre comes from the catalogue: a title of the catalogue (two words or more, as
/// written; any length when quoted) or any quoted phrase; a genre of the catalogue or a common
/// form of one ("comedies", "animated", "sci-fi", "romantic"); a year 1880–2099 or a decade;
/// any other number in digits or words up to twenty.
public struct FaithfulnessCheck: Sendable {
    public enum Violation: Sendable, Equatable, CustomStringConvertible {
        case title(String), genre(String), year(Int), number(String)
        public var description: String {
            switch self {
            case .title(let t): "title \"\(t)\" is not in the item's context"
            case .genre(let g): "genre \(g) is not in the item's context"
            case .year(let y): "year \(y) is not in the item's context"
            case .number(let n): "number \(n) is not in the item's context"
            }
        }
    }

    /// Display titles of the catalogue that a text could name unquoted (two words or more).
    let titles: [String]
    /// Lower-cased word (or two-word phrase) → catalogue genre.
    let genreWords: [String: String]

    public init(titles: [String], genres: [String]) {
        self.titles = Array(Set(titles.map(Titles.display).filter { $0.split(separator: " ").count >= 2 })).sorted()
        var words: [String: String] = [:]
        for genre in genres {
            let lower = genre.lowercased()
            words[lower] = genre
            words[lower.replacingOccurrences(of: "'", with: "")] = genre
            words[lower + "s"] = genre
            if lower.hasSuffix("y") { words[String(lower.dropLast()) + "ies"] = genre }
        }
        let forms: [(String, String)] = [
            ("animated", "Animation"), ("animation", "Animation"), ("cartoon", "Animation"), ("sci-fi", "Sci-Fi"), ("science fiction", "Sci-Fi"),
            ("scifi", "Sci-Fi"), ("romantic", "Romance"), ("comedic", "Comedy"), ("dramatic", "Drama"), ("noir", "Film-Noir"),
            ("film noir", "Film-Noir"), ("musicals", "Musical"), ("kids", "Children's"), ("children", "Children's"),
            ("thrillers", "Thriller"), ("westerns", "Western"), ("documentaries", "Documentary"), ("mysteries", "Mystery"),
        ]
        for (word, genre) in forms where genres.contains(genre) { words[word] = genre }
        genreWords = words
    }

    static let numberWords = ["one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9, "ten": 10,
                              "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16, "seventeen": 17,
                              "eighteen": 18, "nineteen": 19, "twenty": 20]

    /// The facts the text states that the context does not hold (empty: faithful).
    public func violations(_ text: String, facts: ExplanationFacts) -> [Violation] {
        var found: [Violation] = []
        let allowedTitles = facts.titles
        // Quoted phrases are titles (looked for after the allowed titles are taken out, so that
        // "M*A*S*H" is not read as "A" between asterisks).
        var unquoted = text
        for title in allowedTitles { unquoted = unquoted.replacingOccurrences(of: title, with: " ") }
        for quoted in Self.quoted(unquoted) where !allowedTitles.contains(where: { Self.same($0, quoted) }) {
            found.append(.title(quoted))
        }
        // Catalogue titles written out.
        for title in titles where !allowedTitles.contains(title) && Self.contains(text, title) {
            // A permitted title may contain it ("Aladdin" in "Aladdin and the King of Thieves").
            if allowedTitles.contains(where: { $0 != title && $0.contains(title) && Self.contains(text, $0) }) { continue }
            found.append(.title(title))
        }
        // Genres, years and numbers, word by word (titles removed first: "Seven" is a title).
        var rest = unquoted
        // Decimals ("4.5 stars"): never among the facts, which count people.
        while let decimal = rest.range(of: #"\d+[.,]\d+"#, options: .regularExpression) {
            found.append(.number(String(rest[decimal])))
            rest.replaceSubrange(decimal, with: " ")
        }
        let words = rest.lowercased().split { !$0.isLetter && !$0.isNumber && $0 != "-" && $0 != "'" }.map(String.init)
        let allowedGenres = facts.allGenres
        var index = 0
        while index < words.count {
            let word = words[index].trimmingCharacters(in: CharacterSet(charactersIn: "-'"))
            let pair = index + 1 < words.count ? word + " " + words[index + 1] : ""
            if let genre = genreWords[pair] ?? genreWords[word] ?? genreWords[word.replacingOccurrences(of: "'s", with: "")] {
                if !allowedGenres.contains(genre) { found.append(.genre(genre)) }
                index += genreWords[pair] != nil ? 2 : 1
                continue
            }
            if let value = Int(word) {
                if (1880...2099).contains(value) {
                    if !facts.years.contains(value) { found.append(.year(value)) }
                } else if !facts.numbers.contains(value) {
                    found.append(.number(word))
                }
            } else if word.hasSuffix("s"), let decade = Int(word.dropLast()), decade % 10 == 0, (1880...2090).contains(decade) {
                if !facts.years.contains(where: { $0 / 10 * 10 == decade }) { found.append(.year(decade)) }
            } else if let value = Self.numberWords[word], !facts.numbers.contains(value) {
                found.append(.number(word))
            } else if word.contains(where: \.isNumber) {
                found.append(.number(word))  // "3rd", "10x": a number in another form
            }
            index += 1
        }
        var unique: [Violation] = []
        for v in found where !unique.contains(v) { unique.append(v) }
        return unique
    }

    /// Phrases between double quotes (straight or curly) or asterisks.
    static func quoted(_ text: String) -> [String] {
        var phrases: [String] = []
        for (open, close) in [("\"", "\""), ("“", "”"), ("*", "*")] {
            var rest = Substring(text)
            while let start = rest.range(of: open), let end = rest[start.upperBound...].range(of: close) {
                let phrase = rest[start.upperBound..<end.lowerBound].trimmingCharacters(in: .whitespacesAndNewlines.union(.punctuationCharacters))
                if !phrase.isEmpty { phrases.append(phrase) }
                rest = rest[end.upperBound...]
            }
        }
        return phrases
    }

    /// Titles compared without case, articles moved, or a trailing year.
    static func same(_ a: String, _ b: String) -> Bool {
        func key(_ s: String) -> String {
            Titles.display(s).lowercased().replacingOccurrences(of: #"\s*\(\d{4}\)$"#, with: "", options: .regularExpression)
                .trimmingCharacters(in: .whitespaces)
        }
        return key(a) == key(b)
    }

    /// `phrase` in `text` as whole words, case as written.
    static func contains(_ text: String, _ phrase: String) -> Bool {
        var rest = Substring(text)
        while let range = rest.range(of: phrase) {
            let before = range.lowerBound == text.startIndex ? nil : text[text.index(before: range.lowerBound)]
            let after = range.upperBound == text.endIndex ? nil : text[range.upperBound]
            if !(before?.isLetter ?? false) && !(after?.isLetter ?? false) { return true }
            rest = text[range.upperBound...]
        }
        return false
    }
}
