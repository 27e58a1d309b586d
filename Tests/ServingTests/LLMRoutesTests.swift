import Foundation
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif
import Inference
import Recommender
import Reranking
import Serving
import Testing
import TestSupport

/// `GET /v1/recommendations/{user}?rerank=…&explain=…&deadline_ms=…` end to end, with the real
/// SmolLM2 model (fetched by scripts/setup.sh) on the toy recommender of the routes tests.
/// Run with the CPU-bound group (scripts/test.sh).
@Suite("Recommendation LLM routes", .serialized)
struct LLMRoutesTests {
    static let engine = Result {
        try LLMEngine(modelPath: TestServers.repositoryRoot + "/.pantry/models/SmolLM2-135M-Instruct.Q4_1.gguf", threads: 2, prefixCacheEntries: 16)
    }

    static func service(rerankQueue: Int = 8) throws -> LLMService {
        var stage = LLMStage.Configuration()
        stage.rerankQueue = rerankQueue
        var configuration = LLMService.Configuration()
        configuration.defaultDeadlineMilliseconds = 600_000  // a debug build on a busy machine is slow
        return LLMService(stage: try LLMStage(engine: try engine.get(), configuration: stage), configuration: configuration)
    }

    static func run(llm: LLMService?, _ body: (ServerFixture) async throws -> Void) async throws {
        let folder = NSTemporaryDirectory() + "pantry-llm-\(UUID().uuidString)"
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(atPath: folder) }
        try await ServerFixture.run(llm: llm, repository: RecommendationRoutesTests.repository, prepare: { project, postgres, redis, registry in
            try await RecommendationRoutesTests.prepare(project: project, postgres: postgres, redis: redis, registry: registry, folder: folder,
                                                        extra: "rerank: {candidates: 4, weight: 1, likes: 5}")
        }, body)
    }

    static func field(_ result: ServerFixture.HTTPResult, _ name: String) -> Any? { (result.json as? [String: Any])?[name] }

    @Test("rerank reorders the top candidates by the blend; explain adds checked explanations, cached; errors")
    func rerankAndExplain() async throws {
        let llm = try Self.service()
        defer { llm.shutdown() }
        try await Self.run(llm: llm) { server in
            let plain = try await server.get("/v1/recommendations/16?k=4")
            #expect(plain.status == 200 && Self.field(plain, "reranked") == nil, "no LLM fields unless asked: \(plain.body)")
            let top4 = RecommendationRoutesTests.ids(plain)

            let reranked = try await server.slowGet("/v1/recommendations/16?k=4&rerank=true")
            #expect(reranked.status == 200 && Self.field(reranked, "reranked") as? Bool == true, "\(reranked.body)")
            #expect(Self.field(reranked, "rerank_candidates") as? Int == 4 && Self.field(reranked, "degraded_reason") is NSNull)
            let items = RecommendationRoutesTests.items(reranked)
            #expect(Set(items.compactMap { $0["item"] as? Int }) == Set(top4))
            // The order is the blend's: retrieval scores and LLM scores standardised, weight 1.
            let retrieval = items.map { Float($0["score"] as? Double ?? .nan) }, llmScores = items.map { Float($0["llm_score"] as? Double ?? .nan) }
            let blended = RerankBlend(weight: 1).scores(retrieval: retrieval, llm: llmScores)
            #expect(zip(blended, blended.dropFirst()).allSatisfy { $0 >= $1 - 1e-3 }, "\(blended)")
            #expect(items.map { $0["retrieval_rank"] as? Int }.compactMap { $0 }.sorted() == [1, 2, 3, 4])
            let page = try await server.slowGet("/v1/recommendations/16?k=2&offset=1&rerank=true")
            #expect(RecommendationRoutesTests.ids(page) == Array(items.compactMap { $0["item"] as? Int }[1...2]), "a page of the reranked list")

            let explained = try await server.slowGet("/v1/recommendations/16?k=3&explain=2")
            #expect(Self.field(explained, "explained") as? Bool == true && Self.field(explained, "explanations_cached") as? Int == 0, "\(explained.body)")
            let explanations = RecommendationRoutesTests.items(explained).map { $0["explanation"] as? [String: Any] }
            #expect(explanations.count == 3 && explanations[2] == nil)
            for e in explanations.prefix(2) {
                #expect(!(e?["text"] as? String ?? "").isEmpty && ["model", "template"].contains(e?["source"] as? String ?? ""), "\(String(describing: e))")
            }
            let again = try await server.get("/v1/recommendations/16?k=3&explain=2&deadline_ms=1")
            #expect(Self.field(again, "explanations_cached") as? Int == 2 && Self.field(again, "explained") as? Bool == true, "cached, so within 1 ms: \(again.body)")
            #expect(RecommendationRoutesTests.items(again).map { ($0["explanation"] as? [String: Any])?["text"] as? String }
                    == explanations.map { $0?["text"] as? String })

            // Server-Sent Events: the list first, then each explanation, then what was done.
            var stream = URLRequest(url: URL(string: "http://127.0.0.1:\(server.port)/v1/recommendations/17?k=3&rerank=true&explain=2")!)
            stream.setValue("text/event-stream", forHTTPHeaderField: "Accept")
            stream.timeoutInterval = 300
            let (data, response) = try await URLSession.shared.data(for: stream)
            #expect((response as? HTTPURLResponse)?.value(forHTTPHeaderField: "Content-Type") == "text/event-stream")
            let events = String(decoding: data, as: UTF8.self).components(separatedBy: "\n\n").filter { !$0.isEmpty }.map { block in
                let lines = block.split(separator: "\n")
                return (String(lines[0].dropFirst("event: ".count)), try? JSONSerialization.jsonObject(with: Data(lines[1].dropFirst("data: ".count).utf8)) as? [String: Any])
            }
            #expect(events.map(\.0) == ["recommendations", "explanation", "explanation", "done"], "\(String(decoding: data, as: UTF8.self))")
            let listed = (events.first?.1?["items"] as? [[String: Any]])?.compactMap { $0["item"] as? Int } ?? []
            #expect(listed.count == 3 && events.first?.1?["reranked"] as? Bool == true)
            let explainedItems = events.filter { $0.0 == "explanation" }.compactMap { $0.1?["item"] as? Int }
            #expect(Set(explainedItems) == Set(listed.prefix(2)) && events.last?.1?["explained"] as? Bool == true)

            for (query, mentions) in [("rerank=maybe", "rerank:"), ("explain=4&k=3", "explain:"), ("explain=lots", "explain:"), ("deadline_ms=0", "deadline_ms:"),
                                      ("deadline_ms=60001", "deadline_ms:"), ("deadline_ms=abc", "deadline_ms:"), ("rerank=true&rerank=false", "more than once")] {
                let result = try await server.get("/v1/recommendations/16?" + query)
                #expect(result.status == 400 && result.body.contains(mentions), "\(query): \(result.status) \(result.body)")
            }
            let body = try await server.post("/v1/recommendations", #"{"user": 16, "k": 2, "rerank": "yes"}"#)
            #expect(body.status == 400 && body.body.contains("rerank:"), "\(body.body)")
            let similar = try await server.get("/v1/items/21/similar?rerank=true")
            #expect(similar.status == 400 && similar.body.contains("unknown parameter"), "only the user and session routes rerank")
            let metrics = try await server.get("/metrics")
            for line in ["pantry_explanation_cache_hit_ratio", #"pantry_llm_requests_total{part="rerank",outcome="done"}"#, "pantry_llm_candidates_scored_total"] {
                #expect(metrics.body.contains(line), "\(line)")
            }
        }
    }

    @Test("a tiny deadline, a full queue, or no model: the plain list at once, saying why")
    func degradation() async throws {
        let llm = try Self.service(rerankQueue: 1)
        defer { llm.shutdown() }
        try await Self.run(llm: llm) { server in
            let plain = RecommendationRoutesTests.ids(try await server.get("/v1/recommendations/16?k=3"))
            let started = ContinuousClock.now
            let late = try await server.get("/v1/recommendations/16?k=3&rerank=true&explain=true&deadline_ms=1")
            #expect(ContinuousClock.now - started < .milliseconds(500))
            #expect(late.status == 200 && RecommendationRoutesTests.ids(late) == plain, "\(late.body)")
            #expect(Self.field(late, "reranked") as? Bool == false && Self.field(late, "explained") as? Bool == false)
            #expect(Self.field(late, "degraded_reason") as? String == "deadline")

            // Six at once against a queue of one: those that find it full answer without the LLM.
            let results = try await withThrowingTaskGroup(of: ServerFixture.HTTPResult.self) { group in
                for user in [16, 17, 18, 19, 20, 22] { group.addTask { try await server.slowGet("/v1/recommendations/\(user)?k=3&rerank=true") } }
                var all: [ServerFixture.HTTPResult] = []
                for try await r in group { all.append(r) }
                return all
            }
            #expect(results.allSatisfy { $0.status == 200 && RecommendationRoutesTests.ids($0).count == 3 })
            let busy = results.filter { Self.field($0, "degraded_reason") as? String == "llm_busy" }
            #expect(!busy.isEmpty && busy.allSatisfy { Self.field($0, "reranked") as? Bool == false }, "\(results.map(\.body))")
            let metrics = try await server.get("/metrics")
            #expect(metrics.body.contains(#"pantry_llm_requests_total{part="rerank",outcome="llm_busy"}"#))
        }
        try await Self.run(llm: nil) { server in
            let result = try await server.get("/v1/recommendations/16?k=3&rerank=true")
            #expect(result.status == 200 && Self.field(result, "degraded_reason") as? String == "llm_not_loaded" && RecommendationRoutesTests.ids(result).count == 3)
        }
    }
}
