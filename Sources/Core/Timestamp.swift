import Foundation

/// Conversion between `Date` and PostgreSQL's `timestamptz` text form.
///
/// Sessions are opened with `TimeZone=UTC` and ISO `DateStyle`, so the server prints
/// `2024-03-01 12:30:05.123456+00`; this parser also accepts a `T` separator, a trailing `Z`,
/// and offsets such as `+02:00`, which is what users write in CSV files.
public enum Timestamp {
    public static func format(_ date: Date) -> String {
        format(micros: micros(date))
    }

    /// Microseconds since 1970 of a `Date` (rounded; saturating for dates beyond Int64).
    public static func micros(_ date: Date) -> Int64 {
        let value = (date.timeIntervalSince1970 * 1_000_000).rounded()
        return Int64(exactly: value) ?? (value > 0 ? .max : .min)
    }

    /// `2024-03-01 12:30:05.123456+00` (fraction only when non-zero); with `iso`,
    /// `2024-03-01T12:30:05.123456Z`. Built digit by digit: this runs for every timestamp an
    /// API response carries, and `String(format:)` costs microseconds each.
    public static func format(micros: Int64, iso: Bool = false) -> String {
        var bytes = [UInt8]()
        bytes.reserveCapacity(32)
        append(micros: micros, iso: iso, to: &bytes)
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `format(micros:iso:)` appended to a byte buffer, for writers that build JSON or CSV bytes.
    public static func append(micros: Int64, iso: Bool = false, to bytes: inout [UInt8]) {
        var seconds = floorDiv(micros, 1_000_000)
        let remainder = micros % 1_000_000
        let fraction = remainder < 0 ? remainder + 1_000_000 : remainder
        let days = floorDiv(seconds, 86_400)
        seconds -= days * 86_400
        let (year, month, day) = civilFromDays(days)
        // Values stored by other tools may lie outside the accepted range: a year past 9999
        // gets all its digits, one before 1 a sign, never a trap.
        func digits(_ value: Int, _ count: Int) {
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            while divisor <= value.magnitude / 10 { divisor *= 10 }
            var rest = Int(value.magnitude)
            while divisor > 0 {
                bytes.append(UInt8(ascii: "0") + UInt8(rest / divisor % 10))
                rest %= divisor
                divisor /= 10
            }
        }
        digits(year, 4); bytes.append(UInt8(ascii: "-")); digits(month, 2); bytes.append(UInt8(ascii: "-")); digits(day, 2)
        bytes.append(iso ? UInt8(ascii: "T") : UInt8(ascii: " "))
        digits(Int(seconds / 3600), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(seconds / 60 % 60), 2); bytes.append(UInt8(ascii: ":"))
        digits(Int(seconds % 60), 2)
        if fraction != 0 {
            bytes.append(UInt8(ascii: "."))
            digits(Int(fraction), 6)
        }
        if iso {
            bytes.append(UInt8(ascii: "Z"))
        } else {
            bytes.append(UInt8(ascii: "+")); bytes.append(UInt8(ascii: "0")); bytes.append(UInt8(ascii: "0"))
        }
    }

    /// Why a text or number is not a time Pantry accepts, worded for the person who sent it.
    public struct InvalidTime: Error, CustomStringConvertible, Sendable {
        public let description: String
        init(_ description: String) { self.description = description }
    }

    /// The accepted range: 0001-01-01T00:00:00Z through 9999-12-31T23:59:59.999999Z. It lies
    /// inside PostgreSQL's timestamptz range (4713 BC to 294276 AD), fits Int64 microseconds with
    /// room to spare, and is what a four-digit year can spell.
    public static let minimumMicros: Int64 = Int64(daysFromCivil(1, 1, 1)) * 86_400_000_000
    public static let maximumMicros: Int64 = Int64(daysFromCivil(10_000, 1, 1)) * 86_400_000_000 - 1
    public static let rangeText = "0001-01-01T00:00:00Z ... 9999-12-31T23:59:59.999999Z"

    /// Microseconds since 1970-01-01 UTC of an RFC 3339 or PostgreSQL timestamp:
    /// `YYYY-MM-DD`, optionally followed by `T` or a space and `HH:MM[:SS[.fraction]]`, then
    /// optionally `Z` or an offset `±HH[[:]MM]`. Integer arithmetic throughout; the calendar is
    /// checked (no February 31, no hour 24, no second 60, no year 0); more than six fraction
    /// digits round half to even, as PostgreSQL rounds to microseconds.
    public static func parseMicros(_ text: String) throws(InvalidTime) -> Int64 {
        var utf8 = text
        let result: Result<Int64, InvalidTime> = utf8.withUTF8 { b in
            Result { () throws(InvalidTime) in try parseMicros(b, shown: text) }
        }
        return try result.get()
    }

    private static func parseMicros(_ b: UnsafeBufferPointer<UInt8>, shown: String) throws(InvalidTime) -> Int64 {
        func bad(_ why: String) -> InvalidTime {
            InvalidTime("\"\(shown.prefix(40))\" is not a time: \(why) (expected RFC 3339, e.g. 2025-06-01T12:00:00Z)")
        }
        func number(_ start: Int, _ count: Int) -> Int64? {
            guard start + count <= b.count else { return nil }
            var value: Int64 = 0
            for i in start..<start + count {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                value = value * 10 + Int64(b[i] - 48)
            }
            return value
        }
        guard b.count >= 10, b[4] == 45, b[7] == 45, let year = number(0, 4), let month = number(5, 2), let day = number(8, 2) else {
            throw bad("expected a date YYYY-MM-DD")
        }
        guard year >= 1 else { throw bad("year 0000 does not exist (years run from 0001)") }
        guard (1...12).contains(month) else { throw bad("month \(month) is not 01-12") }
        guard day >= 1, day <= Int64(daysInMonth(Int(year), Int(month))) else {
            throw bad("day \(day) does not exist in \(year)-\(month < 10 ? "0" : "")\(month)")
        }
        var micros = Int64(daysFromCivil(Int(year), Int(month), Int(day))) * 86_400_000_000
        var i = 10
        if i < b.count, b[i] == 32 || b[i] == 84 || b[i] == 116 {  // ' ', 'T' or 't'
            guard let hour = number(i + 1, 2), b.count > i + 3, b[i + 3] == 58, let minute = number(i + 4, 2) else {
                throw bad("expected a time HH:MM[:SS] after the date")
            }
            guard hour <= 23 else { throw bad("hour \(hour) is not 00-23") }
            guard minute <= 59 else { throw bad("minute \(minute) is not 00-59") }
            micros += (hour * 3600 + minute * 60) * 1_000_000
            i += 6
            if i < b.count, b[i] == 58 {
                guard let second = number(i + 1, 2) else { throw bad("expected two digits of seconds") }
                guard second <= 59 else { throw bad("second \(second) is not 00-59") }
                micros += second * 1_000_000
                i += 3
                if i < b.count, b[i] == 46 {  // fractional seconds
                    i += 1
                    let first = i
                    var fraction: Int64 = 0
                    while i < b.count, i - first < 6, b[i] >= 48 && b[i] <= 57 { fraction = fraction * 10 + Int64(b[i] - 48); i += 1 }
                    guard i > first else { throw bad("expected digits after the decimal point") }
                    for _ in (i - first)..<6 { fraction *= 10 }
                    // Digits past microseconds: round half to even.
                    let roundingDigit = i < b.count && b[i] >= 48 && b[i] <= 57 ? Int64(b[i] - 48) : -1
                    if roundingDigit >= 0 {
                        i += 1
                        var sticky = false
                        while i < b.count, b[i] >= 48 && b[i] <= 57 { sticky = sticky || b[i] != 48; i += 1 }
                        if roundingDigit > 5 || (roundingDigit == 5 && (sticky || fraction % 2 == 1)) { fraction += 1 }
                    }
                    micros += fraction
                }
            }
        }
        if i < b.count {
            if b[i] == 90 || b[i] == 122 { i += 1 }  // Z
            else if b[i] == 43 || b[i] == 45 {  // +hh[[:]mm] / -hh[[:]mm]
                let sign: Int64 = b[i] == 43 ? 1 : -1
                guard let hours = number(i + 1, 2) else { throw bad("expected an offset ±HH:MM") }
                i += 3
                if i < b.count, b[i] == 58 { i += 1 }
                var minutes: Int64 = 0
                if i < b.count {
                    guard let value = number(i, 2) else { throw bad("expected an offset ±HH:MM") }
                    minutes = value
                    i += 2
                }
                guard hours <= 15, minutes <= 59 else { throw bad("offset \(sign > 0 ? "+" : "-")\(hours):\(minutes) is not within ±15:59") }
                micros -= sign * (hours * 3600 + minutes * 60) * 1_000_000
            }
        }
        guard i == b.count else { throw bad("unexpected text after the time at character \(i + 1)") }
        guard (minimumMicros...maximumMicros).contains(micros) else { throw bad("outside the accepted range \(rangeText)") }
        return micros
    }

    /// Microseconds of a time given as epoch seconds; out of range (or not finite) is an error,
    /// with a hint when the number only makes sense in milliseconds, microseconds or nanoseconds.
    public static func micros(epochSeconds seconds: Int64) throws(InvalidTime) -> Int64 {
        let (micros, overflow) = seconds.multipliedReportingOverflow(by: 1_000_000)
        guard !overflow, (minimumMicros...maximumMicros).contains(micros) else { throw outOfRange(Double(seconds)) }
        return micros
    }

    public static func micros(epochSeconds seconds: Double) throws(InvalidTime) -> Int64 {
        guard seconds.isFinite, let micros = Int64(exactly: (seconds * 1_000_000).rounded()),
              (minimumMicros...maximumMicros).contains(micros) else { throw outOfRange(seconds) }
        return micros
    }

    private static func outOfRange(_ seconds: Double) -> InvalidTime {
        let base = "epoch seconds \(seconds.isFinite && seconds == seconds.rounded() && abs(seconds) < 1e18 ? String(Int64(seconds)) : "\(seconds)") are outside the accepted range \(rangeText)"
        let limit = Double(maximumMicros) / 1_000_000
        for (unit, divisor) in [("milliseconds", 1e3), ("microseconds", 1e6), ("nanoseconds", 1e9)] where seconds.isFinite {
            if abs(seconds / divisor) <= limit, abs(seconds / divisor) >= 1e8 {
                return InvalidTime("\(base); this looks like epoch \(unit): send seconds, or an RFC 3339 string")
            }
        }
        return InvalidTime(base)
    }

    /// `parseMicros` as a `Date`, or nil when the text is not an accepted time.
    public static func parse(_ text: String) -> Date? {
        guard let micros = try? parseMicros(text) else { return nil }
        return date(micros: micros)
    }

    /// The `Date` of a microsecond count, built from whole seconds and the fraction so that
    /// converting back with `micros(_:)` gives the same count.
    public static func date(micros: Int64) -> Date {
        Date(timeIntervalSince1970: Double(micros) / 1_000_000)
    }

    static func daysInMonth(_ year: Int, _ month: Int) -> Int {
        switch month {
        case 2: (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: 30
        default: 31
        }
    }

    /// Division rounding towards minus infinity (for positive `b`), without overflow at Int64.min.
    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return a % b < 0 ? quotient - 1 : quotient
    }

    // Howard Hinnant's civil-calendar algorithms: days since 1970-01-01 <-> (y, m, d).
    static func daysFromCivil(_ year: Int, _ month: Int, _ day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let doy = (153 * (month + (month > 2 ? -3 : 9)) + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    static func civilFromDays(_ days: Int64) -> (Int, Int, Int) {
        let z = Int(days) + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }
}
