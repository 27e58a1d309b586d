#ifndef PANTRY_VECTOR_KERNELS_H
#define PANTRY_VECTOR_KERNELS_H

#include <stddef.h>

/// Distance kernels for the vector index, one build per instruction-set tier (AVX-512, AVX2 +
/// FMA, portable C), chosen once at run time by CPU detection. Compiled without
/// -march=native, so the binary runs on any x86-64 CPU (and elsewhere, portable only).

/// The tiers, best last.
enum pantry_vector_tier { PANTRY_VECTOR_PORTABLE = 0, PANTRY_VECTOR_AVX2 = 1, PANTRY_VECTOR_AVX512 = 2 };

/// Highest tier this CPU (and OS) supports.
int pantry_vector_best_tier(void);

/// Selects `tier` for all later calls; returns 0, or -1 when the CPU lacks it (nothing changes).
int pantry_vector_select_tier(int tier);

/// The tier in use (selected, or the best one by default).
int pantry_vector_tier(void);

/// Σ a[i]·b[i].
float pantry_vector_dot(const float *a, const float *b, size_t count);

/// Σ (a[i] − b[i])².
float pantry_vector_l2sq(const float *a, const float *b, size_t count);

/// Asks the CPU to start loading the cache lines of `bytes` bytes from `address`.
static inline void pantry_prefetch(const void *address, size_t bytes) {
    const char *p = (const char *)address;
    for (size_t offset = 0; offset < bytes; offset += 64) __builtin_prefetch(p + offset, 0, 3);
}

#endif
