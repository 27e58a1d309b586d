/// A message of a chat conversation.
public struct ChatMessage: Sendable, Equatable {
    public var role: String
    public var content: String
    public init(role: String, content: String) {
        self.role = role
        self.content = content
    }
    public static func system(_ c: String) -> ChatMessage { ChatMessage(role: "system", content: c) }
    public static func user(_ c: String) -> ChatMessage { ChatMessage(role: "user", content: c) }
    public static func assistant(_ c: String) -> ChatMessage { ChatMessage(role: "assistant", content: c) }
}

/// Renders conversations in the ChatML format used by the model's `tokenizer.chat_template`:
/// `<|im_start|>role\ncontent<|im_end|>\n` per message, then `<|im_start|>assistant\n`.
///
/// Rather than interpreting Jinja, the template is recognised as ChatML and its default system
/// prompt (the text the template inserts when the conversation does not start with a system
/// message) is extracted from it.
public struct ChatTemplate: Sendable {
    public let defaultSystemPrompt: String?

    public init(template: String?) {
        defaultSystemPrompt = template.flatMap(ChatTemplate.extractDefaultSystemPrompt)
    }

    /// The prompt text for `messages`, ending with the assistant header when
    /// `addGenerationPrompt` is true. Parse it with special tokens enabled.
    public func render(_ messages: [ChatMessage], addGenerationPrompt: Bool = true) -> String {
        var out = ""
        if let system = defaultSystemPrompt, messages.first?.role != "system" {
            out += "<|im_start|>system\n\(system)<|im_end|>\n"
        }
        for m in messages { out += "<|im_start|>\(m.role)\n\(m.content)<|im_end|>\n" }
        if addGenerationPrompt { out += "<|im_start|>assistant\n" }
        return out
    }

    /// The token ids of `render(messages)`, with message contents tokenized as plain text:
    /// only the ChatML markers are special tokens, so content holding `<|im_start|>` or
    /// `<|im_end|>` cannot open or close a turn. Equal to tokenizing `render` in raw mode
    /// whenever the contents hold no special-token text.
    public func tokens(_ messages: [ChatMessage], tokenizer: Tokenizer, addGenerationPrompt: Bool = true) -> [Int] {
        let start = tokenizer.encode("<|im_start|>", parseSpecial: true)
        let end = tokenizer.encode("<|im_end|>", parseSpecial: true)
        let newline = tokenizer.encode("\n")
        var all = messages
        if let system = defaultSystemPrompt, messages.first?.role != "system" { all.insert(.system(system), at: 0) }
        var ids: [Int] = []
        for m in all { ids += start + tokenizer.encode("\(m.role)\n\(m.content)") + end + newline }
        if addGenerationPrompt { ids += start + tokenizer.encode("assistant\n") }
        return ids
    }

    private static func extractDefaultSystemPrompt(_ template: String) -> String? {
        guard let start = template.range(of: "<|im_start|>system") else { return nil }
        let rest = template[start.upperBound...]
        guard let end = rest.range(of: "<|im_end|>") else { return nil }
        var text = String(rest[..<end.lowerBound])
        if text.hasPrefix("\\n") { text.removeFirst(2) } else if text.hasPrefix("\n") { text.removeFirst() }
        // A system message taken from the conversation itself is not a default.
        if text.contains("{{") || text.contains("{%") || text.contains("'") { return nil }
        return text
    }
}
