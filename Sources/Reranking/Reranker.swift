import Inference
import Recommender

/// The LLM reranker's scores: for each candidate, log P(" Yes") − log P(" No") as the built-in
/// model's next token after a prompt that lists the user's recent likes (the shared prefix,
/// evaluated once and kept in the engine's prefix cache, so the same user's next request
/// reuses it) and opens the assistant's answer, then one short line per candidate (all
/// candidates in one batched forward pass). The answer is a verdict list, so a candidate's
/// continuation is only its title, genres and a colon (≈ 11 tokens):
///
///     <|im_start|>system  You recommend movies. Answer Yes or No.<|im_end|>
///     <|im_start|>user    Movies I liked recently: Toy Story (1995; Animation, Comedy); …
///                         Would I enjoy each of these movies?<|im_end|>
///     <|im_start|>assistant
///     │Aladdin (Animation, Musical): ← one per candidate; scored: " Yes" / " No"
public struct Reranker: Sendable {
    public let engine: LLMEngine
    /// Liked items listed in the prompt (the most recent).
    public var likesInPrompt = 8

    let yes: Int, no: Int

    public init(engine: LLMEngine) throws(RerankingError) {
        self.engine = engine
        let yes = engine.tokenizer.encode(" Yes", parseSpecial: false), no = engine.tokenizer.encode(" No", parseSpecial: false)
        guard yes.count == 1, no.count == 1, yes != no else {
            throw RerankingError("the model's vocabulary has no single tokens for \" Yes\" and \" No\"")
        }
        (self.yes, self.no) = (yes[0], no[0])
    }

    /// A liked item as the prompt lists it: display title, year and genres.
    public static func describe(_ item: ItemContent) -> String {
        let details = ([item.year.map(String.init)].compactMap { $0 } + [item.categories.joined(separator: ", ")].filter { !$0.isEmpty })
            .joined(separator: "; ")
        return Titles.display(item.title) + (details.isEmpty ? "" : " (\(details))")
    }

    /// A candidate's line: display title and genres. No year: the tokenizer spells numbers
    /// digit by digit, so a year is five of a line's ≈ 16 tokens, and candidate tokens are
    /// what a rerank costs (the likes prefix is computed once per user).
    public static func describeCandidate(_ item: ItemContent) -> String {
        Titles.display(item.title) + (item.categories.isEmpty ? "" : " (\(item.categories.joined(separator: ", ")))")
    }

    /// The shared prefix's tokens for a user's likes (oldest first; the newest are listed).
    public func prefixTokens(liked: [ItemContent]) -> [Int] {
        let likes = liked.suffix(likesInPrompt).map(Self.describe).joined(separator: "; ")
        return engine.chatTokens([.system("You recommend movies. Answer Yes or No."),
                                  .user("Movies I liked recently: \(likes.isEmpty ? "none yet" : likes).\nWould I enjoy each of these movies?")])
    }

    /// A candidate's continuation: its line of the verdict list, up to where the answer goes.
    public func candidateTokens(_ item: ItemContent) -> [Int] {
        engine.tokenizer.encode(Self.describeCandidate(item) + ":", parseSpecial: false)
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
