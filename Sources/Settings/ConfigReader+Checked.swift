import Configuration

/// Reads settings with their accepted ranges: a missing key takes its default, a present key
/// must have the right type and lie in range, or loading fails with a message naming the key,
/// the value and what is accepted. (The plain `int(forKey:default:)` would silently use the
/// default for `pool_size: abc`.)
extension ConfigReader {
    func checkedInt(_ key: String, default fallback: Int, in range: ClosedRange<Int>) throws -> Int {
        let value: Int
        do { value = try requiredInt(forKey: ConfigKey(key)) } catch {
            guard Self.isMissing(error) else { throw SettingsError("\(key): expected an integer in \(range.lowerBound)...\(range.upperBound)") }
            value = fallback
        }
        guard range.contains(value) else {
            throw SettingsError("\(key) is \(value): expected \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    func checkedDouble(_ key: String, default fallback: Double, in range: ClosedRange<Double>) throws -> Double {
        let value: Double
        do { value = try requiredDouble(forKey: ConfigKey(key)) } catch {
            guard Self.isMissing(error) else { throw SettingsError("\(key): expected a number in \(range.lowerBound)...\(range.upperBound)") }
            value = fallback
        }
        guard value.isFinite, range.contains(value) else {
            throw SettingsError("\(key) is \(value): expected a number in \(range.lowerBound)...\(range.upperBound)")
        }
        return value
    }

    /// Text settings: a list where text is expected (`password: [x]`) is an error, not the default.
    func checkedString(_ key: String, default fallback: String, oneOf allowed: [String]? = nil) throws -> String {
        let choices = allowed.map { allowed in
            allowed.count > 1 ? allowed.dropLast().joined(separator: ", ") + " or " + (allowed.last ?? "") : allowed.joined()
        }
        let value: String
        do { value = try requiredString(forKey: ConfigKey(key)) } catch {
            guard Self.isMissing(error) else { throw SettingsError("\(key): expected \(choices ?? "a single text value")") }
            value = fallback
        }
        if let allowed, let choices, !allowed.contains(value) {
            throw SettingsError("\(key) is \"\(value)\": expected \(choices)")
        }
        return value
    }

    private static func isMissing(_ error: any Error) -> Bool {
        "\(error)".hasPrefix("Missing required config value")
    }
}
