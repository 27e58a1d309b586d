// Lane-wise conversions between SIMD vector types.
//
// The standard library's generic `SIMDn(truncatingIfNeeded:)` / `SIMDn<Float>(_:)` initialisers
// are not inlined into callers and run lane by lane, which made the kernels ~10× slower. Written
// as explicit lane loops and force-inlined, LLVM's SLP vectoriser turns each of these into a
// single instruction (`vpmovsxbw`, `vpmovzxbw`, `vpmovsxwd`, `vcvtdq2ps`, `vcvtps2dq`).

@inline(__always) func widen(_ v: SIMD16<Int8>) -> SIMD16<Int16> {
    var r = SIMD16<Int16>()
    for i in 0..<16 { r[i] = Int16(truncatingIfNeeded: v[i]) }
    return r
}

@inline(__always) func widen(_ v: SIMD16<UInt8>) -> SIMD16<Int16> {
    var r = SIMD16<Int16>()
    for i in 0..<16 { r[i] = Int16(truncatingIfNeeded: v[i]) }
    return r
}

@inline(__always) func widen(_ v: SIMD16<Int16>) -> SIMD16<Int32> {
    var r = SIMD16<Int32>()
    for i in 0..<16 { r[i] = Int32(truncatingIfNeeded: v[i]) }
    return r
}

@inline(__always) func toFloat(_ v: SIMD16<Int32>) -> SIMD16<Float> {
    var r = SIMD16<Float>()
    for i in 0..<16 { r[i] = Float(v[i]) }
    return r
}

@inline(__always) func toFloat(_ v: SIMD16<Int8>) -> SIMD16<Float> {
    var r = SIMD16<Float>()
    for i in 0..<16 { r[i] = Float(v[i]) }
    return r
}

@inline(__always) func toFloat(_ v: SIMD16<UInt8>) -> SIMD16<Float> {
    var r = SIMD16<Float>()
    for i in 0..<16 { r[i] = Float(v[i]) }
    return r
}

/// Rounds to nearest (ties to even) and narrows to Int8. Inputs should lie in [−127, 127];
/// anything else (an overflowed activation, NaN) is clamped, NaN to 0, never a trap.
@inline(__always) func roundToInt8(_ v: SIMD16<Float>) -> SIMD16<Int8> {
    // Clamped to ±127 by masks: `clamped(lowerBound:upperBound:)` goes through the generic
    // `pointwiseMin`/`Max`, which were not specialised (13 % of the samples in a profile of
    // batched reranking).
    var clamped = v.rounded(.toNearestOrEven)
    clamped.replace(with: 127, where: clamped .> 127)
    clamped.replace(with: -127, where: clamped .< -127)
    let finite = clamped.replacing(with: 0, where: v .!= v)
    // Whole numbers in ±127: adding 1.5·2²³ puts them in the low mantissa bits, so no
    // per-lane checked Float→Int conversion (which kept this loop scalar).
    let integers = unsafeBitCast(finite + 12_582_912.0, to: SIMD16<Int32>.self) &- 0x4B40_0000
    var r = SIMD16<Int8>()
    for i in 0..<16 { r[i] = Int8(truncatingIfNeeded: integers[i]) }
    return r
}

@inline(__always) func halfToFloat(_ v: SIMD16<UInt16>) -> SIMD16<Float> {
    var r = SIMD16<Float>()
    for i in 0..<16 { r[i] = Float(Float16(bitPattern: v[i])) }
    return r
}

@inline(__always) func wrappingSum(_ v: SIMD16<Int8>) -> Int32 {
    var s: Int32 = 0
    for i in 0..<16 { s &+= Int32(v[i]) }
    return s
}

/// The largest `|v[i]|` (0 for an all-zero vector), by pairwise halving: `max` of non-negative
/// non-NaN values does not depend on the order, and the tree is 4 `vmaxps` deep instead of 16.
@inline(__always) func absMax(_ v: SIMD16<Float>) -> Float {
    var h8 = SIMD8<Float>()
    for i in 0..<8 { h8[i] = max(abs(v[i]), abs(v[i + 8])) }
    var h4 = SIMD4<Float>()
    for i in 0..<4 { h4[i] = max(h8[i], h8[i + 4]) }
    return max(max(max(h4[0], h4[2]), max(h4[1], h4[3])), 0)
}

/// `acc += x·s` with fused multiply-adds (`vfmadd231ps`).
@inline(__always) func fusedMultiplyAdd(_ acc: inout SIMD16<Float>, _ x: SIMD16<Float>, _ s: Float) {
    for i in 0..<16 { acc[i] = acc[i].addingProduct(x[i], s) }
}

/// Sum of the lanes by pairwise halving (the standard `sum()` adds lanes one by one).
@inline(__always) func horizontalSum(_ v: SIMD16<Float>) -> Float {
    var h8 = SIMD8<Float>()
    for i in 0..<8 { h8[i] = v[i] + v[i + 8] }
    var h4 = SIMD4<Float>()
    for i in 0..<4 { h4[i] = h8[i] + h8[i + 4] }
    return (h4[0] + h4[2]) + (h4[1] + h4[3])
}
