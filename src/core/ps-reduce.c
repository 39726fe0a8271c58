/* ps-reduce.c — ATen's cascade_sum for float32 (see ps-reduce.h).
 *
 * The kernel keeps Vectorized<float>::size() = 8 independent lane accumulators; each lane runs
 * the same scalar control flow, so a strided scalar loop per lane reproduces the vector code. */
#include "ps-reduce.h"
#include "ps-cpu.h"
#include "ps-threads.h"

#include <string.h>

#include <math.h>

/* Vectorized<float>::size() of the ATen build torch runs: 16 at the AVX512 capability, else 8 */
static int
aten_lanes (void)
{
  return ps_threads_aten_lanes ();
}

static int64_t
ceil_log2 (int64_t x)
{
  if (x <= 2)
    return 1;
  return 64 - __builtin_clzll ((unsigned long long) (x - 1));
}

/* multi_row_sum for one column: `size` elements x[i * stride], four cascade levels. */
static float
cascade (const float *x, int64_t stride, int64_t size)
{
  const int64_t lp = MAX ((int64_t) 4, ceil_log2 (size) / 4);
  const int64_t step = (int64_t) 1 << lp;
  const int64_t mask = step - 1;
  float acc[4] = { 0.0f, 0.0f, 0.0f, 0.0f };
  int64_t i = 0;
  while (i + step <= size)
    {
      for (int64_t j = 0; j < step; j++, i++)
        acc[0] += x[i * stride];
      for (int j = 1; j < 4; j++)
        {
          acc[j] += acc[j - 1];
          acc[j - 1] = 0.0f;
          if ((i & (mask << (j * lp))) != 0)
            break;
        }
    }
  for (; i < size; i++)
    acc[0] += x[i * stride];
  acc[0] += acc[1];
  acc[0] += acc[2];
  acc[0] += acc[3];
  return acc[0];
}

/* row_sum: four interleaved partial cascades (ilp_factor 4), the remainder into the first. */
static float
row_sum (const float *x, int64_t stride, int64_t size)
{
  const int64_t q = size / 4;
  float p[4];
  for (int k = 0; k < 4; k++)
    p[k] = cascade (x + k * stride, 4 * stride, q);
  for (int64_t i = 4 * q; i < size; i++)
    p[0] += x[i * stride];
  p[0] += p[1];
  p[0] += p[2];
  p[0] += p[3];
  return p[0];
}

/* cascade() and row_sum() of eight adjacent columns at once (x + c, c < 8, rows `stride` apart),
 * into out[0..7]. The control flow depends on the row count only, so vector lane c does exactly
 * the float adds cascade (x + c, …) / row_sum (x + c, …) do, in the same order: the same bits. The
 * scalar per-column loops were a twentieth of a Fashion-MNIST MLP's training step (its Linear bias
 * gradients). */
#if defined(__x86_64__) && defined(__GNUC__)
#define PS_REDUCE_AVX2 1
#pragma GCC push_options
#pragma GCC target ("avx2")
#include <immintrin.h>

static __m256
cascade8_avx2 (const float *x, int64_t stride, int64_t size)
{
  const int64_t lp = MAX ((int64_t) 4, ceil_log2 (size) / 4);
  const int64_t step = (int64_t) 1 << lp;
  const int64_t mask = step - 1;
  __m256 acc[4] = { _mm256_setzero_ps (), _mm256_setzero_ps (), _mm256_setzero_ps (), _mm256_setzero_ps () };
  int64_t i = 0;
  while (i + step <= size)
    {
      for (int64_t j = 0; j < step; j++, i++)
        acc[0] = _mm256_add_ps (acc[0], _mm256_loadu_ps (x + i * stride));
      for (int j = 1; j < 4; j++)
        {
          acc[j] = _mm256_add_ps (acc[j], acc[j - 1]);
          acc[j - 1] = _mm256_setzero_ps ();
          if ((i & (mask << (j * lp))) != 0)
            break;
        }
    }
  for (; i < size; i++)
    acc[0] = _mm256_add_ps (acc[0], _mm256_loadu_ps (x + i * stride));
  acc[0] = _mm256_add_ps (acc[0], acc[1]);
  acc[0] = _mm256_add_ps (acc[0], acc[2]);
  acc[0] = _mm256_add_ps (acc[0], acc[3]);
  return acc[0];
}

static __m256
row_sum8_avx2 (const float *x, int64_t stride, int64_t size)
{
  const int64_t q = size / 4;
  __m256 p[4];
  for (int k = 0; k < 4; k++)
    p[k] = cascade8_avx2 (x + k * stride, 4 * stride, q);
  for (int64_t i = 4 * q; i < size; i++)
    p[0] = _mm256_add_ps (p[0], _mm256_loadu_ps (x + i * stride));
  p[0] = _mm256_add_ps (p[0], p[1]);
  p[0] = _mm256_add_ps (p[0], p[2]);
  p[0] = _mm256_add_ps (p[0], p[3]);
  return p[0];
}

/* out[c] = 0 + cascade (x + c, stride, size) (or row_sum) for c < 8 */
static void
columns8_avx2 (const float *x, int64_t stride, int64_t size, gboolean cascade_only, float *out)
{
  const __m256 s = cascade_only ? cascade8_avx2 (x, stride, size) : row_sum8_avx2 (x, stride, size);
  _mm256_storeu_ps (out, _mm256_add_ps (_mm256_setzero_ps (), s));
}
#pragma GCC pop_options
#endif

/* out[c] = 0 + cascade (x + c, stride, size) (or row_sum) for c < `lanes` (a multiple of 8) */
static void
columns (const float *x, int64_t stride, int64_t size, int64_t lanes, gboolean cascade_only, float *out)
{
  int64_t c = 0;
#ifdef PS_REDUCE_AVX2
  if ((ps_cpu_features () & PS_CPU_AVX2) != 0)
    for (; c + 8 <= lanes; c += 8)
      columns8_avx2 (x + c, stride, size, cascade_only, out + c);
#endif
  for (; c < lanes; c++)
    out[c] = 0.0f + (cascade_only ? cascade (x + c, stride, size) : row_sum (x + c, stride, size));
}

float
ps_reduce_sum_lanes (const float *x, int64_t n, int lanes)
{
  g_return_val_if_fail (lanes >= 1 && lanes <= PS_REDUCE_MAX_LANES, NAN);
  if (n < lanes)
    return row_sum (x, 1, n);
  const int64_t nv = n / lanes;
  float lane[PS_REDUCE_MAX_LANES];
  for (int l = 0; l < lanes; l++)
    lane[l] = row_sum (x + l, lanes, nv);
  float f = 0.0f;
  for (int64_t k = lanes * nv; k < n; k++)   /* the scalar tail comes first */
    f += x[k];
  for (int l = 0; l < lanes; l++)
    f += lane[l];
  return f;
}

float
ps_reduce_sum (const float *x, int64_t n)
{
  return 0.0f + ps_reduce_sum_lanes (x, n, aten_lanes ());
}

void
ps_reduce_sum_dim0 (const float *x, int64_t rows, int64_t cols, float *out)
{
  const int LANES = aten_lanes ();
  if (cols == 1)
    {
      out[0] = ps_reduce_sum (x, rows);
      return;
    }
  int64_t j = 0;
  if (cols >= LANES)
    {
      /* vectorized_outer_sum: blocks of 4 vectors run multi_row_sum, then single vectors
       * row_sum, then the scalar columns row_sum. */
      for (; j + 4 * LANES <= cols; j += 4 * LANES)
        columns (x + j, cols, rows, 4 * LANES, TRUE, out + j);
      for (; j + LANES <= cols; j += LANES)
        columns (x + j, cols, rows, LANES, FALSE, out + j);
    }
  else
    {
      /* scalar_outer_sum: blocks of 4 columns through multi_row_sum */
      for (; j + 4 <= cols; j += 4)
        for (int64_t c = j; c < j + 4; c++)
          out[c] = 0.0f + cascade (x + c, cols, rows);
    }
  for (; j < cols; j++)
    out[j] = 0.0f + row_sum (x + j, cols, rows);
}

float
ps_reduce_fold (const float *lanes, int n_lanes)
{
  g_return_val_if_fail (n_lanes == 8 || n_lanes == 16, NAN);
  float a[PS_REDUCE_MAX_LANES];
  memcpy (a, lanes, (gsize) n_lanes * sizeof (float));
  /* VecReduceAllSIMD<float>: the upper half added onto the lower (AVX512: 256-bit then 128-bit
   * shuffles; AVX2: the 128-bit one), then the 64- and 32-bit shuffles */
  for (int w = n_lanes / 2; w >= 4; w /= 2)
    for (int l = 0; l < w; l++)
      a[l] = a[l] + a[l + w];
  return (a[0] + a[2]) + (a[1] + a[3]);
}

float
ps_reduce_all_sum (const float *v, int64_t n, gboolean avx2)
{
  /* AVX2 and AVX512 builds fold their lanes with shuffles; DEFAULT's 8 lanes in order */
  const int L = avx2 ? aten_lanes () : 8;
  if (n < L)
    {
      float acc = v[0];
      for (int64_t i = 1; i < n; i++)
        acc += v[i];
      return acc;
    }
  float a[PS_REDUCE_MAX_LANES];
  memcpy (a, v, (gsize) L * sizeof (float));
  int64_t i = L;
  for (; i + L <= n; i += L)
    for (int l = 0; l < L; l++)
      a[l] += v[i + l];
  for (int l = 0; i + l < n; l++)   /* the partial last vector into the first lanes */
    a[l] += v[i + l];
  if (!avx2)
    {
      float acc = a[0];
      for (int l = 1; l < L; l++)
        acc += a[l];
      return acc;
    }
  return ps_reduce_fold (a, L);
}

double
ps_reduce_sum_naive (const float *x, int64_t n)
{
  double s = 0.0;
  for (int64_t i = 0; i < n; i++)
    s += x[i];
  return s;
}

float
ps_reduce_dot_all (const float *g, const float *y, int64_t n, gboolean fused)
{
  const int L = fused ? ps_threads_aten_lanes () : 8;
  if (n < L)
    {
      float s = g[0] * y[0];
      for (int64_t i = 1; i < n; i++)
        s = s + g[i] * y[i];
      return s;
    }
  float acc[PS_REDUCE_MAX_LANES];
  for (int l = 0; l < L; l++)
    acc[l] = g[l] * y[l];
  int64_t i = L;
  for (; i < n - n % L; i += L)
    for (int l = 0; l < L; l++)
      acc[l] = fused ? fmaf (g[i + l], y[i + l], acc[l]) : acc[l] + g[i + l] * y[i + l];
  for (int l = 0; l < n - i; l++)
    acc[l] = fused ? fmaf (g[i + l], y[i + l], acc[l]) : acc[l] + g[i + l] * y[i + l];
  if (fused)
    return ps_reduce_fold (acc, L);
  float s = acc[0];
  for (int l = 1; l < L; l++)
    s = s + acc[l];
  return s;
}
