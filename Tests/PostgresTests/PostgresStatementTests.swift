import Core
import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Postgres statements")
struct PostgresStatementTests {
    let connection: PostgresConnection

    init() throws {
        connection = PostgresConnection(configuration: PostgresConfiguration(url: try TestServers.postgresURL()))
        try connection.ensureConnected()
    }

    @Test("parameters are never spliced into SQL: hostile text comes back verbatim")
    func parametersAreSeparate() throws {
        let hostile = "x'); DROP TABLE users; --\\ \"quoted\" \t\n ünïcödé 🍞"
        let row = try connection.query("SELECT $1::text, $2::int4, $3::float8, $4::bool, $5::text IS NULL",
                                       [hostile, Int32(-7), 2.5, true, nil])[0]
        #expect(try row.decode(String.self, at: 0) == hostile)
        #expect(try row.decode(Int32.self, at: 1) == -7)
        #expect(try row.decode(Double.self, at: 2) == 2.5)
        #expect(try row.decode(Bool.self, at: 3) == true)
        #expect(try row.decode(Bool.self, at: 4) == true)
    }

    @Test("a prepared statement runs with fresh parameters each time; an unknown name is a server error")
    func preparedStatements() throws {
        try connection.prepare("double_it", "SELECT $1::int4 * 2, $2::text")
        for value in [Int32(3), -21] {
            let row = try connection.execute(prepared: "double_it", [value, "x'y"])[0]
            #expect(try row.decode(Int32.self, at: 0) == value * 2)
            #expect(try row.decode(String.self, at: 1) == "x'y")
        }
        let error = #expect(throws: PostgresError.self) { try connection.execute(prepared: "no_such_statement", []) }
        #expect(error?.sqlState == "26000")
    }

    @Test("typed decoding of timestamps, bytea, arrays, and NULL")
    func typedDecoding() throws {
        let date = Date(timeIntervalSince1970: 1_700_000_000.123456)
        let bytes = Data([0, 1, 2, 254, 255])
        let row = try connection.query("SELECT $1::timestamptz, $2::bytea, $3::text[], NULL::int",
                                       [date, bytes, PostgresArray(["a\"b", nil, "c\\d"])])[0]
        let decoded = try row.decode(Date.self, at: 0)
        #expect(abs(decoded.timeIntervalSince1970 - date.timeIntervalSince1970) < 0.000_001)
        #expect(try row.decode(Data.self, at: 1) == bytes)
        #expect(try row.decode(String.self, at: 2) == #"{"a\"b",NULL,"c\\d"}"#)
        #expect(try row.decodeIfPresent(Int.self, at: 3) == nil)
        let error = #expect(throws: PostgresError.self) { try row.decode(Int.self, at: 3) }
        #expect(error?.kind == .decoding)
        #expect(error?.message.contains("column \"int4\"") == true)
    }

    @Test("server errors carry SQLSTATE, message, detail and the statement's name")
    func errorFields() throws {
        try connection.query("CREATE TEMP TABLE uniq (id int PRIMARY KEY)")
        try connection.query("INSERT INTO uniq VALUES (1)")
        let error = #expect(throws: PostgresError.self) {
            try connection.query("INSERT INTO uniq VALUES ($1)", [1], name: "insert uniq")
        }
        #expect(error?.kind == .server)
        #expect(error?.sqlState == "23505")
        #expect(error?.message.contains("duplicate key") == true)
        #expect(error?.detail?.contains("(id)=(1)") == true)
        #expect(error?.statement == "insert uniq")
        #expect(error?.description.contains("[23505] in insert uniq") == true)
        // The connection stays usable after a statement error.
        #expect(try connection.query("SELECT 1").count == 1)
    }

    @Test("a failed transaction leaves nothing behind")
    func failedTransactionRollsBack() throws {
        try connection.query("CREATE TEMP TABLE ledger (id int PRIMARY KEY, note text)")
        #expect(throws: PostgresError.self) {
            try connection.transaction { tx in
                try tx.query("INSERT INTO ledger VALUES (1, 'a'), (2, 'b')")
                try tx.copyIn("COPY ledger FROM STDIN", rows: [["3", "c"]])
                try tx.query("INSERT INTO ledger VALUES (1, 'duplicate')")  // fails
            }
        }
        #expect(try connection.query("SELECT count(*) FROM ledger")[0].decode(Int.self, at: 0) == 0)
        try connection.transaction { tx in try tx.query("INSERT INTO ledger VALUES (9, 'kept')") }
        #expect(try connection.query("SELECT count(*) FROM ledger")[0].decode(Int.self, at: 0) == 1)
    }

    @Test("statement timeout cancels a long statement with SQLSTATE 57014")
    func statementTimeout() throws {
        let impatient = PostgresConnection(configuration: PostgresConfiguration(
            url: try TestServers.postgresURL(), statementTimeoutMilliseconds: 200))
        defer { impatient.close() }
        let started = Date()
        let error = #expect(throws: PostgresError.self) { try impatient.query("SELECT pg_sleep(5)") }
        #expect(error?.sqlState == "57014")
        #expect(Date().timeIntervalSince(started) < 4.5, "cancelled before pg_sleep(5) ends")
        #expect(try impatient.query("SELECT 1").count == 1)
    }

    @Test("pipeline: one round trip for many statements; a failure aborts only up to the next sync")
    func pipeline() throws {
        var statements = (0..<200).map { PostgresStatement("SELECT $1::int + 1", [$0]) }
        statements[10] = PostgresStatement("SELECT 1/0", name: "divide")
        let outcomes = try connection.pipeline(statements)
        #expect(outcomes.count == 200)
        #expect(try outcomes[5].get()[0].decode(Int.self, at: 0) == 6)
        #expect(throws: PostgresError.self) { try outcomes[10].get() }
        if case .failure(let error) = outcomes[10] { #expect(error.sqlState == "22012") }
        // Statements after the failure in the same chunk are aborted; later chunks run.
        #expect(throws: PostgresError.self) { try outcomes[11].get() }
        #expect(try outcomes[199].get()[0].decode(Int.self, at: 0) == 200)
        #expect(try connection.query("SELECT 2").count == 1)
    }

    @Test("identifiers are validated before reaching SQL")
    func identifiers() throws {
        #expect(try SQLIdentifier("user_stats").quoted == "\"user_stats\"")
        for bad in ["", "1abc", "a-b", "a b", "x\"; DROP TABLE t; --", String(repeating: "a", count: 64), "ünï"] {
            #expect(throws: PostgresError.self) { try SQLIdentifier(bad) }
        }
    }

    @Test("timestamps round-trip through text in any offset")
    func timestampParsing() throws {
        #expect(Timestamp.parse("2024-03-01 12:30:05.25+00")?.timeIntervalSince1970 == 1_709_296_205.25)
        #expect(Timestamp.parse("2024-03-01T14:30:05+02:00")?.timeIntervalSince1970 == 1_709_296_205)
        #expect(Timestamp.parse("2024-03-01T12:30:05Z")?.timeIntervalSince1970 == 1_709_296_205)
        #expect(Timestamp.parse("1969-12-31")?.timeIntervalSince1970 == -86_400)
        #expect(Timestamp.parse("2024-13-01") == nil)
        #expect(Timestamp.parse("yesterday") == nil)
        let date = Date(timeIntervalSince1970: -12_345.5)
        #expect(Timestamp.parse(Timestamp.format(date)) == date)
    }
}
