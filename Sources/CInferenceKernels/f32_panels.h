#ifndef PANTRY_F32_PANELS_H
#define PANTRY_F32_PANELS_H
#include "include/inference_kernels.h"

void pantry_f32_panels_avx512(const float *x, size_t rows, size_t k, const float *panels, size_t panel_count,
                              const float *bias, float *y, size_t ldy);
void pantry_f32_panels_avx2(const float *x, size_t rows, size_t k, const float *panels, size_t panel_count,
                            const float *bias, float *y, size_t ldy);
#endif
