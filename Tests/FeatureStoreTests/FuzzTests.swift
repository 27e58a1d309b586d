import Core
import FeatureRegistry
import Foundation
@testable import OfflineStore
import Postgres
import Testing
import TestSupport

/// Seeded random and adversarial input for the parsers and value conversions: each must
/// return a value or a precise error, never trap or hang. Bounded, so it runs in seconds.
/// Runs one case at a time and yields every 1,000 inputs: long synchronous loops would
/// otherwise hold the (two-thread) cooperative pool that other suites' async tests need.
@Suite("Fuzz: JSON, values, timestamps", .serialized)
struct FuzzTests {
    /// Reproducible from the seed in a failure message.
    typealias Random = SplitMix64

    static let seeds: [UInt64] = [1, 2, 3, 0xC0FFEE]

    static let corpus: [String] = [
        #"{"entities": {"user_id": [1, 2]}, "features": ["stats:score"], "as_of": "2025-01-01T00:00:00Z"}"#,
        #"{"view": "stats", "rows": [{"user_id": 1, "ts": 1735689600, "score": 2.5, "label": "x\u00e9\ud83c\udf5e"}]}"#,
        #"{"push_source_name": "stats", "df": {"user_id": [1], "ts": ["2025-01-01"]}, "to": "online"}"#,
        #"[1, -0, 1e5, 1.5e-3, 9223372036854775807, -9223372036854775808, 18446744073709551616, true, false, null, "", {}]"#,
    ]

    static let adversarial: [String] = [
        #""\ud800\u0041""#, #""\udc00""#, #""\ud800""#, #""\ud800\udbff""#, "1e999", "-1e999", "1e-999", "123456789012345678901234567890",
        "[" + String(repeating: "[", count: 200), String(repeating: "{\"a\":", count: 100) + "1" + String(repeating: "}", count: 100),
        #"{"a":1,"a":2}"#, "\"\u{0}\"", #""\u0000""#, "[1,]", "{,}", "\"\\", "\"", "tru", "nul", "-", "0x1", "1e+", "[1 2]",
    ]

    static func mutate(_ bytes: [UInt8], _ random: inout Random) -> [UInt8] {
        var bytes = bytes
        let interesting: [UInt8] = [0x00, 0x22, 0x5C, 0x7B, 0x7D, 0x5B, 0x5D, 0x2C, 0x3A, 0x75, 0x80, 0xBF, 0xC0, 0xED, 0xF4, 0xFF, 0x30, 0x2D, 0x65]
        for _ in 0..<Int.random(in: 1...4, using: &random) {
            guard !bytes.isEmpty else { bytes.append(interesting.randomElement(using: &random)!); continue }
            let position = Int.random(in: 0..<bytes.count, using: &random)
            switch Int.random(in: 0..<4, using: &random) {
            case 0: bytes[position] = interesting.randomElement(using: &random)!
            case 1: bytes.insert(interesting.randomElement(using: &random)!, at: position)
            case 2: bytes.remove(at: position)
            default: bytes[position] = UInt8.random(in: 0...255, using: &random)
            }
        }
        return bytes
    }

    @Test("the JSON parser returns a value or an error with an offset inside the input", arguments: seeds)
    func parser(seed: UInt64) async {
        var random = Random(seed: seed)
        let inputs = (Self.corpus + Self.adversarial).map { Array($0.utf8) }
        for iteration in 0..<20_000 {
            if iteration % 1_000 == 0 { await Task.yield() }
            let base = inputs[iteration % inputs.count]
            let bytes = iteration < inputs.count ? base : Self.mutate(base, &random)
            do {
                let value = try JSONParser.parse(bytes)
                // Whatever parses is written back as JSON that parses and writes identically
                // (a whole double such as 1e3 is written as 1000 and reads back as an integer).
                var written: [UInt8] = [], again: [UInt8] = []
                JSONWriter.write(value, into: &written)
                if let reparsed = try? JSONParser.parse(written) { JSONWriter.write(reparsed, into: &again) }
                #expect(again == written, "seed \(seed), iteration \(iteration)")
            } catch {
                #expect(error.offset >= 0 && error.offset <= bytes.count, "seed \(seed), iteration \(iteration): \(error)")
                #expect(!error.expected.isEmpty)
            }
        }
    }

    static let types: [ValueType] = [.int32, .int64, .float, .double, .string, .bool, .timestamp, .bytes, .list(.float), .list(.timestamp), .vector(3)]

    static func randomValue(_ random: inout Random, depth: Int = 0) -> JSONValue {
        let extremes: [Double] = [.nan, .infinity, -.infinity, .greatestFiniteMagnitude, -.greatestFiniteMagnitude, 1e39, -1e39, 1e-45, 0, -0.0, 1.7e15, 1e300]
        let integers: [Int64] = [.min, .max, 0, -1, 2_147_483_648, -2_147_483_649, 10_000_000_000_000, -10_000_000_000_000, 1_735_689_600, 253_402_300_800]
        let strings = ["", "2025-02-31", "2025-01-01T24:00:00Z", "0000-01-01", "9999-12-31T23:59:59.9999999Z", "1969-12-31T23:59:59.999999+15:59",
                       "a\u{0}b", "\u{FFFD}", "AAAA", "====", "2025-01-01T00:00:00.1234567890123Z", "-2025-01-01", "+2025"]
        switch Int.random(in: 0..<(depth > 2 ? 5 : 6), using: &random) {
        case 0: return .integer(Bool.random(using: &random) ? integers.randomElement(using: &random)! : Int64.random(in: .min ... .max, using: &random))
        case 1: return .number(Bool.random(using: &random) ? extremes.randomElement(using: &random)! : Double(bitPattern: random.next()))
        case 2: return .string(strings.randomElement(using: &random)!)
        case 3: return .bool(Bool.random(using: &random))
        case 4: return .null
        default: return .array((0..<Int.random(in: 0...4, using: &random)).map { _ in randomValue(&random, depth: depth + 1) })
        }
    }

    @Test("value conversion for the offline store: text or a precise error, never a trap", arguments: seeds)
    func values(seed: UInt64) async {
        var random = Random(seed: seed)
        for iteration in 0..<20_000 {
            if iteration % 1_000 == 0 { await Task.yield() }
            let value = Self.randomValue(&random)
            let type = Self.types.randomElement(using: &random)!
            do {
                let text = try Ingestor.text(value, as: type)
                #expect(!text.utf8.contains(0))
                if type == .timestamp {
                    #expect((try? Timestamp.parseMicros(text)) != nil, "\(value) -> \(text) must parse back")
                }
            } catch {
                #expect(!error.description.isEmpty)
            }
        }
    }

    @Test("the timestamp parser: random text near valid times is a time in range or an error", arguments: seeds)
    func timestamps(seed: UInt64) async {
        var random = Random(seed: seed)
        let valid = ["2025-06-01T12:00:00Z", "2024-02-29 23:59:59.999999+00", "0001-01-01", "9999-12-31T23:59:59-00:30", "1970-01-01T00:00:00.5+05:30"]
        for iteration in 0..<20_000 {
            if iteration % 1_000 == 0 { await Task.yield() }
            let bytes = Self.mutate(Array(valid[iteration % valid.count].utf8), &random)
            let text = String(decoding: bytes, as: UTF8.self)
            do {
                let micros = try Timestamp.parseMicros(text)
                #expect((Timestamp.minimumMicros...Timestamp.maximumMicros).contains(micros))
                // What parses formats back to a text that parses to the same instant.
                #expect(try Timestamp.parseMicros(Timestamp.format(micros: micros, iso: true)) == micros)
            } catch {
                #expect(error.description.contains("is not a time"))
            }
        }
    }
}
