#ifndef PANTRY_INFERENCE_KERNELS_H
#define PANTRY_INFERENCE_KERNELS_H

#include <stddef.h>
#include <stdint.h>

/// The inference engine's x86-64 kernels, one build per instruction-set tier, chosen at run time
/// by CPU detection (the Swift SIMD kernels are the portable tier). Each tier is compiled with
/// Clang `target` attributes, not -march, so one binary runs on any x86-64 CPU.
///
/// All tiers work on the repacked weight layout of the Swift `PackedWeights` type (sixteen
/// rows per group, one row per 32-bit lane of a 512-bit register; see there) and produce
/// bitwise the same results: the integer dot products are exact in every tier, and every lane
/// (a weight row × activation row pair) executes the same float operations in the same order —
/// per block `acc = fma(float(dot), d_w·d_a, acc)`, plus `acc = fma(m_w, s_a, acc)` for Q4_1.

/// The tiers, best last.
enum pantry_kernel_tier {
    PANTRY_KERNELS_PORTABLE = 0,   ///< Swift SIMD kernels only
    PANTRY_KERNELS_AVX2 = 1,       ///< AVX2 + FMA + F16C (Haswell, Zen 1 and later)
    PANTRY_KERNELS_AVXVNNI = 2,    ///< AVX2 with AVX-VNNI `vpdpbusd` on 256 bits (Alder Lake and later)
    PANTRY_KERNELS_AVX512VNNI = 3, ///< AVX-512 F/BW/VL + VNNI (Ice Lake, Sapphire Rapids, Zen 4)
};

/// Whether this CPU (and OS) can run `tier`.
int pantry_kernels_supported(int tier);

/// Sixteen Q4_1 rows (`group`, `blocks` blocks of 320 bytes) × `count` (1 or 4) activation rows:
/// int8 values `qa` (row stride `n` bytes), per-block scales `da` and sums `sa` (row stride
/// `blocks`). Row `i`'s sixteen results go to `out + i·out_stride`.
typedef void (*pantry_packed_q4_1_fn)(const void *group, size_t blocks, int count, const int8_t *qa,
                                      const float *da, const float *sa, size_t n, float *out, size_t out_stride);

/// Sixteen Q8_0 rows (weights stored +128, then the scales) × `count` activation rows; `bias`
/// holds −128·Σq per activation block (the correction the biased weights need).
typedef void (*pantry_packed_q8_0_fn)(const void *group, size_t blocks, int count, const int8_t *qa,
                                      const float *da, const int32_t *bias, size_t n, float *out, size_t out_stride);

/// `out[i] = dot(q, keys + i·stride, 64) · scale` for sixteen keys, where `dot` sums sixteen-lane
/// partial products in the order of the Swift kernel `Kernels.dotF32` (bitwise equal to it).
typedef void (*pantry_scores16x64_fn)(const float *q, const float *keys, size_t stride, float scale, float *out);

/// Float products for few rows (the sentence encoder): `y[r, 0..<64·panel_count] = bias + x[r]·Wᵀ`
/// for `rows` rows of `k` values (row stride `k`; `y` row stride `ldy`), where W (`64·panel_count`
/// × `k`) is repacked into panels of 64 outputs, each `k` × 64 floats. A row's result does not
/// depend on the other rows (bitwise). Not bitwise equal across tiers (AVX2 and AVX-512 sum
/// in the same order but BLAS does not).
typedef void (*pantry_f32_panels_fn)(const float *x, size_t rows, size_t k, const float *panels, size_t panel_count,
                                     const float *bias, float *y, size_t ldy);

typedef struct {
    pantry_packed_q4_1_fn packed_q4_1;
    pantry_packed_q8_0_fn packed_q8_0;
    pantry_scores16x64_fn scores16x64; ///< NULL: the Swift kernel is as fast
    pantry_f32_panels_fn f32_panels;
} pantry_kernel_table;

/// The kernels of `tier`, or NULL for the portable tier, a tier this CPU lacks, or a build for
/// another architecture.
const pantry_kernel_table *pantry_kernels_for_tier(int tier);

#endif
