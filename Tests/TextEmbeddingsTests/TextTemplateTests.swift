import Core
import Testing
import TestSupport
@testable import TextEmbeddings

@Suite("Text templates")
struct TextTemplateTests {
    @Test("placeholders, lists, nulls, numbers and escaped braces")
    func render() throws {
        let template = try TextTemplate("{title} ({year}). Genres: {genres}. {{literal}}")
        #expect(template.features == ["title", "year", "genres"])
        let values: [String: JSONValue] = ["title": .string("Toy Story"), "year": .integer(1995),
                                           "genres": .array([.string("Animation"), .string("Comedy")])]
        #expect(template.render { values[$0] ?? .null } == "Toy Story (1995). Genres: Animation, Comedy. {literal}")
        // A null leaves no double spaces behind.
        #expect(try TextTemplate("{a} {b} {c}").render { $0 == "b" ? .null : .string($0.uppercased()) } == "A C")
        #expect(try TextTemplate("{a}. Tags: {b}.").render { _ in .null } == "", "no feature known: no text")
        #expect(try TextTemplate("{x}").render { _ in .number(2.5) } == "2.5")
        #expect(try TextTemplate("{x}").render { _ in .number(3) } == "3")
        #expect(try TextTemplate.joining(["title", "genres"]).description == "{title}. {genres}")
    }

    @Test("malformed templates name the position and what was expected")
    func errors() {
        for (text, fragment) in [("{title", "not closed"), ("{}", "empty placeholder {} at character 2"),
                                 ("a } b", "unmatched \"}\" at character 3"), ("{a{b}", "inside a placeholder at character 3"),
                                 ("no placeholder", "no {feature} placeholder")] {
            #expect { try TextTemplate(text) } throws: { "\($0)".contains(fragment) }
        }
        #expect(throws: TextEmbeddingError.self) { try TextTemplate.joining([]) }
    }

    @Test("fuzz: any text either parses into a template that renders, or is a TextEmbeddingError")
    func fuzz() {
        var random = SplitMix64(seed: 13)
        let alphabet = Array("{}{}ab c_1é\n")
        for _ in 0..<5_000 {
            let text = String((0..<Int(random.next() % 12)).map { _ in alphabet[Int(random.next() % UInt64(alphabet.count))] })
            do {
                let template = try TextTemplate(text)
                #expect(!template.features.isEmpty)
                _ = template.render { .string($0) }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }
}
