import CVectorKernels
import Foundation

/// Which build of the distance kernels runs. The best the CPU supports, unless
/// `PANTRY_CPU_TIER` names one (`portable`, `avx2`, `avxvnni` and `avx512vnni` as for the
/// inference engine: the last two mean AVX2 and AVX-512 here); a tier the CPU lacks is an
/// error when an index is created, never an illegal instruction later.
public enum VectorKernels {
    public enum Tier: Int32, Sendable, CaseIterable, CustomStringConvertible {
        case portable = 0, avx2 = 1, avx512 = 2
        public var description: String { ["portable", "avx2", "avx512"][Int(rawValue)] }
    }

    /// The tier in use, selected once (thread-safe: a static's first use).
    static let selection: Result<Tier, VectorIndexError> = {
        let forced = ProcessInfo.processInfo.environment["PANTRY_CPU_TIER"].map { $0.lowercased() }
        let wanted: Tier
        switch forced {
        case nil, "": wanted = best
        case "portable": wanted = .portable
        case "avx2", "avxvnni": wanted = .avx2
        case "avx512", "avx512vnni": wanted = .avx512
        case let other?:
            return .failure(VectorIndexError("PANTRY_CPU_TIER=\(other): expected portable, avx2, avxvnni or avx512vnni"))
        }
        guard pantry_vector_select_tier(wanted.rawValue) == 0 else {
            return .failure(VectorIndexError("PANTRY_CPU_TIER=\(forced ?? ""): this CPU lacks \(wanted) (best: \(best))"))
        }
        return .success(wanted)
    }()

    /// a·b over `count` floats with the selected tier's kernel, for callers outside the index
    /// (a plain Swift loop does not vectorise a float sum: it may not reorder the additions).
    @inline(__always)
    public static func dot(_ a: UnsafePointer<Float>, _ b: UnsafePointer<Float>, count: Int) -> Float {
        pantry_vector_dot(a, b, count)
    }

    /// The highest tier this CPU supports.
    public static var best: Tier { Tier(rawValue: pantry_vector_best_tier()) ?? .portable }

    /// The tier in use; throws when `PANTRY_CPU_TIER` asks for one the CPU lacks.
    public static func tier() throws(VectorIndexError) -> Tier { try selection.get() }

    /// Runs `body` with another tier selected (tests compare tiers), then restores the tier.
    static func with<T>(_ tier: Tier, _ body: () throws -> T) throws -> T {
        let previous = try selection.get()
        guard pantry_vector_select_tier(tier.rawValue) == 0 else { throw VectorIndexError("this CPU lacks \(tier)") }
        defer { pantry_vector_select_tier(previous.rawValue) }
        return try body()
    }
}
