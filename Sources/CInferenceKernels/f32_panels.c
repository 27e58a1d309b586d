// Float matrix products for few rows (a sentence's tokens): y = bias + x·Wᵀ with W repacked
// once into panels of 64 outputs (`k` × 64 floats each, contiguous), so that the weights stream
// in order and each loaded weight vector serves six activation rows. BLAS packs the weights
// again on every call, which dominates when rows are few (3.6× slower at ten rows here).
//
// Every row is computed by the same operations in the same order whatever the number of rows
// and its position in the batch: one sequence encoded alone or inside a batch gives bitwise
// the same result.
#include "f32_panels.h"

#if defined(__x86_64__)
#include <immintrin.h>

#define ROWS 6

__attribute__((target("avx512f,fma")))
void pantry_f32_panels_avx512(const float *x, size_t rows, size_t k, const float *panels, size_t panel_count,
                              const float *bias, float *y, size_t ldy) {
    for (size_t p = 0; p < panel_count; p++) {
        const float *panel = panels + p * k * 64;
        __m512 b0 = _mm512_loadu_ps(bias + 64 * p), b1 = _mm512_loadu_ps(bias + 64 * p + 16);
        __m512 b2 = _mm512_loadu_ps(bias + 64 * p + 32), b3 = _mm512_loadu_ps(bias + 64 * p + 48);
        for (size_t r0 = 0; r0 < rows; r0 += ROWS) {
            const size_t count = rows - r0 < ROWS ? rows - r0 : ROWS;
            const float *xr = x + r0 * k;
            __m512 acc[ROWS][4];
            for (int a = 0; a < ROWS; a++) { acc[a][0] = b0; acc[a][1] = b1; acc[a][2] = b2; acc[a][3] = b3; }
            if (count == ROWS) {
                for (size_t j = 0; j < k; j++) {
                    const float *w = panel + j * 64;
                    __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16), w2 = _mm512_loadu_ps(w + 32), w3 = _mm512_loadu_ps(w + 48);
#pragma unroll
                    for (int a = 0; a < ROWS; a++) {
                        __m512 v = _mm512_set1_ps(xr[a * k + j]);
                        acc[a][0] = _mm512_fmadd_ps(v, w0, acc[a][0]);
                        acc[a][1] = _mm512_fmadd_ps(v, w1, acc[a][1]);
                        acc[a][2] = _mm512_fmadd_ps(v, w2, acc[a][2]);
                        acc[a][3] = _mm512_fmadd_ps(v, w3, acc[a][3]);
                    }
                }
            } else {
                for (size_t j = 0; j < k; j++) {
                    const float *w = panel + j * 64;
                    __m512 w0 = _mm512_loadu_ps(w), w1 = _mm512_loadu_ps(w + 16), w2 = _mm512_loadu_ps(w + 32), w3 = _mm512_loadu_ps(w + 48);
                    for (size_t a = 0; a < count; a++) {
                        __m512 v = _mm512_set1_ps(xr[a * k + j]);
                        acc[a][0] = _mm512_fmadd_ps(v, w0, acc[a][0]);
                        acc[a][1] = _mm512_fmadd_ps(v, w1, acc[a][1]);
                        acc[a][2] = _mm512_fmadd_ps(v, w2, acc[a][2]);
                        acc[a][3] = _mm512_fmadd_ps(v, w3, acc[a][3]);
                    }
                }
            }
            for (size_t a = 0; a < count; a++) {
                float *out = y + (r0 + a) * ldy + 64 * p;
                for (int c = 0; c < 4; c++) _mm512_storeu_ps(out + 16 * c, acc[a][c]);
            }
        }
    }
}

// AVX2: sixteen registers, so each panel is done in four slices of sixteen outputs
// (six rows × two registers of accumulators).
__attribute__((target("avx2,fma")))
void pantry_f32_panels_avx2(const float *x, size_t rows, size_t k, const float *panels, size_t panel_count,
                            const float *bias, float *y, size_t ldy) {
    for (size_t p = 0; p < panel_count; p++) {
        const float *panel = panels + p * k * 64;
        for (int s = 0; s < 4; s++) {
            __m256 b0 = _mm256_loadu_ps(bias + 64 * p + 16 * s), b1 = _mm256_loadu_ps(bias + 64 * p + 16 * s + 8);
            for (size_t r0 = 0; r0 < rows; r0 += ROWS) {
                const size_t count = rows - r0 < ROWS ? rows - r0 : ROWS;
                const float *xr = x + r0 * k;
                __m256 acc[ROWS][2];
                for (int a = 0; a < ROWS; a++) { acc[a][0] = b0; acc[a][1] = b1; }
                for (size_t j = 0; j < k; j++) {
                    const float *w = panel + j * 64 + 16 * s;
                    __m256 w0 = _mm256_loadu_ps(w), w1 = _mm256_loadu_ps(w + 8);
                    for (size_t a = 0; a < count; a++) {
                        __m256 v = _mm256_broadcast_ss(xr + a * k + j);
                        acc[a][0] = _mm256_fmadd_ps(v, w0, acc[a][0]);
                        acc[a][1] = _mm256_fmadd_ps(v, w1, acc[a][1]);
                    }
                }
                for (size_t a = 0; a < count; a++) {
                    float *out = y + (r0 + a) * ldy + 64 * p + 16 * s;
                    _mm256_storeu_ps(out, acc[a][0]);
                    _mm256_storeu_ps(out + 8, acc[a][1]);
                }
            }
        }
    }
}
#endif
