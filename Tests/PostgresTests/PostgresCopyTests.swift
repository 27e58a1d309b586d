import Foundation
import Postgres
import Testing
import TestSupport

@Suite("Postgres COPY")
struct PostgresCopyTests {
    /// Values that break naive COPY handling: quotes, tabs, newlines, backslashes, `\N` as
    /// text, unicode, empty strings.
    static let tricky = ["plain", "it's \"quoted\"", "tab\there", "line\nbreak", "cr\rlf\r\n",
                         "back\\slash", "\\N", "ünïcödé 中文 🍞", "", "trailing\\", "a,b;c|d"]

    static func row(_ index: Int) -> [String?] {
        [String(index),
         index % 7 == 0 ? nil : tricky[index % tricky.count] + String(index),
         index % 5 == 0 ? nil : tricky[(index / 3) % tricky.count]]
    }

    @Test("1,000,000 rows round-trip with NULLs, unicode, quotes, tabs, newlines and backslashes intact")
    func millionRowRoundTrip() throws {
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: try TestServers.postgresURL()))
        defer { connection.close() }
        try connection.query("CREATE TEMP TABLE copy_round (id int PRIMARY KEY, a text, b text)")
        let count = 1_000_000
        let loaded = try connection.copyIn("COPY copy_round FROM STDIN", rows: (0..<count).lazy.map(Self.row))
        #expect(loaded == count)

        var index = 0
        var mismatches = 0
        let exported = try connection.copyOutRows("COPY (SELECT id, a, b FROM copy_round ORDER BY id) TO STDOUT") { columns in
            if columns != Self.row(index) { mismatches += 1 }
            index += 1
        }
        #expect(exported == count)
        #expect(index == count)
        #expect(mismatches == 0)
        // The server saw the same values, not just a symmetric encoding bug.
        let nulls = try connection.query("SELECT count(*) FILTER (WHERE a IS NULL), count(*) FILTER (WHERE b = '\\N') FROM copy_round")[0]
        #expect(try nulls.decode(Int.self, at: 0) == (0..<count).filter { $0 % 7 == 0 }.count)
        #expect(try nulls.decode(Int.self, at: 1) > 0)

        // File round trip: COPY TO a file, COPY FROM that file into a second table, compare in SQL.
        let path = NSTemporaryDirectory() + "pantry-copy-\(UUID().uuidString).tsv"
        defer { try? FileManager.default.removeItem(atPath: path) }
        #expect(try connection.copyOut("COPY copy_round TO STDOUT", toFile: path) == count)
        try connection.query("CREATE TEMP TABLE copy_again (LIKE copy_round)")
        #expect(try connection.copyIn("COPY copy_again FROM STDIN", fromFile: path) == count)
        let differences = try connection.query("""
            SELECT count(*) FROM ((TABLE copy_round EXCEPT TABLE copy_again) UNION ALL (TABLE copy_again EXCEPT TABLE copy_round)) d
            """)[0].decode(Int.self, at: 0)
        #expect(differences == 0)
    }

    @Test("a COPY with a bad row loads nothing and reports the line")
    func badRowLoadsNothing() throws {
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: try TestServers.postgresURL()))
        defer { connection.close() }
        try connection.query("CREATE TEMP TABLE strict_rows (id int, n int)")
        let rows: [[String?]] = [["1", "10"], ["2", "20"], ["3", "not a number"], ["4", "40"]]
        let error = #expect(throws: PostgresError.self) { try connection.copyIn("COPY strict_rows FROM STDIN", rows: rows) }
        #expect(error?.sqlState == "22P02")
        #expect(error?.message.contains("not a number") == true)
        #expect(try connection.query("SELECT count(*) FROM strict_rows")[0].decode(Int.self, at: 0) == 0)
    }

    @Test("a producer error aborts the COPY and loads nothing")
    func producerErrorAborts() throws {
        struct Interrupted: Error {}
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: try TestServers.postgresURL()))
        defer { connection.close() }
        try connection.query("CREATE TEMP TABLE aborted_rows (line text)")
        #expect(throws: Interrupted.self) {
            try connection.copyIn("COPY aborted_rows FROM STDIN") { send in
                try Array("first\nsecond\n".utf8).withUnsafeBytes { try send($0) }
                throw Interrupted()
            }
        }
        #expect(try connection.query("SELECT count(*) FROM aborted_rows")[0].decode(Int.self, at: 0) == 0)
    }

    @Test("COPY text parsing handles escapes and NULL markers")
    func parseRow() {
        let line = Array("a\\tb\t\\N\t\\\\N\t\tx\\ny\n".utf8)
        let parsed = line.withUnsafeBytes { CopyTextFormat.parseRow($0) }
        #expect(parsed == ["a\tb", nil, "\\N", "", "x\ny"])
    }
}
