/* ps-ops.h — forward kernels shared by layers. Row-major float32 throughout.
 * Fast paths go through OpenBLAS the way ATen calls it (so results are bit-exact when the same
 * OpenBLAS and thread count are used); each has a naive reference kernel for tests. */
#pragma once

#include <glib.h>
#include <stdbool.h>
#include "ps-tensor.h"
#include "ps-generator.h"

G_BEGIN_DECLS

/* The OpenBLAS thread count every ps_ops_* BLAS call runs with: OpenBLAS's own default for this
 * process (OPENBLAS_NUM_THREADS / GOTO_NUM_THREADS / OMP_NUM_THREADS, else the CPU count — what
 * torch's OpenBLAS uses in the same environment), or PS_BLAS_THREADS when set. Results of
 * sgemm depend on it (1 vs ≥2 threads differ); see ps-ops.c. */
int       ps_ops_blas_threads (void);
/* FALSE with PS_ERROR_NO_MEMORY when OpenBLAS could not map its work buffer (it would retry forever
 * instead of failing): call before the first BLAS call of an operation that reports errors. */
gboolean  ps_ops_blas_ready (GError **error);
/* TRUE when no ps_ops_blas_ready passed and OpenBLAS's buffer still cannot be mapped now: a worker
 * (started when the library loaded) may be stuck in its allocation loop, and OpenBLAS's exit handler
 * (blas_shutdown joins the workers) would wait for it forever — a process should then leave with
 * _exit after flushing its output. */
gboolean  ps_ops_blas_stuck (void);

/* C(m,n) = alpha·op(A)·op(B) + beta·C, row-major, a thin wrapper over cblas_sgemm. */
void      ps_ops_sgemm        (bool trans_a, bool trans_b, int64_t m, int64_t n, int64_t k,
                               float alpha, const float *a, int64_t lda, const float *b, int64_t ldb,
                               float beta, float *c, int64_t ldc);

/* y (rows, out) = x (rows, in) · wᵀ (+ b) on raw rows, as ATen's addmm (bias pre-filled,
 * beta = 1) or, without b, mm (beta = 0): one sgemm call, so the same rounding as torch with the
 * same OpenBLAS. The caller has checked that every dimension fits in an int. Used by the layers
 * that run Linear-like projections inside their forward (RNN gates, attention projections). */
void      ps_ops_linear_rows  (const float *x, int64_t rows, int64_t in, const float *w, int64_t out,
                               const float *b, float *y);

/* The Fortran sgemm_ call itself (column-major), as ATen's cpublas::gemm makes it; threads pinned
 * as for ps_ops_sgemm. Dimensions must fit int (checked by the caller). */
void      ps_ops_sgemm_f77    (char transa, char transb, int64_t m, int64_t n, int64_t k, float alpha,
                               const float *a, int64_t lda, const float *b, int64_t ldb, float beta,
                               float *c, int64_t ldc);

/* torch.nn.functional.linear(x, w, b) exactly as ATen 1.13 does it: x (..., in), w (out, in),
 * b (out) (or a one-element bias) or NULL; result (..., out).
 *   - 2-D input, or 3-D input, with bias: addmm on the flattened (N, in) input with Y pre-filled
 *     with the broadcast bias (beta = 1);
 *   - 1-D input, ≥4-D input, or no bias: matmul = mm on the (N, in) fold with beta = 0, then
 *     Y += bias. (The two round differently once K > 384; see ps-ops.c.)
 * Shape errors carry torch's message, e.g. "mat1 and mat2 shapes cannot be multiplied (1x5 and
 * 10x5)". */
PsTensor *ps_ops_linear       (const PsTensor *x, const PsTensor *w, const PsTensor *b, GError **error);
/* Reference: plain loops with double accumulation. Same contract. */
PsTensor *ps_ops_linear_naive (const PsTensor *x, const PsTensor *w, const PsTensor *b, GError **error);

/* at::dropout on CPU (1.13) on n values: mask = bernoulli_(1 − p) (ps_generator_bernoulli_f32: one
 * random64 per value, none for p = 1), noise = mask / (float)(1 − p), out = x·noise. out may be x
 * (in place). The caller decides when dropout applies (training, p > 0). */
gboolean  ps_ops_dropout      (const float *x, float *out, int64_t n, double p, PsGenerator *gen, GError **error);

G_END_DECLS
