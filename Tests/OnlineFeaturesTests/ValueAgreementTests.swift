import Core
import FeatureRegistry
import Foundation
@testable import OfflineStore
import OnlineFeatures
import Testing

/// The online store (`FeatureValue(json:type:)`) and the offline store (`Ingestor.text`) accept
/// and refuse exactly the same JSON values, so a push can never be half-written.
@Suite("Online and offline value rules agree")
struct ValueAgreementTests {
    static let types: [ValueType] = [.int32, .int64, .float, .double, .string, .bool, .timestamp, .bytes,
                                     .list(.int32), .list(.float), .list(.string), .list(.timestamp), .vector(2)]

    static let scalars: [JSONValue] = [
        .integer(.min), .integer(.max), .integer(0), .integer(-1), .integer(2_147_483_648), .integer(-2_147_483_649),
        .integer(10_000_000_000_000), .integer(1_735_689_600), .integer(253_402_300_800),
        .number(.nan), .number(.infinity), .number(-.infinity), .number(.greatestFiniteMagnitude), .number(1e39), .number(-1e39),
        .number(1e-45), .number(1.5), .number(1.7e15), .number(1e300), .number(-62_135_596_800.5),
        .string(""), .string("2025-02-31"), .string("2025-01-01T24:00:00Z"), .string("0000-01-01"), .string("2025-06-01T12:00:00Z"),
        .string("a\u{0}b"), .string("AAAA"), .string("===="), .string("9999-12-31T23:59:59.9999999Z"),
        .bool(true), .null,
    ]

    static var values: [JSONValue] {
        scalars + scalars.map { .array([$0]) } + scalars.map { .array([.number(0.5), $0]) } + [.array([]), .object([:])]
    }

    @Test("every value of a combinatorial set is accepted by both or refused by both")
    func agree() {
        for type in Self.types {
            for value in Self.values where value != .null {
                let online = (try? FeatureValue(json: value, type: type)) != nil
                let offline = (try? Ingestor.text(value, as: type)) != nil
                #expect(online == offline, "\(type) \(value): online \(online), offline \(offline)")
            }
        }
    }
}
