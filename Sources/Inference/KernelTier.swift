import CInferenceKernels
import Foundation

/// Which build of the integer matrix kernels (and attention scores) runs, chosen at run time:
/// the best this CPU supports, unless `PANTRY_CPU_TIER` names one. A tier the CPU lacks is an
/// error when a model is loaded, never an illegal instruction later.
///
/// | tier | needs | kernels |
/// |---|---|---|
/// | `avx512vnni` | AVX-512 F/BW/VL + VNNI | C, sixteen rows per `vpdpbusd` |
/// | `avxvnni` | AVX2 + AVX-VNNI | C, eight rows per 256-bit `vpdpbusd` |
/// | `avx2` | AVX2 + FMA + F16C | C, `vpmaddubsw` multiply-adds |
/// | `portable` | — | the Swift SIMD kernels in ``Kernels`` |
///
/// The three C tiers give bitwise equal results (exact integer dot products, the same float
/// operations in the same order); the portable kernels round differently (≈1e-6 relative).
public enum KernelTier: Int32, CaseIterable, Sendable, CustomStringConvertible {
    case portable = 0, avx2 = 1, avxvnni = 2, avx512vnni = 3

    public var description: String { ["portable", "avx2", "avxvnni", "avx512vnni"][Int(rawValue)] }

    /// Whether this CPU (and OS) can run the tier.
    public var isSupported: Bool { pantry_kernels_supported(rawValue) != 0 }

    /// The highest tier this CPU supports.
    public static var best: KernelTier { allCases.last(where: \.isSupported) ?? .portable }

    /// The tier in use; throws when `PANTRY_CPU_TIER` is not a tier name or asks for one the CPU lacks.
    public static func selected() throws(InferenceError) -> KernelTier { try selection.get() }

    static let selection: Result<KernelTier, InferenceError> = {
        let forced = ProcessInfo.processInfo.environment["PANTRY_CPU_TIER"]?.lowercased() ?? ""
        if forced.isEmpty { return .success(best) }
        guard let tier = allCases.first(where: { $0.description == forced }) else {
            return .failure(.invalidArgument("PANTRY_CPU_TIER=\(forced): expected one of \(allCases.map(\.description).joined(separator: ", "))"))
        }
        guard tier.isSupported else {
            return .failure(.invalidArgument("PANTRY_CPU_TIER=\(forced): this CPU lacks it (best: \(best))"))
        }
        return .success(tier)
    }()

    /// The C kernels of the selected tier, or nil for the portable Swift kernels (immutable
    /// after its first use: a table of C function pointers).
    static let kernels: pantry_kernel_table? =
        (try? selection.get()).flatMap { pantry_kernels_for_tier($0.rawValue)?.pointee }
}
