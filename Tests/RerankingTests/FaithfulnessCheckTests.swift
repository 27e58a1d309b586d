import Recommender
import Testing
@testable import Reranking

@Suite("Faithfulness check")
struct FaithfulnessCheckTests {
    static let check = FaithfulnessCheck(
        titles: ["Toy Story", "Aladdin", "Beauty and the Beast", "Lion King, The", "Star Wars", "Aladdin and the King of Thieves", "Seven", "Heat"],
        genres: ["Animation", "Children's", "Comedy", "Musical", "Sci-Fi", "Action", "Drama", "Romance", "Film-Noir", "Thriller"])

    /// Aladdin, recommended to someone who liked The Lion King and Beauty and the Beast.
    static let facts = ExplanationFacts(
        title: "Aladdin", year: 1992, genres: ["Animation", "Children's", "Comedy", "Musical"], sharedGenres: ["Animation", "Musical"],
        resembles: [ItemContent(title: "Lion King, The", year: 1994, categories: ["Animation", "Children's", "Musical"]),
                    ItemContent(title: "Beauty and the Beast", year: 1991, categories: ["Animation", "Children's", "Musical"])],
        positives: 219)

    @Test("faithful explanations pass", arguments: [
        "Because you liked The Lion King and Beauty and the Beast, you may enjoy Aladdin, another animated musical.",
        "Aladdin (1992) is a Disney-style musical comedy for children, like \"Beauty and the Beast\" (1991).",
        "219 people liked it; it shares Animation and Musical with the films you enjoyed in the 1990s.",
        "A funny, colourful film for kids that you will enjoy.",
    ])
    func faithful(text: String) {
        #expect(Self.check.violations(text, facts: Self.facts).isEmpty, "\(Self.check.violations(text, facts: Self.facts))")
    }

    @Test("invented titles, wrong years, wrong genres and numbers are caught", arguments: [
        ("Since you liked Toy Story, you will love Aladdin.", FaithfulnessCheck.Violation.title("Toy Story")),
        ("Like \"The Little Mermaid\", it is a musical.", .title("The Little Mermaid")),
        ("Aladdin (1993) is an animated musical.", .year(1993)),
        ("A classic of the 1970s.", .year(1970)),
        ("An animated sci-fi adventure.", .genre("Sci-Fi")),
        ("A gripping thriller for you.", .genre("Thriller")),
        ("A romantic comedy you will enjoy.", .genre("Romance")),
        ("Over 500 people liked it.", .number("500")),
        ("It won three awards.", .number("three")),
        ("Rated 4.5 stars by fans.", .number("4.5")),
    ])
    func unfaithful(text: String, expected: FaithfulnessCheck.Violation) {
        let found = Self.check.violations(text, facts: Self.facts)
        #expect(found.contains(expected), "\(text): \(found)")
    }

    @Test("a title inside an allowed title is not a mention of its own; single-word titles count only quoted")
    func titleBoundaries() {
        let sequel = ExplanationFacts(title: "Aladdin and the King of Thieves", year: 1996, genres: ["Animation"],
                                      resembles: [ItemContent(title: "Aladdin", year: 1992, categories: ["Animation"])])
        #expect(Self.check.violations("Aladdin and the King of Thieves continues Aladdin (1992).", facts: sequel).isEmpty)
        #expect(Self.check.violations("It brings the heat of a summer blockbuster.", facts: Self.facts).isEmpty, "lower-case words are not titles")
        #expect(Self.check.violations("As tense as \"Heat\".", facts: Self.facts) == [.title("Heat")])
        #expect(Self.check.violations("Unlike Star Wars, it sings.", facts: Self.facts) == [.title("Star Wars")])
    }

    @Test("the template sentence states only the facts, so it always passes")
    func template() {
        let sentence = Self.facts.templateSentence
        #expect(sentence == "Aladdin (1992) is recommended because you liked The Lion King (1994) and Beauty and the Beast (1991), and it shares Animation and Musical with them. 219 people liked it.")
        #expect(Self.check.violations(sentence, facts: Self.facts).isEmpty)
        let bare = ExplanationFacts(title: "Seven", year: 1995, genres: ["Drama", "Thriller"], sharedGenres: ["Thriller"])
        #expect(bare.templateSentence == "Seven (1995) is recommended for its Thriller.")
        #expect(Self.check.violations(bare.templateSentence, facts: bare).isEmpty)
        // Asterisks inside an allowed title are not quotes.
        let mash = ExplanationFacts(title: "M*A*S*H", year: 1970, genres: ["Comedy"], sharedGenres: ["Comedy"], positives: 152)
        #expect(Self.check.violations(mash.templateSentence, facts: mash).isEmpty, "\(mash.templateSentence)")
    }
}
