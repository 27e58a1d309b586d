import Foundation
import Recommender
import Reranking
import Synchronization

/// The server's LLM stage and its settings: the default deadline (the rerank settings are
/// the recommender definition's `rerank` block) and, per served model version, the faithfulness check built from that model's catalogue (titles and genres an
/// explanation must not invent).
public final class LLMService: Sendable {
    public struct Configuration: Sendable {
        /// The LLM stage's budget when a request gives no `deadline_ms`.
        public var defaultDeadlineMilliseconds = 1_000
        public init() {}
    }

    public let stage: LLMStage
    public let configuration: Configuration
    private let checks = Mutex<[String: (version: Int, check: FaithfulnessCheck)]>([:])

    public init(stage: LLMStage, configuration: Configuration = Configuration()) {
        self.stage = stage
        self.configuration = configuration
    }

    /// The faithfulness check for a served model (built once per model version).
    func check(for model: RecommendationModel) -> FaithfulnessCheck {
        let name = model.definition.name
        if let cached = checks.withLock({ $0[name] }), cached.version == model.version { return cached.check }
        let items = model.items.values
        let check = FaithfulnessCheck(titles: items.map(\.title), genres: Array(Set(items.flatMap(\.categories))))
        checks.withLock { $0[name] = (model.version, check) }
        return check
    }

    public func shutdown() { stage.shutdown() }
}
