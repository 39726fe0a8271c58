/* ps-stats.c — see ps-stats.h for what is counted and the method. */
#include "ps-stats.h"
#include "ps-cpu.h"

#include <math.h>
#include <stdlib.h>
#include <string.h>

const double ps_stats_standard_quantiles[PS_STATS_N_STANDARD_QUANTILES] = {
  0.001, 0.01, 0.05, 0.25, 0.5, 0.75, 0.95, 0.99, 0.999,
};

void
ps_stats_init (PsStats *s)
{
  memset (s, 0, sizeof *s);
  s->mean = s->min = s->max = NAN;
  s->std = s->std_pop = s->var = s->var_pop = s->l2_norm = s->abs_max = NAN;
}

/* Merge the moments of nb finite values (mean mb, squared deviations m2b) into s (Chan et al.). */
static void
merge_moments (PsStats *s, int64_t nb, double mb, double m2b, double minb, double maxb)
{
  if (nb == 0)
    return;
  int64_t na = s->n_finite;
  if (na == 0)
    {
      s->n_finite = nb;
      s->mean = mb;
      s->m2 = m2b;
      s->min = minb;
      s->max = maxb;
      return;
    }
  int64_t n = na + nb;
  double d = mb - s->mean;
  s->mean += d * ((double) nb / (double) n);
  s->m2 += m2b + d * d * ((double) na * ((double) nb / (double) n));
  if (minb < s->min)
    s->min = minb;
  if (maxb > s->max)
    s->max = maxb;
  s->n_finite = n;
}

/* Eight independent accumulators so the compiler can keep them in vector registers without
 * reassociating anything itself (we compile without -ffast-math). */
static void
block_sum_f32 (const float *restrict x, gsize n, double *sum, float *mn, float *mx, int64_t *zeros)
{
  double acc[8] = { 0 };
  float lo[8], hi[8];
  int32_t z[8] = { 0 };
  for (int k = 0; k < 8; k++)
    lo[k] = hi[k] = x[0];
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      {
        float v = x[i + k];
        acc[k] += (double) v;
        lo[k] = v < lo[k] ? v : lo[k];
        hi[k] = v > hi[k] ? v : hi[k];
        z[k] += v == 0.0f;
      }
  for (; i < n; i++)
    {
      float v = x[i];
      acc[0] += (double) v;
      lo[0] = v < lo[0] ? v : lo[0];
      hi[0] = v > hi[0] ? v : hi[0];
      z[0] += v == 0.0f;
    }
  *sum = ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
  float l = lo[0], h = hi[0];
  int64_t zz = 0;
  for (int k = 0; k < 8; k++)
    {
      l = lo[k] < l ? lo[k] : l;
      h = hi[k] > h ? hi[k] : h;
      zz += z[k];
    }
  *mn = l;
  *mx = h;
  *zeros = zz;
}

static double
block_m2_f32 (const float *restrict x, gsize n, double mean)
{
  double acc[8] = { 0 };
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    for (int k = 0; k < 8; k++)
      {
        double d = (double) x[i + k] - mean;
        acc[k] += d * d;
      }
  for (; i < n; i++)
    {
      double d = (double) x[i] - mean;
      acc[0] += d * d;
    }
  return ((acc[0] + acc[1]) + (acc[2] + acc[3])) + ((acc[4] + acc[5]) + (acc[6] + acc[7]));
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PS_HAVE_AVX2_KERNELS 1

/* AVX2 versions of the two block kernels (chosen at run time). Same arithmetic in double; only
 * the order of the additions differs from the portable loops. */

/* Both kernels' minimum, maximum and zero count over 16 floats a round (two lanes of eight). */
typedef struct {
  __m256 lo, hi, lo2, hi2;
  __m256i z, z2;
} RangeAcc;

__attribute__ ((target ("avx2"), always_inline)) static inline RangeAcc
range_start (float x0)
{
  RangeAcc r;
  r.lo = _mm256_set1_ps (x0);
  r.hi = r.lo2 = r.hi2 = r.lo;
  r.z = r.z2 = _mm256_setzero_si256 ();
  return r;
}

__attribute__ ((target ("avx2"), always_inline)) static inline void
range_add (RangeAcc *r, __m256 v, __m256 w)
{
  const __m256 zero = _mm256_setzero_ps ();
  r->lo = _mm256_min_ps (v, r->lo);
  r->hi = _mm256_max_ps (v, r->hi);
  r->lo2 = _mm256_min_ps (w, r->lo2);
  r->hi2 = _mm256_max_ps (w, r->hi2);
  /* the compare mask is -1 per equal lane */
  r->z = _mm256_sub_epi32 (r->z, _mm256_castps_si256 (_mm256_cmp_ps (v, zero, _CMP_EQ_OQ)));
  r->z2 = _mm256_sub_epi32 (r->z2, _mm256_castps_si256 (_mm256_cmp_ps (w, zero, _CMP_EQ_OQ)));
}

__attribute__ ((target ("avx2"), always_inline)) static inline void
range_finish (const RangeAcc *r, float *lm, float *hm, int64_t *zc)
{
  float l[8], h[8], l2[8], h2[8];
  int32_t zz[8], zz2[8];
  _mm256_storeu_ps (l, r->lo);
  _mm256_storeu_ps (h, r->hi);
  _mm256_storeu_ps (l2, r->lo2);
  _mm256_storeu_ps (h2, r->hi2);
  _mm256_storeu_si256 ((__m256i *) zz, r->z);
  _mm256_storeu_si256 ((__m256i *) zz2, r->z2);
  *lm = l[0];
  *hm = h[0];
  *zc = 0;
  for (int k = 0; k < 8; k++)
    {
      *lm = MIN (*lm, MIN (l[k], l2[k]));
      *hm = MAX (*hm, MAX (h[k], h2[k]));
      *zc += zz[k] + zz2[k];
    }
}
__attribute__ ((target ("avx2"))) static void
block_sum_f32_avx2 (const float *restrict x, gsize n, double *sum, float *mn, float *mx,
                    int64_t *zeros)
{
  __m256d s0 = _mm256_setzero_pd (), s1 = s0, s2 = s0, s3 = s0;
  RangeAcc r = range_start (x[0]);
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    {
      __m256 v = _mm256_loadu_ps (x + i), w = _mm256_loadu_ps (x + i + 8);
      s0 = _mm256_add_pd (s0, _mm256_cvtps_pd (_mm256_castps256_ps128 (v)));
      s1 = _mm256_add_pd (s1, _mm256_cvtps_pd (_mm256_extractf128_ps (v, 1)));
      s2 = _mm256_add_pd (s2, _mm256_cvtps_pd (_mm256_castps256_ps128 (w)));
      s3 = _mm256_add_pd (s3, _mm256_cvtps_pd (_mm256_extractf128_ps (w, 1)));
      range_add (&r, v, w);
    }
  double a[4], b[4], c[4], d[4];
  _mm256_storeu_pd (a, s0);
  _mm256_storeu_pd (b, s1);
  _mm256_storeu_pd (c, s2);
  _mm256_storeu_pd (d, s3);
  double acc = 0;
  for (int k = 0; k < 4; k++)
    acc += (a[k] + b[k]) + (c[k] + d[k]);
  float lm, hm;
  int64_t zc;
  range_finish (&r, &lm, &hm, &zc);
  for (; i < n; i++)
    {
      float v = x[i];
      acc += (double) v;
      lm = v < lm ? v : lm;
      hm = v > hm ? v : hm;
      zc += v == 0.0f;
    }
  *sum = acc;
  *mn = lm;
  *mx = hm;
  *zeros = zc;
}

/* One pass per block: sums of d = x − c and d² with c = x[0], in double. Cancellation in
 * M2 = Σd² − (Σd)²/n is bounded because c is one of the block's values: (mean − c)² <= M2, so
 * the relative error of M2 is at most about n·ε (n <= PS_STATS_BLOCK): ~1e-12. Returns FALSE
 * when the block holds NaN/Inf (the caller then classifies element by element). */
__attribute__ ((target ("avx2,fma"))) static gboolean
block_moments_f32_avx2 (const float *restrict x, gsize n, double *mean, double *m2, float *mn,
                        float *mx, int64_t *zeros)
{
  const __m256d c = _mm256_set1_pd ((double) x[0]);
  __m256d s0 = _mm256_setzero_pd (), s1 = s0, s2 = s0, s3 = s0;
  __m256d q0 = s0, q1 = s0, q2 = s0, q3 = s0;
  RangeAcc r = range_start (x[0]);
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    {
      __m256 v = _mm256_loadu_ps (x + i), w = _mm256_loadu_ps (x + i + 8);
      __m256d d0 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_castps256_ps128 (v)), c);
      __m256d d1 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_extractf128_ps (v, 1)), c);
      __m256d d2 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_castps256_ps128 (w)), c);
      __m256d d3 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_extractf128_ps (w, 1)), c);
      s0 = _mm256_add_pd (s0, d0);
      s1 = _mm256_add_pd (s1, d1);
      s2 = _mm256_add_pd (s2, d2);
      s3 = _mm256_add_pd (s3, d3);
      q0 = _mm256_fmadd_pd (d0, d0, q0);
      q1 = _mm256_fmadd_pd (d1, d1, q1);
      q2 = _mm256_fmadd_pd (d2, d2, q2);
      q3 = _mm256_fmadd_pd (d3, d3, q3);
      range_add (&r, v, w);
    }
  double a[4], b[4];
  _mm256_storeu_pd (a, _mm256_add_pd (_mm256_add_pd (s0, s1), _mm256_add_pd (s2, s3)));
  _mm256_storeu_pd (b, _mm256_add_pd (_mm256_add_pd (q0, q1), _mm256_add_pd (q2, q3)));
  double S1 = (a[0] + a[1]) + (a[2] + a[3]), S2 = (b[0] + b[1]) + (b[2] + b[3]);
  float lm, hm;
  int64_t zc;
  range_finish (&r, &lm, &hm, &zc);
  double x0 = (double) x[0];
  for (; i < n; i++)
    {
      float v = x[i];
      double d = (double) v - x0;
      S1 += d;
      S2 += d * d;
      lm = v < lm ? v : lm;
      hm = v > hm ? v : hm;
      zc += v == 0.0f;
    }
  if (!isfinite (S2) || !isfinite (S1))
    return FALSE;
  *mean = x0 + S1 / (double) n;
  *m2 = MAX (0.0, S2 - S1 * (S1 / (double) n));
  *mn = lm;
  *mx = hm;
  *zeros = zc;
  return TRUE;
}

__attribute__ ((target ("avx2"))) static double
block_m2_f32_avx2 (const float *restrict x, gsize n, double mean)
{
  __m256d s0 = _mm256_setzero_pd (), s1 = s0, s2 = s0, s3 = s0;
  const __m256d m = _mm256_set1_pd (mean);
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    {
      __m256 v = _mm256_loadu_ps (x + i), w = _mm256_loadu_ps (x + i + 8);
      __m256d d0 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_castps256_ps128 (v)), m);
      __m256d d1 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_extractf128_ps (v, 1)), m);
      __m256d d2 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_castps256_ps128 (w)), m);
      __m256d d3 = _mm256_sub_pd (_mm256_cvtps_pd (_mm256_extractf128_ps (w, 1)), m);
      s0 = _mm256_add_pd (s0, _mm256_mul_pd (d0, d0));
      s1 = _mm256_add_pd (s1, _mm256_mul_pd (d1, d1));
      s2 = _mm256_add_pd (s2, _mm256_mul_pd (d2, d2));
      s3 = _mm256_add_pd (s3, _mm256_mul_pd (d3, d3));
    }
  double a[4], b[4], c[4], d[4];
  _mm256_storeu_pd (a, s0);
  _mm256_storeu_pd (b, s1);
  _mm256_storeu_pd (c, s2);
  _mm256_storeu_pd (d, s3);
  double acc = 0;
  for (int k = 0; k < 4; k++)
    acc += (a[k] + b[k]) + (c[k] + d[k]);
  for (; i < n; i++)
    {
      double dd = (double) x[i] - mean;
      acc += dd * dd;
    }
  return acc;
}

static gboolean
have_avx2 (void)
{
  return (ps_cpu_features () & PS_CPU_AVX2) != 0;
}

static gboolean
have_avx2_fma (void)
{
  return (ps_cpu_features () & (PS_CPU_AVX2 | PS_CPU_FMA)) == (PS_CPU_AVX2 | PS_CPU_FMA);
}
#endif

static void
block_sum (const float *x, gsize n, double *sum, float *mn, float *mx, int64_t *zeros)
{
#ifdef PS_HAVE_AVX2_KERNELS
  if (have_avx2 ())
    {
      block_sum_f32_avx2 (x, n, sum, mn, mx, zeros);
      return;
    }
#endif
  block_sum_f32 (x, n, sum, mn, mx, zeros);
}

static double
block_m2 (const float *x, gsize n, double mean)
{
#ifdef PS_HAVE_AVX2_KERNELS
  if (have_avx2 ())
    return block_m2_f32_avx2 (x, n, mean);
#endif
  return block_m2_f32 (x, n, mean);
}

/* Counts v in s when it is a NaN or an infinity (and says so); a finite v is left to the caller. */
static inline gboolean
count_non_finite (PsStats *s, double v)
{
  if (isnan (v))
    s->n_nan++;
  else if (isinf (v))
    {
      if (v > 0)
        s->n_posinf++;
      else
        s->n_neginf++;
    }
  else
    return FALSE;
  return TRUE;
}

static void
block_finite_f32 (PsStats *s, const float *x, gsize n)
{
  double sum;
  float mn, mx;
  int64_t zeros;
  block_sum (x, n, &sum, &mn, &mx, &zeros);
  double mean = sum / (double) n;
  merge_moments (s, n, mean, block_m2 (x, n, mean), mn, mx);
  s->n_zero += zeros;
}

static void
add_block_f32 (PsStats *s, const float *x, gsize n)
{
  double sum;
  float mn, mx;
  int64_t zeros;
  s->count += n;
#ifdef PS_HAVE_AVX2_KERNELS
  if (have_avx2_fma ())
    {
      double mean, m2;
      if (G_LIKELY (block_moments_f32_avx2 (x, n, &mean, &m2, &mn, &mx, &zeros)))
        {
          merge_moments (s, n, mean, m2, mn, mx);
          s->n_zero += zeros;
          return;
        }
      goto classify;
    }
#endif
  block_sum (x, n, &sum, &mn, &mx, &zeros);
  /* A sum of < 2^13 finite floats in double cannot overflow: a non-finite sum means the block
   * holds a NaN or an infinity. That is rare, so only then do we classify element by element. */
  if (G_LIKELY (isfinite (sum)))
    {
      double mean = sum / (double) n;
      merge_moments (s, n, mean, block_m2 (x, n, mean), mn, mx);
      s->n_zero += zeros;
      return;
    }
#ifdef PS_HAVE_AVX2_KERNELS
classify:;
#endif
  float buf[PS_STATS_BLOCK];
  gsize k = 0;
  for (gsize i = 0; i < n; i++)
    if (!count_non_finite (s, x[i]))
      buf[k++] = x[i];
  if (k > 0)
    block_finite_f32 (s, buf, k);
}

void
ps_stats_add_f32 (PsStats *s, const float *x, gsize n)
{
  while (n > 0)
    {
      gsize m = MIN (n, (gsize) PS_STATS_BLOCK);
      add_block_f32 (s, x, m);
      x += m;
      n -= m;
    }
}

/* Double blocks: the generic path (int64 and float64 data); exactness over speed. */
static void
add_block_f64 (PsStats *s, const double *x, gsize n)
{
  double buf[PS_STATS_BLOCK];
  gsize k = 0;
  s->count += n;
  for (gsize i = 0; i < n; i++)
    if (!count_non_finite (s, x[i]))
      buf[k++] = x[i];
  if (k == 0)
    return;
  double acc[4] = { 0 };
  double mn = buf[0], mx = buf[0];
  int64_t zeros = 0;
  for (gsize i = 0; i < k; i++)
    {
      double v = buf[i];
      acc[i & 3] += v;
      mn = v < mn ? v : mn;
      mx = v > mx ? v : mx;
      zeros += v == 0.0;
    }
  double sum = (acc[0] + acc[1]) + (acc[2] + acc[3]);
  double mean = sum / (double) k;
  if (!isfinite (mean))
    {
      /* Sum of huge doubles overflowed: fall back to a running mean. */
      mean = 0;
      for (gsize i = 0; i < k; i++)
        mean += (buf[i] - mean) / (double) (i + 1);
    }
  double m2 = 0;
  for (gsize i = 0; i < k; i++)
    {
      double d = buf[i] - mean;
      m2 += d * d;
    }
  merge_moments (s, k, mean, m2, mn, mx);
  s->n_zero += zeros;
}

void
ps_stats_add_f64 (PsStats *s, const double *x, gsize n)
{
  while (n > 0)
    {
      gsize m = MIN (n, (gsize) PS_STATS_BLOCK);
      add_block_f64 (s, x, m);
      x += m;
      n -= m;
    }
}

static void
ps_stats_add_i64 (PsStats *s, const int64_t *x, gsize n)
{
  double buf[PS_STATS_BLOCK];
  while (n > 0)
    {
      gsize m = MIN (n, (gsize) PS_STATS_BLOCK);
      for (gsize i = 0; i < m; i++)
        buf[i] = (double) x[i];
      add_block_f64 (s, buf, m);
      x += m;
      n -= m;
    }
}

void
ps_stats_merge (PsStats *s, const PsStats *o)
{
  s->count += o->count;
  s->n_nan += o->n_nan;
  s->n_posinf += o->n_posinf;
  s->n_neginf += o->n_neginf;
  s->n_zero += o->n_zero;
  merge_moments (s, o->n_finite, o->mean, o->m2, o->min, o->max);
}

void
ps_stats_finish (PsStats *s)
{
  int64_t n = s->n_finite;
  if (n == 0)
    {
      s->mean = s->min = s->max = NAN;
      s->std = s->std_pop = s->var = s->var_pop = s->l2_norm = s->abs_max = NAN;
      return;
    }
  s->var_pop = s->m2 / (double) n;
  s->std_pop = sqrt (s->var_pop);
  s->var = n > 1 ? s->m2 / (double) (n - 1) : NAN;
  s->std = sqrt (s->var);
  /* sum x² = M2 + n·mean²: both terms are non-negative, so no cancellation. */
  s->l2_norm = sqrt (s->m2 + (double) n * s->mean * s->mean);
  s->abs_max = MAX (fabs (s->min), fabs (s->max));
}

static void
add_tensor (PsStats *s, const PsTensor *t)
{
  if (t->dtype == PS_DTYPE_FLOAT32)
    ps_stats_add_f32 (s, ps_tensor_cf32 (t), (gsize) t->numel);
  else
    ps_stats_add_i64 (s, ps_tensor_ci64 (t), (gsize) t->numel);
}

void
ps_stats_compute (const PsTensor *t, PsStats *out)
{
  g_return_if_fail (t != NULL && out != NULL);
  ps_stats_init (out);
  add_tensor (out, t);
  ps_stats_finish (out);
}

void
ps_stats_compute_many (const PsTensor *const *tensors, gsize n_tensors, PsStats *out)
{
  g_return_if_fail (out != NULL);
  g_return_if_fail (n_tensors == 0 || tensors != NULL);
  ps_stats_init (out);
  for (gsize i = 0; i < n_tensors; i++)
    add_tensor (out, tensors[i]);
  ps_stats_finish (out);
}

/* ---- selection ---------------------------------------------------------------------------- */

static int
cmp_f32 (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

static int
cmp_f64 (const void *a, const void *b)
{
  double x = *(const double *) a, y = *(const double *) b;
  return (x > y) - (x < y);
}

/* nth_element on a[l..r] (inclusive) with a median-of-three Hoare partition; elements equal to
 * the pivot are split between both sides, so many ties stay O(n). A depth limit falls back to a
 * sort of the remaining range so the worst case is O(n log n). */
#define DEFINE_SELECT(T, SUFFIX, CMP, LINKAGE)                                                \
  static void                                                                                \
  nth_##SUFFIX (T *a, gsize l, gsize r, gsize k)                                             \
  {                                                                                          \
    int budget = 64;                                                                         \
    while (r > l)                                                                            \
      {                                                                                      \
        if (r - l < 16 || budget-- == 0)                                                     \
          {                                                                                  \
            qsort (a + l, r - l + 1, sizeof (T), CMP);                                       \
            return;                                                                          \
          }                                                                                  \
        gsize mid = l + (r - l) / 2;                                                         \
        T pa = a[l], pb = a[mid], pc = a[r], pivot;                                          \
        if (pa < pb)                                                                         \
          pivot = pb < pc ? pb : (pa < pc ? pc : pa);                                        \
        else                                                                                 \
          pivot = pa < pc ? pa : (pb < pc ? pc : pb);                                        \
        /* Wirth's partition: a[l..j] <= pivot, a[i..r] >= pivot, a[j+1..i-1] == pivot. */   \
        gsize i = l, j = r;                                                                  \
        do                                                                                   \
          {                                                                                  \
            while (a[i] < pivot)                                                             \
              i++;                                                                           \
            while (pivot < a[j])                                                             \
              j--;                                                                           \
            if (i <= j)                                                                      \
              {                                                                              \
                T tmp = a[i]; a[i] = a[j]; a[j] = tmp;                                       \
                i++;                                                                         \
                if (j == 0)                                                                  \
                  break;                                                                     \
                j--;                                                                         \
              }                                                                              \
          }                                                                                  \
        while (i <= j);                                                                      \
        if (k < i && k > j)                                                                  \
          return;                                                                            \
        if (k <= j)                                                                          \
          r = j;                                                                             \
        else                                                                                 \
          l = i;                                                                             \
      }                                                                                      \
  }                                                                                          \
                                                                                             \
  /* Place every rank of ks[0..nk-1] (sorted, distinct, within [l, r]) at its sorted spot. */ \
  static void                                                                                \
  multiselect_##SUFFIX (T *a, gsize l, gsize r, const gsize *ks, gsize nk)                   \
  {                                                                                          \
    while (nk > 0 && l < r)                                                                  \
      {                                                                                      \
        gsize m = nk / 2, k = ks[m];                                                         \
        nth_##SUFFIX (a, l, r, k);                                                           \
        if (m > 0 && k > l)                                                                  \
          multiselect_##SUFFIX (a, l, k - 1, ks, m);                                         \
        l = k + 1;                                                                           \
        ks += m + 1;                                                                         \
        nk -= m + 1;                                                                         \
      }                                                                                      \
  }                                                                                          \
                                                                                             \
  LINKAGE void                                                                               \
  ps_stats_quantiles_inplace_##SUFFIX (T *x, gsize n, const double *q, gsize nq, double *out) \
  {                                                                                          \
    if (n == 0)                                                                              \
      {                                                                                      \
        for (gsize i = 0; i < nq; i++)                                                       \
          out[i] = NAN;                                                                      \
        return;                                                                              \
      }                                                                                      \
    gsize *ks = g_new (gsize, 2 * nq + 1);                                                   \
    gsize nk = 0;                                                                            \
    for (gsize i = 0; i < nq; i++)                                                           \
      {                                                                                      \
        double v = q[i] * (double) (n - 1);                                                  \
        gsize lo = (gsize) floor (v);                                                        \
        if (lo > n - 1) lo = n - 1;                                                          \
        ks[nk++] = lo;                                                                       \
        if (lo + 1 <= n - 1) ks[nk++] = lo + 1;                                              \
      }                                                                                      \
    qsort (ks, nk, sizeof (gsize), cmp_gsize);                                               \
    gsize u = 0;                                                                             \
    for (gsize i = 0; i < nk; i++)                                                           \
      if (u == 0 || ks[i] != ks[u - 1])                                                      \
        ks[u++] = ks[i];                                                                     \
    multiselect_##SUFFIX (x, 0, n - 1, ks, u);                                               \
    g_free (ks);                                                                             \
    for (gsize i = 0; i < nq; i++)                                                           \
      {                                                                                      \
        /* numpy 'linear': virtual index (n-1)·q, lerp written as numpy's _lerp. */          \
        double v = q[i] * (double) (n - 1);                                                  \
        double fl = floor (v);                                                               \
        gsize lo = (gsize) fl;                                                               \
        if (lo >= n - 1)                                                                     \
          {                                                                                  \
            out[i] = (double) x[n - 1];                                                      \
            continue;                                                                        \
          }                                                                                  \
        double g = v - fl;                                                                   \
        double a = (double) x[lo], b = (double) x[lo + 1];                                   \
        double diff = b - a;                                                                 \
        out[i] = g >= 0.5 ? b - diff * (1.0 - g) : a + diff * g;                             \
      }                                                                                      \
  }

static int
cmp_gsize (const void *a, const void *b)
{
  gsize x = *(const gsize *) a, y = *(const gsize *) b;
  return (x > y) - (x < y);
}

DEFINE_SELECT (float, f32, cmp_f32, )   /* ps-stats.h */
DEFINE_SELECT (double, f64, cmp_f64, static)

static gboolean
check_q (const double *q, gsize nq, GError **error)
{
  for (gsize i = 0; i < nq; i++)
    if (!(q[i] >= 0.0 && q[i] <= 1.0))
      {
        g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                     "quantile %g is not in [0, 1]", q[i]);
        return FALSE;
      }
  return TRUE;
}

gboolean
ps_stats_quantiles_many (const PsTensor *const *tensors, gsize n_tensors, const double *q,
                         gsize nq, double *out, GError **error)
{
  g_return_val_if_fail (n_tensors == 0 || tensors != NULL, FALSE);
  g_return_val_if_fail (nq == 0 || (q != NULL && out != NULL), FALSE);
  if (!check_q (q, nq, error))
    return FALSE;

  gboolean all_f32 = TRUE;
  guint64 total = 0;
  for (gsize i = 0; i < n_tensors; i++)
    {
      if (tensors[i]->dtype != PS_DTYPE_FLOAT32)
        all_f32 = FALSE;
      if (!g_uint64_checked_add (&total, total, (guint64) tensors[i]->numel))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_OVERFLOW, "element count overflows");
          return FALSE;
        }
    }
  gsize esize = all_f32 ? sizeof (float) : sizeof (double);
  guint64 bytes;
  if (!g_uint64_checked_mul (&bytes, total, esize) || bytes > PS_TENSOR_MAX_BYTES)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                   "quantiles of %" G_GUINT64_FORMAT " values need too much memory", total);
      return FALSE;
    }
  if (!ps_tensor_check_scratch (bytes, "the quantiles' copy of the values", error))
    return FALSE;
  void *buf = g_try_malloc (MAX (bytes, 1));
  if (buf == NULL)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_NO_MEMORY,
                   "out of memory copying %" G_GUINT64_FORMAT " values for quantiles", total);
      return FALSE;
    }

  gsize k = 0;
  for (gsize i = 0; i < n_tensors; i++)
    {
      const PsTensor *t = tensors[i];
      if (all_f32)
        {
          const float *x = ps_tensor_cf32 (t);
          float *d = buf;
          for (int64_t j = 0; j < t->numel; j++)
            if (isfinite (x[j]))
              d[k++] = x[j];
        }
      else
        {
          double *d = buf;
          if (t->dtype == PS_DTYPE_FLOAT32)
            {
              const float *x = ps_tensor_cf32 (t);
              for (int64_t j = 0; j < t->numel; j++)
                if (isfinite (x[j]))
                  d[k++] = x[j];
            }
          else
            {
              const int64_t *x = ps_tensor_ci64 (t);
              for (int64_t j = 0; j < t->numel; j++)
                d[k++] = (double) x[j];
            }
        }
    }
  if (all_f32)
    ps_stats_quantiles_inplace_f32 (buf, k, q, nq, out);
  else
    ps_stats_quantiles_inplace_f64 (buf, k, q, nq, out);
  g_free (buf);
  return TRUE;
}

gboolean
ps_stats_quantiles (const PsTensor *t, const double *q, gsize nq, double *out, GError **error)
{
  g_return_val_if_fail (t != NULL, FALSE);
  return ps_stats_quantiles_many (&t, 1, q, nq, out, error);
}
