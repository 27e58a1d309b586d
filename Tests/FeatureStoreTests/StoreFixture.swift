import FeatureRegistry
import Foundation
import SchemaMigrations
import OfflineStore
import Postgres
import Testing
import TestSupport

/// A fresh, migrated database for one test, on the pgvector server or the fallback one.
enum StoreFixture {
    static let servers = ["pgvector", "fallback"]

    static func url(_ server: String) throws -> String {
        server == "pgvector" ? try TestServers.postgresURL() : try TestServers.postgres15URL()
    }

    /// Runs `body` with a connection to a new database holding Pantry's schema.
    static func withStore<T>(_ server: String = "pgvector", _ body: (PostgresConnection) async throws -> T) async throws -> T {
        try await TestServers.withTemporaryDatabase(on: try url(server)) { url in
            let connection = PostgresConnection(configuration: PostgresConfiguration(url: url))
            defer { connection.close() }
            try Migrator(directory: TestServers.repositoryRoot + "/Migrations").migrate(on: connection)
            return try await body(connection)
        }
    }

    /// Applies `repository` and returns it.
    @discardableResult
    static func apply(_ repository: FeatureRepository, on connection: PostgresConnection) throws -> RegistryPlan {
        try RegistryStore().apply(repository, allowBreaking: false, hooks: [OfflineTablesHook()], on: connection)
    }

    static func temporaryFile(_ name: String, contents: String? = nil) throws -> String {
        let path = NSTemporaryDirectory() + "pantry-\(UUID().uuidString)-\(name)"
        if let contents { try contents.write(toFile: path, atomically: true, encoding: .utf8) }
        return path
    }

    /// Ingests a file named `name` (`.jsonl` or CSV) holding `contents`, which must be refused;
    /// checks that the table still holds `rows` rows and returns the error.
    static func refusedIngest(_ name: String, _ contents: String, into table: OfflineTable, rows: Int,
                              on connection: PostgresConnection) throws -> IngestError {
        let path = try temporaryFile(name, contents: contents)
        defer { try? FileManager.default.removeItem(atPath: path) }
        let ingestor = Ingestor(table: table)
        do {
            _ = name.hasSuffix(".jsonl") ? try ingestor.ingestJSONLines(file: path, on: connection) : try ingestor.ingestCSV(file: path, on: connection)
        } catch let error as IngestError {
            #expect(try count(table, on: connection) == rows, "a failed ingest must leave the store unchanged")
            return error
        }
        Issue.record("\(name) should have been refused")
        throw CancellationError()
    }

    static func count(_ table: OfflineTable, on connection: PostgresConnection) throws -> Int {
        try connection.query("SELECT count(*) FROM \(try table.qualifiedName)")[0].decode(Int.self, at: 0)
    }
}

/// RFC 4180 CSV reading that keeps NULL (unquoted empty) apart from "" (quoted empty), as
/// PostgreSQL writes them.
enum CSVReader {
    static func rows(_ text: String) -> [[String?]] {
        var rows: [[String?]] = [], row: [String?] = [], field = ""
        var quoted = false, wasQuoted = false, atFieldStart = true
        var iterator = Array(text.unicodeScalars).makeIterator()
        var pending: Unicode.Scalar? = nil
        func next() -> Unicode.Scalar? {
            if let p = pending { pending = nil; return p }
            return iterator.next()
        }
        func endField() {
            row.append(field.isEmpty && !wasQuoted ? nil : field)
            field = ""; wasQuoted = false; atFieldStart = true
        }
        while let c = next() {
            if quoted {
                if c == "\"" {
                    if let following = next() {
                        if following == "\"" { field.unicodeScalars.append("\"") } else { quoted = false; pending = following }
                    } else { quoted = false }
                } else { field.unicodeScalars.append(c) }
            } else if c == "\"" && atFieldStart {
                quoted = true; wasQuoted = true; atFieldStart = false
            } else if c == "," {
                endField()
            } else if c == "\n" {
                endField(); rows.append(row); row = []
            } else {
                field.unicodeScalars.append(c); atFieldStart = false
            }
        }
        if !row.isEmpty || !field.isEmpty { endField(); rows.append(row) }
        return rows
    }
}
