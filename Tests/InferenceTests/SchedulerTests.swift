import Foundation
import Synchronization
import Testing
@testable import Inference

@Suite("Continuous batching", .serialized)
struct SchedulerTests {
    @Test func concurrentRequestsMatchSingleRuns() async throws {
        let engine = try SmallEngines.make(.int8)
        let prompts: [[Int]] = [[504, 3575, 282], [19556, 905], [1589, 506, 28, 502], [33, 34]]
        let lengths = [4, 2, 5, 3]
        var expected: [[Int]] = []
        for (p, n) in zip(prompts, lengths) {
            expected.append(try engine.generate(promptTokens: p, options: GenerationOptions(maxTokens: n, stopAtEOS: false)).tokens)
        }
        engine.clearPrefixCache()
        let scheduler = BatchScheduler(engine: engine)
        defer { scheduler.shutdown() }
        let results = try await withThrowingTaskGroup(of: (Int, [Int]).self) { group in
            for i in prompts.indices {
                group.addTask {
                    let r = try await scheduler.generate(promptTokens: prompts[i], options: GenerationOptions(maxTokens: lengths[i], stopAtEOS: false))
                    return (i, r.tokens)
                }
            }
            var out = [[Int]](repeating: [], count: prompts.count)
            for try await (i, tokens) in group { out[i] = tokens }
            return out
        }
        #expect(results == expected)
    }

    @Test("a request's shared prefix is remembered once evaluated; later requests start after it and decode the same tokens")
    func sharedPrefixIsRemembered() async throws {
        let engine = try SmallEngines.makeUnshared(.int8)
        let shared = [504, 3575, 282, 19556, 905]
        let prompts = [shared + [1589, 506], shared + [28, 502, 33]]
        let options = GenerationOptions(maxTokens: 4, stopAtEOS: false)
        let expected = try prompts.map { try engine.generate(promptTokens: $0, options: options).tokens }
        engine.clearPrefixCache()
        var config = BatchScheduler.Configuration()
        config.prefillChunk = 3 // the shared prefix ends inside a chunk: the chunk is cut there
        let scheduler = BatchScheduler(engine: engine, configuration: config)
        defer { scheduler.shutdown() }
        let first = try await scheduler.generate(promptTokens: prompts[0], options: options, sharedPrefix: shared.count)
        #expect(first.tokens == expected[0])
        #expect(engine.cachedPrefixLength(of: prompts[1]) == shared.count)
        let second = try await scheduler.generate(promptTokens: prompts[1], options: options, sharedPrefix: shared.count)
        #expect(second.tokens == expected[1])
        // Nothing to remember when the shared part is the whole prompt or out of range.
        engine.clearPrefixCache()
        _ = try await scheduler.generate(promptTokens: shared, options: options, sharedPrefix: shared.count)
        _ = try await scheduler.generate(promptTokens: shared, options: options, sharedPrefix: 99)
        #expect(engine.cachedPrefixLength(of: prompts[0]) == 0)
    }

    @Test func expiredDeadlineFails() async throws {
        let engine = try SmallEngines.make(.int8)
        let scheduler = BatchScheduler(engine: engine)
        defer { scheduler.shutdown() }
        await #expect(throws: InferenceError.deadlineExceeded) {
            _ = try await scheduler.generate(promptTokens: [504, 3575], options: GenerationOptions(maxTokens: 50, stopAtEOS: false),
                                             deadline: .now - .seconds(1))
        }
    }

    @Test func fullQueueRejectsWhenConfigured() async throws {
        let engine = try SmallEngines.make(.int8)
        var config = BatchScheduler.Configuration()
        config.maxQueued = 0
        config.rejectWhenFull = true
        let scheduler = BatchScheduler(engine: engine, configuration: config)
        defer { scheduler.shutdown() }
        await #expect(throws: InferenceError.queueFull) {
            _ = try await scheduler.generate(promptTokens: [504], options: GenerationOptions(maxTokens: 1))
        }
    }

    @Test("shutdown in the middle of a step: the request being decoded is answered exactly once, queued ones are cancelled")
    func shutdownMidStep() async throws {
        let engine = try SmallEngines.make(.int8)
        var config = BatchScheduler.Configuration()
        config.maxActive = 1
        let scheduler = BatchScheduler(engine: engine, configuration: config)
        defer { scheduler.shutdown() }
        let started = Mutex(false)
        // The token callback runs inside the step: shutting down there is shutting down mid-step.
        // The request finishes in that same step (one token), which used to answer it twice.
        async let first = scheduler.generate(promptTokens: [504, 3575], options: GenerationOptions(maxTokens: 1, stopAtEOS: false),
                                             onToken: { _ in started.withLock { $0 = true }; scheduler.shutdown() })
        while scheduler.load.active == 0 && !started.withLock({ $0 }) { try await Task.sleep(for: .milliseconds(1)) }
        let queued = Task { try await scheduler.generate(promptTokens: [33, 34], options: GenerationOptions(maxTokens: 8, stopAtEOS: false)) }
        do {
            #expect(try await first.tokens.count == 1)
        } catch {
            #expect(error as? InferenceError == .cancelled)
        }
        await #expect(throws: InferenceError.cancelled) { try await queued.value }
        #expect(scheduler.load.waiting == 0)
    }
}
