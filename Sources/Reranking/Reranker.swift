import Inference
import Recommender

/// The LLM reranker's scores: for each candidate, log P("Yes") − log P("No") as the built-in
/// model's next token after a prompt that lists the user's recent likes (the shared prefix,
/// evaluated once and kept in the engine's prefix cache, so the same user's next request
/// reuses it) and then asks about the candidate (one short description each, all candidates
/// in one batched forward pass).
///
///     <|im_start|>system  You recommend movies. Answer Yes or No.<|im_end|>
///     <|im_start|>user    Movies I liked recently: Toy Story (1995; Animation, Comedy); …
///                         Would I enjoy this movie:│ Aladdin (1992; Animation, Musical)?<|im_end|>
///     <|im_start|>assistant                                                 ↑ one per candidate
public struct Reranker: Sendable {
    public let engine: LLMEngine
    /// Liked items listed in the prompt (the most recent).
    public var likesInPrompt = 8

    let yes: Int, no: Int

    public init(engine: LLMEngine) throws(RerankingError) {
        self.engine = engine
        guard let yes = engine.tokenizer.encode("Yes", parseSpecial: false).first,
              let no = engine.tokenizer.encode("No", parseSpecial: false).first, yes != no else {
            throw RerankingError("the model's vocabulary cannot tell Yes from No")
        }
        (self.yes, self.no) = (yes, no)
    }

    /// One item as the prompt describes it.
    public static func describe(_ item: ItemContent) -> String {
        let details = ([item.year.map(String.init)].compactMap { $0 } + [item.categories.joined(separator: ", ")].filter { !$0.isEmpty })
            .joined(separator: "; ")
        return Titles.display(item.title) + (details.isEmpty ? "" : " (\(details))")
    }

    /// The shared prefix's tokens for a user's likes (oldest first; the newest are listed).
    func prefixTokens(liked: [ItemContent]) -> [Int] {
        let tokenizer = engine.tokenizer
        let start = tokenizer.encode("<|im_start|>", parseSpecial: true), end = tokenizer.encode("<|im_end|>", parseSpecial: true)
        let likes = liked.suffix(likesInPrompt).map(Self.describe).joined(separator: "; ")
        return start + tokenizer.encode("system\nYou recommend movies. Answer Yes or No.") + end + tokenizer.encode("\n")
            + start + tokenizer.encode("user\nMovies I liked recently: \(likes.isEmpty ? "none yet" : likes).\nWould I enjoy this movie:")
    }

    /// A candidate's continuation: its description, the end of the user turn, the assistant header.
    func candidateTokens(_ item: ItemContent) -> [Int] {
        let tokenizer = engine.tokenizer
        return tokenizer.encode(" " + Self.describe(item) + "?") + tokenizer.encode("<|im_end|>", parseSpecial: true)
            + tokenizer.encode("\n") + tokenizer.encode("<|im_start|>", parseSpecial: true) + tokenizer.encode("assistant\n")
    }

    /// log P(Yes) − log P(No) per candidate, in order.
    public func scores(liked: [ItemContent], candidates: [ItemContent]) throws -> [Float] {
        guard !candidates.isEmpty else { return [] }
        let prefix = try engine.prefill(prefixTokens(liked: liked))
        return try engine.nextTokenScores(prefix: prefix, continuations: candidates.map(candidateTokens), next: [yes, no]).map { $0[0] - $0[1] }
    }
}

public struct RerankingError: Error, CustomStringConvertible, Sendable, Equatable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
