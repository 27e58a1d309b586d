#include "inference_kernels.h"
#include "f32_panels.h"
#include <string.h>

// Every float operation below is written out (no a·b + c contraction into FMAs the Swift
// kernels do not use): results must be bitwise equal across tiers.
#pragma clang fp contract(off)

#if defined(__x86_64__)
#include <immintrin.h>

// MARK: AVX-512 VNNI: sixteen rows per register

#define T512 __attribute__((target("avx512f,avx512bw,avx512vl,avx512vnni,f16c,fma")))
#define INLINE512 static inline __attribute__((always_inline)) T512

INLINE512 __m512i broadcast_512(const uint8_t *a) {
    int32_t v;
    memcpy(&v, a, 4);
    return _mm512_set1_epi32(v);
}

// The exact Σ w·a of one block for sixteen rows, `start` added (Q8_0's bias correction).
INLINE512 __m512i dot_512(const __m512i w[8], const uint8_t *a, __m512i start) {
    __m512i x = _mm512_dpbusd_epi32(start, w[0], broadcast_512(a));
    __m512i y = _mm512_dpbusd_epi32(_mm512_setzero_si512(), w[1], broadcast_512(a + 4));
    for (int k = 2; k < 8; k += 2) {
        x = _mm512_dpbusd_epi32(x, w[k], broadcast_512(a + 4 * k));
        y = _mm512_dpbusd_epi32(y, w[k + 1], broadcast_512(a + 4 * k + 4));
    }
    return _mm512_add_epi32(x, y);
}

INLINE512 __m512 scaled_512(__m512 acc, __m512i dot, __m512 d, float da) {
    return _mm512_fmadd_ps(_mm512_cvtepi32_ps(dot), _mm512_mul_ps(d, _mm512_set1_ps(da)), acc);
}

INLINE512 __m512 halves_512(const uint8_t *p) { return _mm512_cvtph_ps(_mm256_loadu_si256((const __m256i *)p)); }

INLINE512 void q4_1_rows_512(const uint8_t *g, size_t nb, const int count, const uint8_t *a, const float *da,
                             const float *sa, size_t n, float *out, size_t out_stride) {
    const __m512i mask = _mm512_set1_epi8(0x0F);
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t b = 0; b < nb; b++) {
        const uint8_t *blk = g + 320 * b;
        __m512i w[8];
        for (int m = 0; m < 4; m++) {
            __m512i p = _mm512_loadu_si512(blk + 64 * m);
            w[2 * m] = _mm512_and_si512(p, mask);
            w[2 * m + 1] = _mm512_and_si512(_mm512_srli_epi32(p, 4), mask);
        }
        __m512 d = halves_512(blk + 256), mins = halves_512(blk + 288);
        for (int i = 0; i < count; i++) {
            acc[i] = scaled_512(acc[i], dot_512(w, a + i * n + 32 * b, _mm512_setzero_si512()), d, da[i * nb + b]);
            acc[i] = _mm512_fmadd_ps(mins, _mm512_set1_ps(sa[i * nb + b]), acc[i]);
        }
    }
    for (int i = 0; i < count; i++) _mm512_storeu_ps(out + i * out_stride, acc[i]);
}

static T512 void packed_q4_1_avx512vnni(const void *group, size_t nb, int count, const int8_t *qa, const float *da,
                                        const float *sa, size_t n, float *out, size_t out_stride) {
    if (count == 4) q4_1_rows_512(group, nb, 4, (const uint8_t *)qa, da, sa, n, out, out_stride);
    else q4_1_rows_512(group, nb, 1, (const uint8_t *)qa, da, sa, n, out, out_stride);
}

INLINE512 void q8_0_rows_512(const uint8_t *g, size_t nb, const int count, const uint8_t *a, const float *da,
                             const int32_t *bias, size_t n, float *out, size_t out_stride) {
    const uint8_t *scales = g + 512 * nb;
    __m512 acc[4] = {_mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps(), _mm512_setzero_ps()};
    for (size_t b = 0; b < nb; b++) {
        __m512i w[8];
        for (int k = 0; k < 8; k++) w[k] = _mm512_loadu_si512(g + 512 * b + 64 * k);
        __m512 d = halves_512(scales + 32 * b);
        for (int i = 0; i < count; i++)
            acc[i] = scaled_512(acc[i], dot_512(w, a + i * n + 32 * b, _mm512_set1_epi32(bias[i * nb + b])), d, da[i * nb + b]);
    }
    for (int i = 0; i < count; i++) _mm512_storeu_ps(out + i * out_stride, acc[i]);
}

static T512 void packed_q8_0_avx512vnni(const void *group, size_t nb, int count, const int8_t *qa, const float *da,
                                        const int32_t *bias, size_t n, float *out, size_t out_stride) {
    if (count == 4) q8_0_rows_512(group, nb, 4, (const uint8_t *)qa, da, bias, n, out, out_stride);
    else q8_0_rows_512(group, nb, 1, (const uint8_t *)qa, da, bias, n, out, out_stride);
}

// One round of the 16×16 transpose: swaps bit `s` of the row index with bit `s` of the lane index.
INLINE512 void transpose_round(__m512 r[16], int s, __m512i lo, __m512i hi) {
    for (int p = 0; p < 16; p++) {
        if (p & s) continue;
        __m512 a = r[p], b = r[p + s];
        r[p] = _mm512_permutex2var_ps(a, lo, b);
        r[p + s] = _mm512_permutex2var_ps(a, hi, b);
    }
}

// Sixteen 64-wide dot products: the sixteen-lane partial sums of each key, transposed, so that
// the sequential lane sums (−0 + lane 0 + … + lane 15, as Swift's `SIMD.sum()`) run lane-parallel.
static T512 void scores16x64_avx512vnni(const float *q, const float *keys, size_t stride, float scale, float *out) {
    __m512 q0 = _mm512_loadu_ps(q), q1 = _mm512_loadu_ps(q + 16), q2 = _mm512_loadu_ps(q + 32), q3 = _mm512_loadu_ps(q + 48);
    __m512 r[16];
    for (int p = 0; p < 16; p++) {
        const float *k = keys + p * stride;
        __m512 acc = _mm512_add_ps(_mm512_setzero_ps(), _mm512_mul_ps(q0, _mm512_loadu_ps(k)));
        acc = _mm512_add_ps(acc, _mm512_mul_ps(q1, _mm512_loadu_ps(k + 16)));
        acc = _mm512_add_ps(acc, _mm512_mul_ps(q2, _mm512_loadu_ps(k + 32)));
        r[p] = _mm512_add_ps(acc, _mm512_mul_ps(q3, _mm512_loadu_ps(k + 48)));
    }
    transpose_round(r, 8, _mm512_setr_epi32(0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23),
                    _mm512_setr_epi32(8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31));
    transpose_round(r, 4, _mm512_setr_epi32(0, 1, 2, 3, 16, 17, 18, 19, 8, 9, 10, 11, 24, 25, 26, 27),
                    _mm512_setr_epi32(4, 5, 6, 7, 20, 21, 22, 23, 12, 13, 14, 15, 28, 29, 30, 31));
    transpose_round(r, 2, _mm512_setr_epi32(0, 1, 16, 17, 4, 5, 20, 21, 8, 9, 24, 25, 12, 13, 28, 29),
                    _mm512_setr_epi32(2, 3, 18, 19, 6, 7, 22, 23, 10, 11, 26, 27, 14, 15, 30, 31));
    transpose_round(r, 1, _mm512_setr_epi32(0, 16, 2, 18, 4, 20, 6, 22, 8, 24, 10, 26, 12, 28, 14, 30),
                    _mm512_setr_epi32(1, 17, 3, 19, 5, 21, 7, 23, 9, 25, 11, 27, 13, 29, 15, 31));
    __m512 sum = _mm512_set1_ps(-0.0f);
    for (int i = 0; i < 16; i++) sum = _mm512_add_ps(sum, r[i]);
    sum = _mm512_add_ps(sum, _mm512_setzero_ps()); // dotF32's `+ tail` (0)
    _mm512_storeu_ps(out, _mm512_mul_ps(sum, _mm512_set1_ps(scale)));
}

// MARK: AVX2 and AVX-VNNI: eight rows per register

#define TIER_NAME avx2
#define TIER_TARGET "avx2,fma,f16c"
#define TIER_VNNI 0
#include "packed_256.h"
#undef TIER_NAME
#undef TIER_TARGET
#undef TIER_VNNI

#define TIER_NAME avxvnni
#define TIER_TARGET "avx2,fma,f16c,avxvnni"
#define TIER_VNNI 1
#include "packed_256.h"
#undef TIER_NAME
#undef TIER_TARGET
#undef TIER_VNNI

static const pantry_kernel_table tables[] = {
    [PANTRY_KERNELS_AVX2] = {packed_q4_1_avx2, packed_q8_0_avx2, NULL, pantry_f32_panels_avx2},
    [PANTRY_KERNELS_AVXVNNI] = {packed_q4_1_avxvnni, packed_q8_0_avxvnni, NULL, pantry_f32_panels_avx2},
    [PANTRY_KERNELS_AVX512VNNI] = {packed_q4_1_avx512vnni, packed_q8_0_avx512vnni, scores16x64_avx512vnni, pantry_f32_panels_avx512},
};
#endif

int pantry_kernels_supported(int tier) {
    if (tier == PANTRY_KERNELS_PORTABLE) return 1;
#if defined(__x86_64__)
    // __builtin_cpu_supports also checks that the OS saves the AVX and AVX-512 registers.
    __builtin_cpu_init();
    int avx2 = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("f16c");
    switch (tier) {
    case PANTRY_KERNELS_AVX2: return avx2;
    case PANTRY_KERNELS_AVXVNNI: return avx2 && __builtin_cpu_supports("avxvnni");
    case PANTRY_KERNELS_AVX512VNNI:
        return avx2 && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512vnni");
    }
#endif
    return 0;
}

const pantry_kernel_table *pantry_kernels_for_tier(int tier) {
#if defined(__x86_64__)
    if (tier > PANTRY_KERNELS_PORTABLE && tier <= PANTRY_KERNELS_AVX512VNNI && pantry_kernels_supported(tier))
        return &tables[tier];
#endif
    (void)tier;
    return NULL;
}
