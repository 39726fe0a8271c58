/* ps-stats.h — summary statistics of tensors in one pass.
 *
 * Works on float32 and int64 tensors (int64 values are taken as double). Every element is counted
 * in `count`; NaN, +Inf and -Inf are counted separately and the moments, extrema and norm are
 * those of the FINITE values only (so one NaN does not hide the distribution of the others; the
 * NaN/Inf counts say it is there). With no finite value, mean/std/min/max/norm are NaN.
 *
 * Method: the data is cut into blocks of PS_STATS_BLOCK elements; per block the mean and the sum
 * of squared deviations M2 are computed in double — with AVX2+FMA in one pass of sums of x − x0
 * and (x − x0)² (x0 the block's first value, which bounds the cancellation: relative error of M2
 * <= ~n·ε ≈ 1e-12), otherwise in two passes while the block is in L1 — and blocks are merged with
 * Chan et al.'s pairwise update. Memory is read once. std matches torch.std (unbiased, n − 1) and
 * torch.std(unbiased=False) / numpy.std (population, n). PS_DISABLE_SIMD=1 in the environment
 * forces the portable kernels (tests use it).
 *
 * Quantiles are numpy.quantile(method='linear') on the finite values, found by selection (no
 * full sort); q is a fraction in [0, 1]. */
#pragma once

#include <glib.h>
#include "ps-error.h"
#include "ps-tensor.h"

G_BEGIN_DECLS

#define PS_STATS_BLOCK 4096
#define PS_STATS_N_STANDARD_QUANTILES 9

/* 0.001 0.01 0.05 0.25 0.5 0.75 0.95 0.99 0.999 (TensorBoard's bands plus the 0.1 % tails) */
extern const double ps_stats_standard_quantiles[PS_STATS_N_STANDARD_QUANTILES];

typedef struct {
  int64_t count;        /* every element */
  int64_t n_finite;
  int64_t n_nan, n_posinf, n_neginf;
  int64_t n_zero;       /* == 0 (also -0.0) */
  double mean;          /* of finite values */
  double m2;            /* sum of squared deviations from mean (accumulator) */
  double min, max;      /* finite values */
  /* Filled by ps_stats_finish: */
  double std;           /* unbiased (n-1), like torch.std; NaN for n_finite < 2 */
  double std_pop;       /* population (n), like numpy.std */
  double var, var_pop;
  double l2_norm;       /* sqrt(sum x^2) of finite values */
  double abs_max;       /* max |x| of finite values */
} PsStats;

/* Streaming interface: init, add chunks, merge partial results, finish. */
void      ps_stats_init         (PsStats *s);
void      ps_stats_add_f32      (PsStats *s, const float *x, gsize n);
void      ps_stats_add_f64      (PsStats *s, const double *x, gsize n);
void      ps_stats_merge        (PsStats *s, const PsStats *other);
void      ps_stats_finish       (PsStats *s);

/* One tensor. */
void      ps_stats_compute      (const PsTensor *t, PsStats *out);
/* Several tensors as one population (a module, a whole model). n_tensors may be 0. */
void      ps_stats_compute_many (const PsTensor *const *tensors, gsize n_tensors, PsStats *out);

/* numpy.quantile(finite values, q, method='linear') for each of q[0..nq-1] (fractions in [0, 1],
 * any order), written to out[0..nq-1]. With no finite value every result is NaN. Needs a copy of
 * the finite values (numel × 4 bytes for float32, × 8 for int64); an allocation failure or a q
 * outside [0, 1] is an error. */
gboolean  ps_stats_quantiles      (const PsTensor *t, const double *q, gsize nq, double *out,
                                   GError **error);
gboolean  ps_stats_quantiles_many (const PsTensor *const *tensors, gsize n_tensors,
                                   const double *q, gsize nq, double *out, GError **error);

/* Quantiles of a plain array, which the caller allows to be reordered in place (NaN/Inf must
 * have been removed). Exposed for the histogram range and tests. */
void      ps_stats_quantiles_inplace_f32 (float *x, gsize n, const double *q, gsize nq, double *out);

G_END_DECLS
