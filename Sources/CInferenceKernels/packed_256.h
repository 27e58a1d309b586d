// The 256-bit kernels, included by inference_kernels.c once per tier with TIER_NAME (a suffix),
// TIER_TARGET (Clang target features) and TIER_VNNI (1: `vpdpbusd`, 0: AVX2 multiply-adds).
//
// A 512-bit register of the packed layout holds one lane per row of a sixteen-row group; here
// each group is done in two halves of eight rows (the low and high 32 bytes of every 64-byte
// register), with the same per-lane operations as the 512-bit kernels.

#define PASTE2(a, b) a##_##b
#define PASTE(a, b) PASTE2(a, b)
#define FN(name) PASTE(name, TIER_NAME)
#define TARGET __attribute__((target(TIER_TARGET)))
#define INLINE static inline __attribute__((always_inline)) TARGET

INLINE __m256i FN(broadcast)(const uint8_t *a) {
    int32_t v;
    memcpy(&v, a, 4);
    return _mm256_set1_epi32(v);
}

#if TIER_VNNI
// `start` + Σ w·a over one block for eight rows (unsigned w, signed a), in two chains.
INLINE __m256i FN(dpbusd_block)(const __m256i w[8], const uint8_t *a, __m256i start) {
    __m256i x = _mm256_dpbusd_avx_epi32(start, w[0], FN(broadcast)(a));
    __m256i y = _mm256_dpbusd_avx_epi32(_mm256_setzero_si256(), w[1], FN(broadcast)(a + 4));
    for (int k = 2; k < 8; k += 2) {
        x = _mm256_dpbusd_avx_epi32(x, w[k], FN(broadcast)(a + 4 * k));
        y = _mm256_dpbusd_avx_epi32(y, w[k + 1], FN(broadcast)(a + 4 * k + 4));
    }
    return _mm256_add_epi32(x, y);
}
#endif

// Σ w·a over one 32-element block for eight rows: Q4_1 weights are unsigned nibbles.
INLINE __m256i FN(dot_q4)(const __m256i w[8], const uint8_t *a) {
#if TIER_VNNI
    return FN(dpbusd_block)(w, a, _mm256_setzero_si256());
#else
    // A pair of products fits int16 (2·15·127), and so do eight pairs summed (30,480).
    __m256i s = _mm256_maddubs_epi16(w[0], FN(broadcast)(a));
    for (int k = 1; k < 8; k++) s = _mm256_add_epi16(s, _mm256_maddubs_epi16(w[k], FN(broadcast)(a + 4 * k)));
    return _mm256_madd_epi16(s, _mm256_set1_epi16(1));
#endif
}

// Σ w·a for Q8_0. VNNI: `w` are the stored weights (+128) and `bias` = −128·Σa corrects them.
// AVX2: `w` are |weight| and `sign` the weights (so `a·sign(w)` carries the sign); a pair of
// products is at most 2·128·127, which fits int16 (activations never hold −128).
INLINE __m256i FN(dot_q8)(const __m256i w[8], const __m256i sign[8], const uint8_t *a, int32_t bias) {
#if TIER_VNNI
    (void)sign;
    return FN(dpbusd_block)(w, a, _mm256_set1_epi32(bias));
#else
    (void)bias;
    const __m256i ones = _mm256_set1_epi16(1);
    __m256i s = _mm256_setzero_si256();
    for (int k = 0; k < 8; k++) {
        __m256i p = _mm256_maddubs_epi16(w[k], _mm256_sign_epi8(FN(broadcast)(a + 4 * k), sign[k]));
        s = _mm256_add_epi32(s, _mm256_madd_epi16(p, ones));
    }
    return s;
#endif
}

// acc = fma(float(dot), d·da, acc)
INLINE __m256 FN(scaled)(__m256 acc, __m256i dot, __m256 d, float da) {
    return _mm256_fmadd_ps(_mm256_cvtepi32_ps(dot), _mm256_mul_ps(d, _mm256_set1_ps(da)), acc);
}

INLINE __m256 FN(halves)(const uint8_t *p) { return _mm256_cvtph_ps(_mm_loadu_si128((const __m128i *)p)); }

INLINE void FN(q4_1_rows)(const uint8_t *g, size_t nb, const int count, const uint8_t *a, const float *da,
                          const float *sa, size_t n, float *out, size_t out_stride) {
    const __m256i mask = _mm256_set1_epi8(0x0F);
    for (int h = 0; h < 2; h++) {
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (size_t b = 0; b < nb; b++) {
            const uint8_t *blk = g + 320 * b;
            __m256i w[8];
            for (int m = 0; m < 4; m++) {
                __m256i p = _mm256_loadu_si256((const __m256i *)(blk + 64 * m + 32 * h));
                w[2 * m] = _mm256_and_si256(p, mask);
                w[2 * m + 1] = _mm256_and_si256(_mm256_srli_epi32(p, 4), mask);
            }
            __m256 d = FN(halves)(blk + 256 + 16 * h), mins = FN(halves)(blk + 288 + 16 * h);
            for (int i = 0; i < count; i++) {
                acc[i] = FN(scaled)(acc[i], FN(dot_q4)(w, a + i * n + 32 * b), d, da[i * nb + b]);
                acc[i] = _mm256_fmadd_ps(mins, _mm256_set1_ps(sa[i * nb + b]), acc[i]);
            }
        }
        for (int i = 0; i < count; i++) _mm256_storeu_ps(out + i * out_stride + 8 * h, acc[i]);
    }
}

static TARGET void FN(packed_q4_1)(const void *group, size_t nb, int count, const int8_t *qa, const float *da,
                                   const float *sa, size_t n, float *out, size_t out_stride) {
    if (count == 4) FN(q4_1_rows)(group, nb, 4, (const uint8_t *)qa, da, sa, n, out, out_stride);
    else FN(q4_1_rows)(group, nb, 1, (const uint8_t *)qa, da, sa, n, out, out_stride);
}

INLINE void FN(q8_0_rows)(const uint8_t *g, size_t nb, const int count, const uint8_t *a, const float *da,
                          const int32_t *bias, size_t n, float *out, size_t out_stride) {
    const uint8_t *scales = g + 512 * nb;
    for (int h = 0; h < 2; h++) {
        __m256 acc[4] = {_mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps(), _mm256_setzero_ps()};
        for (size_t b = 0; b < nb; b++) {
            __m256i w[8], sign[8];
            for (int k = 0; k < 8; k++) {
                w[k] = _mm256_loadu_si256((const __m256i *)(g + 512 * b + 64 * k + 32 * h));
#if !TIER_VNNI
                sign[k] = _mm256_xor_si256(w[k], _mm256_set1_epi8((char)0x80)); // the signed weights
                w[k] = _mm256_abs_epi8(sign[k]);
#endif
            }
            __m256 d = FN(halves)(scales + 32 * b + 16 * h);
            for (int i = 0; i < count; i++)
                acc[i] = FN(scaled)(acc[i], FN(dot_q8)(w, sign, a + i * n + 32 * b, bias[i * nb + b]), d, da[i * nb + b]);
        }
        for (int i = 0; i < count; i++) _mm256_storeu_ps(out + i * out_stride + 8 * h, acc[i]);
    }
}

static TARGET void FN(packed_q8_0)(const void *group, size_t nb, int count, const int8_t *qa, const float *da,
                                   const int32_t *bias, size_t n, float *out, size_t out_stride) {
    if (count == 4) FN(q8_0_rows)(group, nb, 4, (const uint8_t *)qa, da, bias, n, out, out_stride);
    else FN(q8_0_rows)(group, nb, 1, (const uint8_t *)qa, da, bias, n, out, out_stride);
}

#undef PASTE2
#undef PASTE
#undef FN
#undef TARGET
#undef INLINE
