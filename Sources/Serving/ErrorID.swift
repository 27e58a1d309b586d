/// Short random ids that tie a generic 5xx response to the logged detail of its failure.
enum ErrorID {
    /// Six hex digits, e.g. `3f9a1c`: enough to find one failure in a day of logs.
    static func make() -> String {
        let value = UInt32.random(in: 0...0xFF_FFFF)
        let hex = String(value, radix: 16)
        return String(repeating: "0", count: 6 - hex.count) + hex
    }
}
