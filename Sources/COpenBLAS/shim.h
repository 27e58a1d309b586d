#include <cblas.h>

// LAPACK routines from OpenBLAS (Fortran calling convention; Debian ships no LAPACKE header
// with libopenblas-dev). Column-major; `uplo` is "U" or "L"; `info` 0 on success.
void dpotrf_(const char *uplo, const int *n, double *a, const int *lda, int *info);
void dpotri_(const char *uplo, const int *n, double *a, const int *lda, int *info);
