/// FNV-1a, 64-bit: a fast, stable hash of bytes (file checksums, hashed feature buckets).
/// Not cryptographic.
public enum FNV1a {
    public static func hash<S: Sequence>(_ bytes: S) -> UInt64 where S.Element == UInt8 {
        bytes.reduce(0xCBF2_9CE4_8422_2325) { ($0 ^ UInt64($1)) &* 0x100_0000_01B3 }
    }
}
