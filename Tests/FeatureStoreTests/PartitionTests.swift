import FeatureRegistry
import Foundation
@testable import OfflineStore
import Postgres
import Testing
import TestSupport

/// Yearly partitions: created ahead of time, idempotently under concurrency, never by a push.
@Suite("Offline partitions")
struct PartitionTests {
    static let repository = FeatureRepository(
        project: "shop",
        entities: [Entity(name: "customer", joinKey: "customer_id", keyType: .int64)],
        views: [FeatureView(name: "orders", entities: ["customer"], features: [Feature(name: "total", type: .double)], eventTimestampColumn: "ts")])

    func table(_ connection: PostgresConnection) throws -> OfflineTable {
        OfflineTable(project: "shop", view: Self.repository.views[0], repository: Self.repository, pgvector: try OfflineTable.hasPgvector(connection))
    }

    func count(_ relation: String, on connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*) FROM pantry_offline.\(relation)")[0].decode(Int.self, at: 0)
    }

    @Test("six writers creating the same new year's partition at once all succeed; it exists once")
    func concurrentCreation() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            let table = try table(connection)
            let configuration = connection.configuration
            let errors = try await withThrowingTaskGroup(of: String?.self) { group in
                for _ in 0..<6 {
                    group.addTask {
                        let writer = PostgresConnection(configuration: configuration)
                        defer { writer.close() }
                        do {
                            try writer.transaction { try table.ensurePartitions(years: [2031, 2032], on: $0) }
                            return nil
                        } catch { return "\(error)" }
                    }
                }
                return try await group.reduce(into: [String]()) { if let error = $1 { $0.append(error) } }
            }
            #expect(errors.isEmpty, "\(errors)")
            #expect(try connection.query("SELECT count(*) FROM pg_inherits WHERE inhrelid = 'pantry_offline.shop__orders__2031'::regclass")[0].decode(Int.self, at: 0) == 1)
        }
    }

    @Test("a push for a year without a partition runs no DDL (a reader holding the table does not block it); the row moves into the partition once it is created")
    func pushNeverCreatesPartitions() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            let table = try table(connection)
            // A long reader of the view's table: DDL on it would wait for this transaction.
            let reader = PostgresConnection(configuration: connection.configuration)
            defer { reader.close() }
            try reader.query("BEGIN")
            try reader.query("SELECT count(*) FROM pantry_offline.shop__orders")
            let pusher = PostgresConnection(configuration: connection.configuration)
            defer { pusher.close() }
            try pusher.query("SET statement_timeout = '3s'")
            let rows = try Ingestor(table: table, createsPartitions: false).push(
                [["customer_id": .integer(1), "ts": .string("2033-06-01T00:00:00Z"), "total": .number(5)]], on: pusher)
            #expect(rows == 1)
            try reader.query("COMMIT")
            #expect(try count("shop__orders__default", on: connection) == 1)

            try connection.transaction { try table.ensurePartitions(years: [2033], on: $0) }
            #expect(try count("shop__orders__default", on: connection) == 0)
            #expect(try count("shop__orders__2033", on: connection) == 1)
            #expect(try count("shop__orders", on: connection) == 1)
            // The moved partition carries the view's index.
            #expect(try connection.query("SELECT count(*) FROM pg_indexes WHERE schemaname = 'pantry_offline' AND tablename = 'shop__orders__2033'")[0]
                .decode(Int.self, at: 0) == 1)
        }
    }

    @Test("apply creates this year's and next year's partitions")
    func upcomingAtApply() async throws {
        try await StoreFixture.withStore { connection in
            try StoreFixture.apply(Self.repository, on: connection)
            let year = Calendar.utc.component(.year, from: Date())
            for suffix in [year, year + 1] {
                #expect(try connection.query("SELECT to_regclass($1) IS NOT NULL", ["pantry_offline.shop__orders__\(suffix)"])[0].decode(Bool.self, at: 0))
            }
        }
    }
}
