import Foundation
import Testing
@testable import Inference

@Suite("Batched scoring scheduler", .serialized)
struct ScoringSchedulerTests {
    static let next = [33, 34]

    @Test("requests of different prefixes scored together equal each scored alone")
    func concurrentEqualsAlone() async throws {
        let engine = try SmallEngines.make(.int8)
        let requests: [(prefix: [Int], continuations: [[Int]])] = [
            ([504, 3575, 282], [[19556, 905], [1589], [506, 28, 502]]),
            ([1589, 506, 28], [[33, 34, 35], [504]]),
            ([19556, 905], [[282, 3575]]),
        ]
        let alone = try requests.map { r in try engine.nextTokenScores(prefix: try engine.prefill(r.prefix, remember: false), continuations: r.continuations, next: Self.next) }
        engine.clearPrefixCache()
        let scheduler = try ScoringScheduler(engine: engine, next: Self.next)
        defer { scheduler.shutdown() }
        let together = try await withThrowingTaskGroup(of: (Int, [[Float]]).self) { group in
            for (i, r) in requests.enumerated() { group.addTask { (i, try await scheduler.score(prefix: r.prefix, continuations: r.continuations)) } }
            var out = [[[Float]]](repeating: [], count: requests.count)
            for try await (i, scores) in group { out[i] = scores }
            return out
        }
        for (a, b) in zip(alone, together) {
            #expect(a.count == b.count)
            for (x, y) in zip(a, b) { #expect(maxAbsDifference(x, y) < 1e-3, "\(x) alone, \(y) together") }
        }
        #expect(scheduler.estimate.secondsPerContinuationToken > 0 && scheduler.estimate.backlogSeconds >= 0)
    }

    @Test("a full queue refuses at once; an expired deadline fails; bad tokens are refused before queueing")
    func refusals() async throws {
        let engine = try SmallEngines.make(.int8)
        var configuration = ScoringScheduler.Configuration()
        configuration.maxQueued = 1
        let scheduler = try ScoringScheduler(engine: engine, next: Self.next, configuration: configuration)
        defer { scheduler.shutdown() }
        // Ten at once against a queue of one: while a pass runs only one may wait, so some are
        // refused without waiting; every accepted one is answered with scores.
        let outcomes = await withTaskGroup(of: InferenceError?.self) { group in
            for i in 0..<10 {
                group.addTask {
                    do {
                        // Long enough that a pass outlasts the ten submissions.
                        let long = (0..<150).map { 100 + ($0 * 7 + i) % 1_900 }
                        let scores = try await scheduler.score(prefix: [504, 3575, 282, 33 + i], continuations: [long])
                        return scores.count == 1 ? nil : .invalidArgument("no scores")
                    } catch { return error as? InferenceError ?? .invalidArgument("\(error)") }
                }
            }
            var all: [InferenceError?] = []
            for await o in group { all.append(o) }
            return all
        }
        let refused = outcomes.count { $0 == .queueFull }
        #expect(refused >= 1 && outcomes.allSatisfy { $0 == nil || $0 == .queueFull }, "\(outcomes)")
        await #expect(throws: InferenceError.deadlineExceeded) {
            _ = try await scheduler.score(prefix: [504], continuations: [[33]], deadline: .now - .seconds(1))
        }
        await #expect(throws: InferenceError.invalidToken(-1)) { _ = try await scheduler.score(prefix: [504], continuations: [[-1]]) }
        await #expect(throws: InferenceError.emptyPrompt) { _ = try await scheduler.score(prefix: [], continuations: [[33]]) }
        #expect(throws: InferenceError.invalidToken(1 << 30)) { _ = try ScoringScheduler(engine: engine, next: [1 << 30]) }
    }
}
