import Core
import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Redis
import Testing
import TestSupport

@Suite("Online store writes")
struct OnlineWriteTests {
    @Test("concurrent writers with shuffled, duplicated, out-of-order events end at max(event, created) per key, and reads never go back")
    func concurrentWritersConverge() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project())
        let store = try OnlineFixture.store(repository)
        let view = repository.view(named: "pair")!
        let users = 0..<20, items = ["a", "b{c}", "d:e"]
        // Every (user, item) gets 12 versions; several share an event time and differ by created time.
        var rows: [OnlineRow] = []
        for user in users {
            for item in items {
                for version in 0..<12 {
                    rows.append(OnlineRow(view: view, keys: [String(user), item], eventMicros: OnlineFixture.micros(1_000 + version / 3),
                                          createdMicros: version % 3 == 0 ? nil : OnlineFixture.micros(2_000 + version % 3),
                                          values: [.int(Int64(version))]))
                }
            }
        }
        // The winner of each key: largest event, then largest created (nil lowest): version 11.
        var generator = SystemRandomNumberGenerator()
        let streams = (0..<4).map { _ in (rows + rows.prefix(100)).shuffled(using: &generator) }
        let cells = users.flatMap { user in items.map { OnlineCell(view: "pair", keys: [String(user), $0]) } }

        let regressions = Regressions()
        let writersDone = Flag()
        async let reader: Void = {
            var last: [(Int64, Int64)?] = Array(repeating: nil, count: cells.count)
            while !writersDone.isSet {
                let results = try await store.read(cells)
                for (index, result) in results.enumerated() {
                    guard let head = result?.versions.first else { continue }
                    let seen = (head.eventMicros, head.createdMicros ?? -1)
                    if let previous = last[index], seen < previous { regressions.add() }
                    last[index] = seen
                }
            }
        }()
        defer { writersDone.set() }
        try await withThrowingTaskGroup(of: Void.self) { group in
            for stream in streams {
                group.addTask {
                    var start = 0
                    while start < stream.count {
                        _ = try await store.write(Array(stream[start..<min(start + 37, stream.count)]))
                        start += 37
                    }
                }
            }
            try await group.waitForAll()
        }
        writersDone.set()
        try await reader
        #expect(regressions.count == 0)
        for (cell, result) in zip(cells, try await store.read(cells)) {
            let head = try #require(result?.versions.first, "no online value for \(cell)")
            #expect(head.values == [.int(11)], "\(cell)")
            #expect(head.eventMicros == OnlineFixture.micros(1_003) && head.createdMicros == OnlineFixture.micros(2_002))
        }
        store.pool.close()
    }

    @Test("an older event never overwrites a newer one; equal event times go to the larger created time; history is bounded")
    func writeRule() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project())
        let store = try OnlineFixture.store(repository, history: 2)
        defer { store.pool.close() }
        let view = repository.view(named: "global")!
        func write(_ event: Int, _ created: Int?, _ value: Int64) async throws -> OnlineWriteSummary {
            try await store.write([OnlineRow(view: view, keys: [], eventMicros: OnlineFixture.micros(event),
                                             createdMicros: created.map(OnlineFixture.micros), values: [.int(value)])])
        }
        #expect(try await write(100, nil, 1).current == 1)
        #expect(try await write(50, nil, 2).history == 1)        // older: kept as history only
        #expect(try await write(100, 5, 3).current == 1)         // same event, known created beats unknown
        #expect(try await write(10, nil, 4).dropped == 1)        // older than both kept versions
        #expect(try await write(100, 4, 5).history == 1)         // same event, smaller created
        let versions = try #require(try await store.read([OnlineCell(view: "global", keys: [])])[0])
        #expect(versions.versions.map(\.values) == [[.int(3)], [.int(5)]])
        #expect(versions.truncated)
    }

    @Test("values of every type round-trip, and keys that would collide when concatenated stay apart")
    func valuesAndKeys() async throws {
        let repository = OnlineFixture.repository(project: OnlineFixture.project())
        let store = try OnlineFixture.store(repository)
        defer { store.pool.close() }
        let stats = repository.view(named: "stats")!, pair = repository.view(named: "pair")!
        let values: [FeatureValue] = [.double(2.5), .list([.string("a"), .null, .string("ü")]), .timestamp(1_700_000_000_123_456), .vector([0.5, -1, 3])]
        _ = try await store.write([
            OnlineRow(view: stats, keys: ["7"], eventMicros: 1, createdMicros: nil, values: values),
            OnlineRow(view: pair, keys: ["1", "23"], eventMicros: 1, createdMicros: nil, values: [.int(1)]),
            OnlineRow(view: pair, keys: ["12", "3"], eventMicros: 1, createdMicros: nil, values: [.int(2)]),
        ])
        let read = try await store.read([OnlineCell(view: "stats", keys: ["7"]), OnlineCell(view: "pair", keys: ["1", "23"]),
                                         OnlineCell(view: "pair", keys: ["12", "3"]), OnlineCell(view: "pair", keys: ["123", ""])])
        #expect(read[0]?.versions.first?.values == values)
        #expect(read[1]?.versions.first?.values == [.int(1)])
        #expect(read[2]?.versions.first?.values == [.int(2)])
        #expect(read[3] == nil)
        #expect(OnlineKey.redisKey(project: "p", keys: [("user_id", "1"), ("item_id", "23")]) == "pantry:{p:user_id=1:item_id=23}")
        #expect(OnlineKey.redisKey(project: "p", keys: [("item_id", "a}b:c")]) == "pantry:{p:item_id=a%7Db%3Ac}")
    }
}

final class Regressions: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func add() { lock.withLock { value += 1 } }
    var count: Int { lock.withLock { value } }
}

final class Flag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    func set() { lock.withLock { value = true } }
    var isSet: Bool { lock.withLock { value } }
}
