import Foundation
import Testing
@testable import Inference

@Suite("Tokenizer")
struct TokenizerTests {
    @Test func matchesLlamaCppIds() throws {
        let tokenizer = try TestModel.engine().tokenizer
        let reference = try TestModel.reference()
        #expect(reference.tokenize.count >= 30)
        for c in reference.tokenize {
            #expect(tokenizer.encode(c.text, parseSpecial: true) == c.ids, "text: \(c.text.debugDescription)")
        }
    }

    @Test func roundTrips() throws {
        let tokenizer = try TestModel.engine().tokenizer
        let texts = try TestModel.reference().tokenize.map(\.text).filter { !$0.contains("<|") } + [
            "Zürich 🇨🇭 — “quotes” ‘single’ … ∑∫√ 𝔘𝔫𝔦𝔠𝔬𝔡𝔢",
            "\u{1}\u{7f} control \r\n windows line",
        ]
        for text in texts {
            let ids = tokenizer.encode(text, parseSpecial: false)
            #expect(tokenizer.decode(ids) == text, "text: \(text.debugDescription)")
        }
    }

    @Test func specialTokensOnlyInRawMode() throws {
        let tokenizer = try TestModel.engine().tokenizer
        #expect(tokenizer.encode("<|im_start|>", parseSpecial: true) == [1])
        let plain = tokenizer.encode("<|im_start|>", parseSpecial: false)
        #expect(plain.count > 1 && !plain.contains(1))
        #expect(tokenizer.decode([1, 2]) == "")
        #expect(tokenizer.decode([1, 2], includeSpecial: true) == "<|im_start|><|im_end|>")
        #expect(tokenizer.eosToken == 2 && tokenizer.bosToken == 1 && !tokenizer.addBOS)
    }

    @Test func preTokenizerSplitsLikeSmolLM() {
        func words(_ s: String) -> [String] {
            let scalars = Array(s.unicodeScalars)
            return PreTokenizer.split(scalars).map { r in String(String.UnicodeScalarView(scalars[r])) }
        }
        #expect(words("Hello world") == ["Hello", " world"])
        #expect(words("I have 12 apples") == ["I", " have", " ", "1", "2", " apples"])
        #expect(words("a  b") == ["a", " ", " b"])
        #expect(words("it's") == ["it", "'s"])
        #expect(words("x!!  \n") == ["x", "!!", "  \n"])
    }

    @Test func chatTemplateRendersChatML() throws {
        let engine = try TestModel.engine()
        let template = engine.chatTemplate
        #expect(template.defaultSystemPrompt == "You are a helpful AI assistant named SmolLM, trained by Hugging Face")
        let text = template.render([.user("Hi")])
        #expect(text == "<|im_start|>system\nYou are a helpful AI assistant named SmolLM, trained by Hugging Face<|im_end|>\n<|im_start|>user\nHi<|im_end|>\n<|im_start|>assistant\n")
        let custom = template.render([.system("Be brief."), .user("Q"), .assistant("A"), .user("Q2")])
        #expect(custom == "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nQ<|im_end|>\n<|im_start|>assistant\nA<|im_end|>\n<|im_start|>user\nQ2<|im_end|>\n<|im_start|>assistant\n")
        let ids = engine.tokenize(text)
        #expect(ids.first == 1 && ids.last == 198 && ids.filter { $0 == 1 }.count == 3)
    }

    @Test func incompleteUTF8IsHeldBack() {
        #expect(completeUTF8Prefix([0x61, 0xF0, 0x9F]) == 1)
        #expect(completeUTF8Prefix([0x61, 0xF0, 0x9F, 0x98, 0x80]) == 5)
        #expect(completeUTF8Prefix([0xC3]) == 0)
        #expect(completeUTF8Prefix([0xC3, 0xA9]) == 2)
    }
}
