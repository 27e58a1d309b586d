import Core
import DemoData
import Foundation
import Synchronization
import Testing
@testable import VectorIndex

@Suite("HNSW index", .serialized)
struct HNSWIndexTests {
    typealias Fixture = VectorIndexFixture

    @Test("recall@10 against the exact answer is at least 0.95 at ef 64, for every metric, on clustered and uniform data",
          arguments: Metric.allCases)
    func recall(metric: Metric) async throws {
        let clustered = Fixture.clustered(count: 2_000, queries: 100)
        let uniform = Fixture.uniform(count: 1_500, dimensions: 24, seed: 7)
        for (base, queries) in [clustered, (uniform, Fixture.uniform(count: 50, dimensions: 24, seed: 8))] {
            let index = try HNSWIndex(dimensions: base[0].count, metric: metric)
            for (id, vector) in base.enumerated() { try index.add(id: Int64(id), vector: vector) }
            let flat = try Fixture.flat(base, metric: metric)
            let found = try queries.map { try index.search($0, k: 10, ef: 64) }
            let exact = try queries.map { try flat.search($0, k: 10) }
            let recall = Fixture.recall(found, exact)
            #expect(recall >= 0.95, "\(metric): recall \(recall)")
            await Task.yield()
        }
    }

    @Test("one thread and one seed build the same graph: identical results")
    func deterministic() throws {
        let (base, queries) = Fixture.clustered(count: 2_000, queries: 20)
        func build() throws -> HNSWIndex {
            let index = try HNSWIndex(dimensions: 32, metric: .l2, parameters: .init(M: 8, efConstruction: 64, seed: 42))
            for (id, vector) in base.enumerated() { try index.add(id: Int64(id), vector: vector) }
            return index
        }
        let (a, b) = (try build(), try build())
        for query in queries { #expect(try a.search(query, k: 10, ef: 32) == b.search(query, k: 10, ef: 32)) }
    }

    @Test("a batch on one thread builds the graph the same adds one by one would; on two threads recall holds")
    func batchBuild() async throws {
        let (base, queries) = Fixture.clustered(count: 2_000, queries: 50)
        let ids = base.indices.map { Int64($0) * 5 }
        let single = try HNSWIndex(dimensions: 32, metric: .l2)
        for (id, vector) in zip(ids, base) { try single.add(id: id, vector: vector) }
        let batch = try HNSWIndex(dimensions: 32, metric: .l2)
        let reported = Mutex(0)
        try batch.add(ids: ids, vectors: base, threads: 1, progress: { count in reported.withLock { $0 = count } })
        #expect(reported.withLock { $0 } == base.count)
        for query in queries { #expect(try batch.search(query, k: 10, ef: 48) == single.search(query, k: 10, ef: 48)) }

        let parallel = try HNSWIndex(dimensions: 32, metric: .l2)
        try parallel.add(ids: ids, vectors: base, threads: 2)
        #expect(parallel.count == base.count)
        let flat = try Fixture.flat(base, metric: .l2, ids: { ids[$0] })
        let recall = Fixture.recall(try queries.map { try parallel.search($0, k: 10, ef: 64) }, try queries.map { try flat.search($0, k: 10) })
        #expect(recall >= 0.95, "two threads: recall \(recall)")
        #expect(throws: VectorIndexError("id 5 appears twice in the batch")) { try parallel.add(ids: [5, 5], vectors: [base[0], base[1]]) }
        #expect(throws: VectorIndexError.self) { try parallel.add(ids: [1], vectors: [[1, 2]]) }
        await Task.yield()
    }

    @Test("after deleting 30 %, no deleted id is returned; recall holds, and compaction restores a clean graph")
    func deletes() async throws {
        let (base, queries) = Fixture.clustered(count: 2_000, queries: 50)
        let index = try HNSWIndex(dimensions: 32, metric: .l2)
        for (id, vector) in base.enumerated() { try index.add(id: Int64(id) * 3 + 1, vector: vector) }
        var random = SplitMix64(seed: 3)
        let doomed = Set((0..<base.count).filter { _ in random.next() % 10 < 3 }.map { Int64($0) * 3 + 1 })
        for id in doomed { #expect(index.remove(id: id)) }
        #expect(!index.remove(id: 2), "an id never added")
        #expect(index.count == base.count - doomed.count && index.deletedCount == doomed.count)
        let live = base.indices.filter { !doomed.contains(Int64($0) * 3 + 1) }
        let flat = try Fixture.flat(live.map { base[$0] }, metric: .l2, ids: { Int64(live[$0]) * 3 + 1 })
        let exact = try queries.map { try flat.search($0, k: 10) }
        let found = try queries.map { try index.search($0, k: 10, ef: 64) }
        #expect(found.allSatisfy { $0.allSatisfy { !doomed.contains($0.id) } })
        #expect(Fixture.recall(found, exact) >= 0.95)
        let compact = try index.compacted()
        #expect(compact.deletedCount == 0 && compact.count == live.count)
        #expect(Fixture.recall(try queries.map { try compact.search($0, k: 10, ef: 64) }, exact) >= 0.95)
        await Task.yield()
    }

    @Test("adding an id again replaces its vector")
    func update() throws {
        let index = try HNSWIndex(dimensions: 2, metric: .l2)
        try index.add(id: 1, vector: [0, 0])
        try index.add(id: 2, vector: [5, 5])
        try index.add(id: 1, vector: [10, 10])
        #expect(index.count == 2)
        #expect(index.vector(id: 1) == [10, 10] && index.vector(id: 3) == nil)
        #expect(try index.search([9, 9], k: 1).first?.id == 1)
        #expect(try index.search([0, 0], k: 2).map(\.id) == [2, 1])
    }

    @Test("filters at 50 %, 5 % and 0.5 % return only allowed ids with recall >= 0.95 against the filtered exact answer",
          arguments: [2, 20, 200])
    func filters(every: Int) async throws {
        let (base, queries) = Fixture.clustered(count: 3_000, queries: 30)
        let index = try HNSWIndex(dimensions: 32, metric: .l2)
        for (id, vector) in base.enumerated() { try index.add(id: Int64(id), vector: vector) }
        let flat = try Fixture.flat(base, metric: .l2)
        let allowed = SearchFilter.allow(stride(from: 0, to: Int64(base.count), by: every))
        let exact = try queries.map { try flat.search($0, k: 10, filter: allowed) }
        // Both paths: the graph walk with the filter applied inside it, and whatever the index
        // picks (an exact scan of the allowed ids when that is cheaper, as at this size).
        for scan in [false, true] {
            let found = try queries.map { try index.search($0, k: 10, ef: 64, filter: allowed, exactScanAllowed: scan) }
            #expect(found.allSatisfy { $0.count == 10 && $0.allSatisfy { allowed.admits($0.id) } })
            let recall = Fixture.recall(found, exact)
            #expect(recall >= 0.95, "1/\(every), scan allowed \(scan): recall \(recall)")
        }
        // A deny-list (the user's seen items) is applied inside the walk too.
        let denied = SearchFilter.deny(exact[0].map(\.id))
        #expect(try index.search(queries[0], k: 10, ef: 64, filter: denied).allSatisfy { denied.admits($0.id) })
        await Task.yield()
    }

    @Test("inserts while searches run: every search answers from a consistent index")
    func concurrentInsertsAndSearches() async throws {
        let (base, queries) = Fixture.clustered(count: 1_500, queries: 50)
        let index = try HNSWIndex(dimensions: 32, metric: .l2)
        for id in 0..<500 { try index.add(id: Int64(id), vector: base[id]) }
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask {
                for id in 500..<base.count { try index.add(id: Int64(id), vector: base[id]) }
            }
            for worker in 0..<2 {
                group.addTask {
                    for round in 0..<100 {
                        let results = try index.search(queries[(round + worker) % queries.count], k: 10, ef: 32)
                        #expect(results.count == 10)
                        #expect(Set(results.map(\.id)).count == 10 && results.allSatisfy { $0.id >= 0 && $0.id < Int64(base.count) })
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(index.count == base.count)
    }

    @Test("bad input is refused with what was expected, never a trap")
    func hostileInput() throws {
        #expect(throws: VectorIndexError.self) { try HNSWIndex(dimensions: 0, metric: .l2) }
        #expect(throws: VectorIndexError.self) { try HNSWIndex(dimensions: 4, metric: .l2, parameters: .init(M: 1)) }
        let index = try HNSWIndex(dimensions: 3, metric: .cosine)
        #expect(throws: VectorIndexError("vector has 2 values, the index 3")) { try index.add(id: 1, vector: [1, 2]) }
        #expect(throws: VectorIndexError.self) { try index.add(id: 1, vector: [1, .nan, 2]) }
        #expect(throws: VectorIndexError.self) { try index.search([1, 2, .infinity], k: 1) }
        #expect(throws: VectorIndexError.self) { try index.search([1, 2, 3], k: 0) }
        #expect(try index.search([1, 2, 3], k: 5).isEmpty, "an empty index answers nothing")
        try index.add(id: 9, vector: [0, 0, 0])
        #expect(try index.search([1, 2, 3], k: 5).map(\.id) == [9], "a zero vector stays usable under cosine")
    }
}
