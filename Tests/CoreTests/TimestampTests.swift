import Core
import Foundation
import Postgres
import Testing
import TestSupport

/// The one timestamp parser: calendar-checked, integer microseconds, a stated range.
@Suite("Timestamps")
struct TimestampTests {
    func micros(_ text: String) -> Int64? { try? Timestamp.parseMicros(text) }

    @Test("calendar: invalid dates and times are errors saying what is wrong")
    func calendar() {
        for (text, why) in [("2025-02-31", "day 31"), ("2025-02-29", "day 29"), ("2025-13-01", "month 13"), ("0000-01-01", "year 0000"),
                            ("2025-01-01T24:00:00Z", "hour 24"), ("2025-01-01T99:00Z", "hour 99"), ("2025-01-01T10:60Z", "minute 60"),
                            ("2025-01-01T10:00:60Z", "second 60"), ("2025-01-01T10:00:00+16:00", "offset"), ("2025-01-01T10:00:00.Z", "digits"),
                            ("2025-01-01T10:00:00Zjunk", "unexpected text"), ("yesterday", "YYYY-MM-DD")] {
            do { _ = try Timestamp.parseMicros(text); Issue.record("\(text) was accepted") } catch {
                #expect(error.description.contains(why), "\(text): \(error)")
            }
        }
        #expect(micros("2024-02-29") == 1_709_164_800_000_000)
        #expect(micros("2000-02-29T00:00:00Z") != nil)
        #expect(micros("1900-02-29") == nil)
    }

    @Test("forms, offsets and fractions in integer microseconds; more than six digits round half to even")
    func forms() {
        #expect(micros("2024-03-01 12:30:05.25+00") == 1_709_296_205_250_000)
        #expect(micros("2024-03-01T14:30:05+02:00") == 1_709_296_205_000_000)
        #expect(micros("2024-03-01T14:30:05+0200") == 1_709_296_205_000_000)
        #expect(micros("2024-03-01T12:30:05.000001Z") == 1_709_296_205_000_001)
        #expect(micros("1969-12-31") == -86_400_000_000)
        #expect(micros("1969-12-31T23:59:59.999999Z") == -1)
        #expect(micros("2024-03-01T12:30:05.0000005Z") == 1_709_296_205_000_000)  // tie -> even
        #expect(micros("2024-03-01T12:30:05.0000015Z") == 1_709_296_205_000_002)  // tie -> even
        #expect(micros("2024-03-01T12:30:05.00000051Z") == 1_709_296_205_000_001)
        #expect(micros("2024-03-01T12:30:59.9999999Z") == 1_709_296_260_000_000)  // carries into the minute
    }

    @Test("the accepted range is 0001-01-01 to 9999-12-31, for text and for epoch numbers; milliseconds get a hint")
    func range() throws {
        #expect(micros("0001-01-01T00:00:00Z") == Timestamp.minimumMicros)
        #expect(micros("9999-12-31T23:59:59.999999Z") == Timestamp.maximumMicros)
        #expect(micros("0001-01-01T00:00:00+01:00") == nil)
        #expect(micros("9999-12-31T23:59:59-01:00") == nil)
        #expect(try Timestamp.micros(epochSeconds: 1_735_689_600 as Int64) == 1_735_689_600_000_000)
        #expect(try Timestamp.micros(epochSeconds: 1.5 as Double) == 1_500_000)
        for seconds: Int64 in [10_000_000_000_000, -10_000_000_000_000, .max, .min, 1_733_000_000_000] {
            #expect(throws: Timestamp.InvalidTime.self) { try Timestamp.micros(epochSeconds: seconds) }
        }
        for seconds in [1e300, -1e300, .nan, .infinity, 1.7e15] {
            #expect(throws: Timestamp.InvalidTime.self) { try Timestamp.micros(epochSeconds: seconds) }
        }
        do { _ = try Timestamp.micros(epochSeconds: 1_733_000_000_000 as Int64) } catch {
            #expect(error.description.contains("looks like epoch milliseconds"), "\(error)")
        }
        do { _ = try Timestamp.micros(epochSeconds: 1.7e15) } catch {
            #expect(error.description.contains("looks like epoch microseconds"), "\(error)")
        }
    }

    @Test("formatting never traps, even outside the range (values other tools stored)")
    func formatExtremes() {
        for value: Int64 in [.min, .max, -1, 0, Timestamp.minimumMicros - 1, Timestamp.maximumMicros + 1] {
            #expect(!Timestamp.format(micros: value, iso: true).isEmpty)
        }
        #expect(Timestamp.format(micros: Timestamp.minimumMicros, iso: true) == "0001-01-01T00:00:00Z")
    }

    @Test("20,000 random microsecond times round-trip exactly through Pantry's formatter, PostgreSQL and Pantry's parser")
    func roundTripThroughPostgres() async throws {
        var generator = SystemRandomNumberGenerator()
        let values = (0..<20_000).map { _ in Int64.random(in: Timestamp.minimumMicros...Timestamp.maximumMicros, using: &generator) }
        let connection = PostgresConnection(configuration: PostgresConfiguration(url: try TestServers.postgresURL()))
        defer { connection.close() }
        var mismatches = 0
        for start in stride(from: 0, to: values.count, by: 1_000) {
            let chunk = Array(values[start..<min(start + 1_000, values.count)])
            let literal = "{" + chunk.map { "\"\(Timestamp.format(micros: $0))\"" }.joined(separator: ",") + "}"
            let rows = try connection.query("""
                SELECT t::text, (extract(epoch FROM t) * 1000000)::bigint FROM unnest($1::timestamptz[]) WITH ORDINALITY AS u(t, n) ORDER BY n
                """, [literal])
            for (index, value) in chunk.enumerated() {
                let text = try rows[index].decode(String.self, at: 0)
                let epoch = try rows[index].decode(Int64.self, at: 1)
                if (try? Timestamp.parseMicros(text)) != value || epoch != value { mismatches += 1 }
            }
        }
        #expect(mismatches == 0)
    }
}
