import Foundation

/// Conversion between `Date` and PostgreSQL's `timestamptz` text form.
///
/// Sessions are opened with `TimeZone=UTC` and ISO `DateStyle`, so the server prints
/// `2024-03-01 12:30:05.123456+00`; this parser also accepts a `T` separator, a trailing `Z`,
/// and offsets such as `+02:00`, which is what users write in CSV files.
public enum PostgresTimestamp {
    public static func format(_ date: Date) -> String {
        format(micros: Int64((date.timeIntervalSince1970 * 1_000_000).rounded()))
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
        var seconds = micros >= 0 ? micros / 1_000_000 : -((-micros + 999_999) / 1_000_000)
        let fraction = micros - seconds * 1_000_000
        let days = floorDiv(seconds, 86_400)
        seconds -= days * 86_400
        let (year, month, day) = civilFromDays(days)
        func digits(_ value: Int, _ count: Int) {
            var divisor = 1
            for _ in 1..<count { divisor *= 10 }
            var rest = value
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

    public static func parse(_ text: String) -> Date? {
        let b = Array(text.utf8)
        func number(_ start: Int, _ count: Int) -> Int? {
            guard start + count <= b.count else { return nil }
            var value = 0
            for i in start..<start + count {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                value = value * 10 + Int(b[i] - 48)
            }
            return value
        }
        guard b.count >= 10, b[4] == 45, b[7] == 45,
              let year = number(0, 4), let month = number(5, 2), let day = number(8, 2),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        var seconds = Double(daysFromCivil(year, month, day)) * 86_400
        var i = 10
        if i < b.count, b[i] == 32 || b[i] == 84 {  // ' ' or 'T'
            guard let hour = number(i + 1, 2), b.count > i + 3, b[i + 3] == 58,
                  let minute = number(i + 4, 2) else { return nil }
            seconds += Double(hour * 3600 + minute * 60)
            i += 6
            if i < b.count, b[i] == 58 {
                guard let second = number(i + 1, 2) else { return nil }
                seconds += Double(second)
                i += 3
                if i < b.count, b[i] == 46 {  // fractional seconds
                    var scale = 0.1
                    i += 1
                    while i < b.count, b[i] >= 48 && b[i] <= 57 {
                        seconds += Double(b[i] - 48) * scale
                        scale /= 10
                        i += 1
                    }
                }
            }
        }
        if i < b.count {
            if b[i] == 90 || b[i] == 122 { i += 1 }  // Z
            else if b[i] == 43 || b[i] == 45 {  // +hh[:mm] / -hh[:mm]
                let sign: Double = b[i] == 43 ? 1 : -1
                guard let hours = number(i + 1, 2) else { return nil }
                var offset = Double(hours * 3600)
                i += 3
                if i < b.count, b[i] == 58 { i += 1 }
                if let minutes = number(i, 2) { offset += Double(minutes * 60); i += 2 }
                seconds -= sign * offset
            }
        }
        guard i == b.count else { return nil }
        return Date(timeIntervalSince1970: seconds)
    }

    private static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
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
