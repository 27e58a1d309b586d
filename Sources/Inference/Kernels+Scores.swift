/// Attention scores sixteen keys at a time: the selected tier's C kernel when it has one (the
/// AVX-512 kernel transposes sixteen accumulators so that the lane sums run lane-parallel),
/// otherwise ``Kernels/dotF32(_:_:count:)`` per key. Bitwise equal either way.
extension Kernels {
    /// `out[i] = dotF32(q, keys + i·stride, count: 64) * scale` for `i < 16`.
    @inline(__always)
    static func scores16x64(_ q: UnsafePointer<Float>, _ keys: UnsafePointer<Float>, stride: Int,
                            scale: Float, into out: UnsafeMutablePointer<Float>) {
        if let kernel = KernelTier.kernels?.scores16x64 {
            kernel(q, keys, stride, scale, out)
        } else {
            for i in 0..<16 { out[i] = dotF32(q, keys + i * stride, count: 64) * scale }
        }
    }
}
