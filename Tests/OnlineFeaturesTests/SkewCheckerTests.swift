import FeatureRegistry
import Foundation
import OfflineStore
import OnlineFeatures
import Redis
import Testing
import TestSupport

@Suite("Skew check")
struct SkewCheckerTests {
    @Test("after materialization online agrees with offline; a row pushed offline only shows up as skew")
    func detectsSkew() async throws {
        try await OnlineFixture.withSeeded(users: 50) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            _ = try Materializer(repository: repository, store: store).materializeIncremental(view: view, postgres: connection, redis: redis)
            let checker = SkewChecker(repository: repository, store: store)
            let at = Date(timeIntervalSince1970: 1_735_776_000)  // a day after the seeded events
            #expect(try await checker.check(view: view, sample: 50, at: at, on: connection).mismatches.isEmpty)

            let table = OfflineTable(project: repository.project, view: view, repository: repository, pgvector: try OfflineTable.hasPgvector(connection))
            _ = try Ingestor(table: table).push([["user_id": .integer(7), "ts": .integer(1_735_700_000), "score": .number(123)]], on: connection)
            let report = try await checker.check(view: view, sample: 50, at: at, on: connection)
            #expect(report.mismatches.contains { $0.keys == ["7"] && $0.feature == "stats__score" && $0.offline == .integer(123) })
        }
    }

    @Test("checking at a time before the only stored version reports those values as uncomparable, not as skew")
    func beforeHistory() async throws {
        try await OnlineFixture.withSeeded(users: 30) { connection, repository, store, redis in
            let view = repository.view(named: "stats")!
            _ = try Materializer(repository: repository, store: store).materializeIncremental(view: view, postgres: connection, redis: redis)
            // Seeded versions are at +0 h and +1 h; only the +1 h one is online. Half an hour in,
            // offline has a value (the +0 h row) that online cannot know.
            let report = try await SkewChecker(repository: repository, store: store)
                .check(view: view, sample: 30, at: Date(timeIntervalSince1970: 1_735_689_600 + 1_800), on: connection)
            #expect(report.mismatches.isEmpty, "\(report.mismatches.prefix(3))")
            #expect(report.uncomparable == 30 * view.features.count)
        }
    }
}
