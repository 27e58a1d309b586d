/// Seeded generators for property tests and fuzzers: the demo data's SplitMix64, the same
/// sequence on every platform, so a failure message's seed reproduces the case.
@_exported import struct Core.SplitMix64
