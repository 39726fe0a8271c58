/* ps-reduce.h — ATen 1.13's CPU sum/mean (cascade_sum in SumKernel.cpp), bit for bit.
 *
 * torch sums float32 with float accumulators in a fixed tree: 8 vector lanes (AVX2 and DEFAULT
 * builds; Vectorized<float>::size(); 16 at ATEN_CPU_CAPABILITY=avx512: ps_threads_aten_lanes),
 * four interleaved row partials, and a four-level cascade whose level size grows with the length
 * (TRAINING-PARITY.md §3). Plain left-to-right sums differ in the last bits for ~half of the
 * results. Valid while torch runs one intra-op thread or the reduction has fewer than 32 768
 * elements (parallel_reduce splits above GRAIN_SIZE). */
#pragma once

#include <glib.h>
#include <stdint.h>

G_BEGIN_DECLS

/* x.sum() of n contiguous floats (also the sum of one contiguous row: x.sum(-1)). */
float ps_reduce_sum         (const float *x, int64_t n);
/* The inner reduction with `lanes` vector lanes (ps_reduce_sum: ps_threads_aten_lanes), without the
 * final "0 +" that turns a -0 sum into +0 (Slow2d's grad_bias accumulates these sums itself). */
#define PS_REDUCE_MAX_LANES 16
float ps_reduce_sum_lanes   (const float *x, int64_t n, int lanes);
/* x.sum(0) of a row-major (rows, cols) matrix into out[cols] (the outer reduction, e.g. a Linear
 * bias gradient). */
void  ps_reduce_sum_dim0    (const float *x, int64_t rows, int64_t cols, float *out);
/* vec::reduce_all(+) over n contiguous floats (softmax's and log_softmax's row sums): fewer than
 * the lanes (8; 16 at the AVX512 capability when avx2 is TRUE) → left to right; otherwise lane
 * accumulators over the full vectors, the partial last vector added into the first lanes, then the
 * lanes folded as VecReduceAllSIMD<float> does (ps_reduce_fold), or in order when avx2 is FALSE
 * (ATEN_CPU_CAPABILITY=default). */
float ps_reduce_all_sum     (const float *v, int64_t n, gboolean avx2);
/* vec::map2_reduce_all of g·y over n contiguous floats (_vec_softmax_backward's row dot): fewer
 * than the lanes (8; 16 at the AVX512 capability when fused) → left to right; otherwise the first
 * vector's products, then acc = fma(g, y, acc) over the whole vectors and the partial last one
 * into the first lanes, folded by ps_reduce_fold; fused FALSE (ATEN_CPU_CAPABILITY=default): 8
 * lanes without FMA, folded in lane order. */
float ps_reduce_dot_all     (const float *g, const float *y, int64_t n, gboolean fused);
/* VecReduceAllSIMD<float>'s fold of 8 (AVX2) or 16 (AVX512) lane accumulators: the upper half added
 * onto the lower down to 4 lanes, then (a0 + a2) + (a1 + a3). */
float ps_reduce_fold        (const float *lanes, int n_lanes);
/* Reference: double accumulation, for tests. */
double ps_reduce_sum_naive  (const float *x, int64_t n);

G_END_DECLS
