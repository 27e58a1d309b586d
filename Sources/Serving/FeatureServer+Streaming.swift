import Core
import Foundation
import Hummingbird
import Reranking

/// `GET /v1/recommendations/{user}?…&explain=…` with `Accept: text/event-stream`: Server-Sent
/// Events that send the (reranked) list at once and each explanation as it is generated.
///
///     event: recommendations   data: the JSON answer, without explanations
///     event: explanation       data: {"rank": 1, "item": 95, "text": "…", "source": "model"} (one per item, as ready)
///     event: done              data: {"explained": true, "explanations_cached": 0, "degraded_reason": null}
extension FeatureServer {
    func streamRecommendations(user: Int64?, context: [Int64], _ parameters: RecommendationParameters) async throws -> Response {
        let started = ContinuousClock.now
        let retrieved = try await retrieve(user: user, context: context, parameters)
        let reranked = await withTaskExecutorPreference(ThreadPoolExecutor.shared) {
            await rerankStage(retrieved.model, items: retrieved.items, liked: retrieved.liked, parameters, started: started)
        }
        let head = Self.answer(retrieved.model, items: reranked.items, extra: retrieved.extra.merging(reranked.extra) { $1 }, annotations: reranked.annotations)
        let body = ResponseBody { writer in
            try await writer.write(Self.event("recommendations", head))
            let (events, sink) = AsyncStream<ByteBuffer>.makeStream()
            let explaining = Task(executorPreference: ThreadPoolExecutor.shared) {
                var outcome = reranked
                await self.explainStage(&outcome, retrieved.model, liked: retrieved.liked, parameters, started: started) { rank, item, explanation in
                    var data: [UInt8] = []
                    JSONWriter.write(.object(["rank": .integer(Int64(rank + 1)), "item": .integer(item), "text": .string(explanation.text),
                                              "source": .string(explanation.source.rawValue)]), into: &data)
                    sink.yield(Self.event("explanation", data))
                }
                sink.finish()
                return outcome
            }
            for await event in events { try await writer.write(event) }
            let done = await explaining.value
            var data: [UInt8] = []
            JSONWriter.write(.object(["explained": done.extra["explained"] ?? .bool(false), "explanations_cached": done.extra["explanations_cached"] ?? .integer(0),
                                      "degraded_reason": done.extra["degraded_reason"] ?? .null]), into: &data)
            try await writer.write(Self.event("done", data))
            try await writer.finish(nil)
        }
        return Response(status: .ok, headers: [.contentType: "text/event-stream", .cacheControl: "no-cache"], body: body)
    }

    static func event(_ name: String, _ data: [UInt8]) -> ByteBuffer {
        ByteBuffer(bytes: Array("event: \(name)\ndata: ".utf8) + data + Array("\n\n".utf8))
    }
}
