/* ps-histogram.c — see ps-histogram.h for the binning rule (numpy.histogram's). */
#include "ps-histogram.h"
#include "ps-cpu.h"

#include <math.h>
#include <string.h>

PsHistogram *
ps_histogram_new (int n_bins, double lo, double hi, PsDType dtype, GError **error)
{
  if (n_bins < 1 || n_bins > PS_HISTOGRAM_MAX_BINS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "bin count %d is not in [1, %d]", n_bins, PS_HISTOGRAM_MAX_BINS);
      return NULL;
    }
  if (!isfinite (lo) || !isfinite (hi) || lo > hi)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "histogram range [%g, %g] is not a finite interval", lo, hi);
      return NULL;
    }
  if (lo == hi)
    {
      lo -= 0.5;
      hi += 0.5;
    }
  PsHistogram *h = g_new0 (PsHistogram, 1);
  h->n_bins = n_bins;
  h->lo = lo;
  h->hi = hi;
  h->f32_edges = dtype == PS_DTYPE_FLOAT32;
  h->edges = g_new (double, n_bins + 1);
  h->counts = g_new0 (int64_t, n_bins);
  /* numpy.linspace: arange(n+1)·step + start, in double, last = stop exactly. */
  double step = (hi - lo) / n_bins;
  for (int i = 0; i <= n_bins; i++)
    h->edges[i] = (double) i * step + lo;
  h->edges[n_bins] = hi;
  if (h->f32_edges)
    for (int i = 0; i <= n_bins; i++)
      h->edges[i] = (double) (float) h->edges[i];
  return h;
}

PsHistogram *
ps_histogram_new_width (double width, double lo, double hi, PsDType dtype, GError **error)
{
  if (!(width > 0) || !isfinite (width) || !isfinite (lo) || !isfinite (hi) || lo > hi)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "bin width %g over [%g, %g] is not valid", width, lo, hi);
      return NULL;
    }
  double n = ceil ((hi - lo) / width);
  if (n < 1)
    n = 1;
  if (n > PS_HISTOGRAM_MAX_BINS)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "bin width %g over [%g, %g] gives %.0f bins, more than %d", width, lo, hi, n,
                   PS_HISTOGRAM_MAX_BINS);
      return NULL;
    }
  return ps_histogram_new ((int) n, lo, lo + n * width, dtype, error);
}

void
ps_histogram_free (PsHistogram *h)
{
  if (h == NULL)
    return;
  g_free (h->edges);
  g_free (h->counts);
  g_free (h);
}

static PsHistogram *
ps_histogram_copy (const PsHistogram *h)
{
  PsHistogram *c = g_memdup2 (h, sizeof *h);
  c->edges = g_memdup2 (h->edges, sizeof (double) * (h->n_bins + 1));
  c->counts = g_memdup2 (h->counts, sizeof (int64_t) * h->n_bins);
  return c;
}

int
ps_histogram_bin_of (const PsHistogram *h, double x)
{
  int n = h->n_bins;
  if (isnan (x))
    return -2;
  if (x < h->edges[0])
    return -1;
  if (x > h->edges[n])
    return n;
  int i = (int) ((x - h->lo) * (n / (h->hi - h->lo)));
  i = CLAMP (i, 0, n - 1);
  while (i > 0 && x < h->edges[i])
    i--;
  while (i < n - 1 && x >= h->edges[i + 1])
    i++;
  return i;
}

int64_t
ps_histogram_max_count (const PsHistogram *h)
{
  int64_t m = 0;
  for (int i = 0; i < h->n_bins; i++)
    m = MAX (m, h->counts[i]);
  return m;
}

/* Eight sub-histograms (element i goes to sub-histogram i % 8) break the store-to-load
 * dependency when neighbouring values fall into the same bin. 32-bit sub-counts keep them in L1;
 * they are flushed into the 64-bit counts before they could overflow. */
#define N_SUB 8
#define FLUSH_EVERY ((gsize) 1 << 30)

typedef struct {
  PsHistogram *h;
  int n;
  int n_sub;
  guint32 *sub;     /* n_sub × n */
  gsize pending;    /* elements counted into sub since the last flush */
  float *ef;        /* float32 edges */
  double scale;
  /* vector path: usable when every value farther than eps bins from an edge is binned exactly
   * by floor((v − e0)·scale_f) in float32 (see binner_init) */
  gboolean vec_ok;
  float scale_f, eps;
} Binner;

static void
binner_flush (Binner *b)
{
  for (int s = 0; s < b->n_sub; s++)
    for (int i = 0; i < b->n; i++)
      {
        b->h->counts[i] += b->sub[(gsize) s * b->n + i];
        b->sub[(gsize) s * b->n + i] = 0;
      }
  b->pending = 0;
}

static void
binner_init (Binner *b, PsHistogram *h)
{
  b->h = h;
  b->n = h->n_bins;
  b->n_sub = h->n_bins <= 4096 ? N_SUB : 1;
  b->sub = g_new0 (guint32, (gsize) b->n_sub * b->n);
  b->pending = 0;
  b->ef = g_new (float, b->n + 1);
  for (int i = 0; i <= b->n; i++)
    b->ef[i] = (float) h->edges[i];
  b->scale = b->n / (h->hi - h->lo);
  /* Error of the float32 position f = (v − e0)·scale_f against the float32 edges, in bins: the
   * subtraction and the edges' rounding are each within half an ulp of the largest magnitude,
   * the product within n·2^-24. Lanes with frac(f) closer than eps to an integer take the exact
   * path. Only worth it (and only valid) when bins are many ulps wide. */
  double m = MAX (fabs ((double) b->ef[0]), fabs ((double) b->ef[b->n]));
  double ulp = (double) nextafterf ((float) m, INFINITY) - (double) (float) m;
  double bw = ((double) b->ef[b->n] - (double) b->ef[0]) / b->n;
  double eps = 2 * ulp / bw + 4.0 * b->n * 0x1.0p-24 + 1e-6;
  b->scale_f = (float) (b->n / ((double) b->ef[b->n] - (double) b->ef[0]));
  b->eps = (float) eps;
  b->vec_ok = b->n_sub == N_SUB && eps < 0.02 && h->f32_edges;
}

static void
binner_finish (Binner *b)
{
  binner_flush (b);
  g_free (b->sub);
  g_free (b->ef);
}

static inline int
bin_f32 (const Binner *b, float v)
{
  const float *e = b->ef;
  int last = b->n - 1;
  int i = (int) (((double) v - b->h->lo) * b->scale);
  i = i < 0 ? 0 : (i > last ? last : i);
  /* The guess is within one bin of the float32-edge answer; the loops make it exact. */
  while (i > 0 && v < e[i])
    i--;
  while (i < last && v >= e[i + 1])
    i++;
  return i;
}

static inline void
bin_one_f32 (Binner *b, float v, gsize lane)
{
  PsHistogram *h = b->h;
  if (v >= b->ef[0] && v <= b->ef[b->n])
    b->sub[(lane % b->n_sub) * b->n + bin_f32 (b, v)]++;
  else if (v < b->ef[0])
    h->underflow++;
  else if (v > b->ef[b->n])
    h->overflow++;
  else
    h->nan++;
}

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#define PS_HAVE_AVX2_KERNELS 1

/* Eight values at a time: range check and position in AVX2, increments in scalar code. A group
 * with a value out of range, NaN, or near an edge goes through the exact scalar path. Returns
 * how many values it consumed (a multiple of 8). */
__attribute__ ((target ("avx2"))) static gsize
bin_block_f32_avx2 (Binner *b, const float *restrict x, gsize n)
{
  const int nb = b->n;
  guint32 *c = b->sub;
  const __m256 e0 = _mm256_set1_ps (b->ef[0]), en = _mm256_set1_ps (b->ef[nb]);
  const __m256 sc = _mm256_set1_ps (b->scale_f), eps = _mm256_set1_ps (b->eps);
  const __m256 one_minus = _mm256_set1_ps (1.0f - b->eps);
  const __m256i last = _mm256_set1_epi32 (nb - 1);
  int32_t idx[8] __attribute__ ((aligned (32)));
  gsize i = 0;
  for (; i + 8 <= n; i += 8)
    {
      __m256 v = _mm256_loadu_ps (x + i);
      __m256 out = _mm256_or_ps (_mm256_cmp_ps (v, e0, _CMP_NGE_UQ), _mm256_cmp_ps (v, en, _CMP_NLE_UQ));
      __m256 f = _mm256_mul_ps (_mm256_sub_ps (v, e0), sc);
      __m256i fi = _mm256_cvttps_epi32 (f);
      __m256 frac = _mm256_sub_ps (f, _mm256_cvtepi32_ps (fi));
      __m256 near = _mm256_or_ps (_mm256_cmp_ps (frac, eps, _CMP_LT_OQ),
                                  _mm256_cmp_ps (frac, one_minus, _CMP_GT_OQ));
      if (G_UNLIKELY (_mm256_movemask_ps (_mm256_or_ps (out, near)) != 0))
        {
          for (int k = 0; k < 8; k++)
            bin_one_f32 (b, x[i + k], k);
          continue;
        }
      _mm256_store_si256 ((__m256i *) idx, _mm256_min_epi32 (fi, last));
      c[idx[0]]++;
      c[nb + idx[1]]++;
      c[2 * nb + idx[2]]++;
      c[3 * nb + idx[3]]++;
      c[4 * nb + idx[4]]++;
      c[5 * nb + idx[5]]++;
      c[6 * nb + idx[6]]++;
      c[7 * nb + idx[7]]++;
    }
  return i;
}

static gboolean
have_avx2 (void)
{
  return (ps_cpu_features () & PS_CPU_AVX2) != 0;
}
#endif

static void
bin_block_f32 (Binner *b, const float *restrict x, gsize n)
{
  b->h->total += n;
  if (b->pending + n > FLUSH_EVERY)
    binner_flush (b);
  b->pending += n;
  gsize i = 0;
#ifdef PS_HAVE_AVX2_KERNELS
  if (b->vec_ok && have_avx2 ())
    i = bin_block_f32_avx2 (b, x, n);
#endif
  for (; i < n; i++)
    bin_one_f32 (b, x[i], i);
}

static void
bin_block_f64 (Binner *b, const double *x, gsize n)
{
  PsHistogram *h = b->h;
  h->total += n;
  if (b->pending + n > FLUSH_EVERY)
    binner_flush (b);
  b->pending += n;
  for (gsize i = 0; i < n; i++)
    {
      int k = ps_histogram_bin_of (h, x[i]);
      if (k >= 0 && k < b->n)
        b->sub[k]++;
      else if (k == -1)
        h->underflow++;
      else if (k == -2)
        h->nan++;
      else
        h->overflow++;
    }
}

/* One half of a large float32 tensor, counted into its own histogram and statistics. */
typedef struct {
  PsHistogram *h;
  PsStats stats;
  const float *x;
  gsize n;
  gboolean with_stats;
} HalfJob;

static void
add_f32_blocks (PsHistogram *h, const float *x, gsize n, PsStats *stats)
{
  Binner b;
  binner_init (&b, h);
  /* Block by block: the block is still in L1 when the binning pass reads it again. */
  for (gsize i = 0; i < n; i += PS_STATS_BLOCK)
    {
      gsize m = MIN ((gsize) PS_STATS_BLOCK, n - i);
      if (stats)
        ps_stats_add_f32 (stats, x + i, m);
      bin_block_f32 (&b, x + i, m);
    }
  binner_finish (&b);
}

static gpointer
half_job_run (gpointer data)
{
  HalfJob *j = data;
  add_f32_blocks (j->h, j->x, j->n, j->with_stats ? &j->stats : NULL);
  return NULL;
}

/* Tensors this large are split in two halves counted on two threads (memory bandwidth and the
 * per-value bin increments both scale); the split is fixed, so results do not depend on timing. */
#define PS_HISTOGRAM_SPLIT_MIN ((gsize) 1 << 22)

gboolean
ps_histogram_add_with_stats (PsHistogram *h, const PsTensor *t, PsStats *stats, GError **error)
{
  g_return_val_if_fail (h != NULL && t != NULL, FALSE);
  gsize n = (gsize) t->numel;
  if (t->dtype == PS_DTYPE_FLOAT32 && h->f32_edges && n >= PS_HISTOGRAM_SPLIT_MIN
      && g_get_num_processors () > 1)
    {
      const float *x = ps_tensor_cf32 (t);
      gsize first = (n / 2 / PS_STATS_BLOCK) * PS_STATS_BLOCK;
      HalfJob j = { ps_histogram_copy (h), { 0 }, x + first, n - first, stats != NULL };
      memset (j.h->counts, 0, sizeof (int64_t) * (gsize) h->n_bins);
      j.h->underflow = j.h->overflow = j.h->nan = j.h->total = 0;
      ps_stats_init (&j.stats);
      GThread *thread = g_thread_try_new ("ps-histogram", half_job_run, &j, NULL);
      if (thread == NULL)
        half_job_run (&j);    /* no thread to be had: the same work, in turn */
      add_f32_blocks (h, x, first, stats);
      if (thread != NULL)
        g_thread_join (thread);
      for (int i = 0; i < h->n_bins; i++)
        h->counts[i] += j.h->counts[i];
      h->underflow += j.h->underflow;
      h->overflow += j.h->overflow;
      h->nan += j.h->nan;
      h->total += j.h->total;
      if (stats)
        ps_stats_merge (stats, &j.stats);
      ps_histogram_free (j.h);
      return TRUE;
    }
  Binner b;
  binner_init (&b, h);
  if (t->dtype == PS_DTYPE_FLOAT32 && h->f32_edges)
    {
      /* Block by block: the block is still in L1 when the binning pass reads it again. */
      const float *x = ps_tensor_cf32 (t);
      for (gsize i = 0; i < n; i += PS_STATS_BLOCK)
        {
          gsize m = MIN ((gsize) PS_STATS_BLOCK, n - i);
          if (stats)
            ps_stats_add_f32 (stats, x + i, m);
          bin_block_f32 (&b, x + i, m);
        }
    }
  else
    {
      /* int64 data, or float32 data counted with double edges (a histogram shared with int64
       * tensors): exact comparisons against h->edges, one value at a time */
      double buf[PS_STATS_BLOCK];
      for (gsize i = 0; i < n; i += PS_STATS_BLOCK)
        {
          gsize m = MIN ((gsize) PS_STATS_BLOCK, n - i);
          if (t->dtype == PS_DTYPE_FLOAT32)
            for (gsize j = 0; j < m; j++)
              buf[j] = (double) ps_tensor_cf32 (t)[i + j];
          else
            for (gsize j = 0; j < m; j++)
              buf[j] = (double) ps_tensor_ci64 (t)[i + j];
          if (stats)
            ps_stats_add_f64 (stats, buf, m);
          bin_block_f64 (&b, buf, m);
        }
    }
  binner_finish (&b);
  return TRUE;
}

gboolean
ps_histogram_add (PsHistogram *h, const PsTensor *t, GError **error)
{
  return ps_histogram_add_with_stats (h, t, NULL, error);
}

PsHistogram *
ps_histogram_compute (const PsTensor *t, int n_bins, double lo, double hi, GError **error)
{
  g_return_val_if_fail (t != NULL, NULL);
  PsHistogram *h = ps_histogram_new (n_bins, lo, hi, t->dtype, error);
  if (h == NULL)
    return NULL;
  if (!ps_histogram_add (h, t, error))
    {
      ps_histogram_free (h);
      return NULL;
    }
  return h;
}

PsHistogram *
ps_histogram_compute_many (const PsTensor *const *tensors, gsize n_tensors, int n_bins,
                           double lo, double hi, GError **error)
{
  g_return_val_if_fail (n_tensors == 0 || tensors != NULL, NULL);
  gboolean all_f32 = TRUE;
  for (gsize i = 0; i < n_tensors; i++)
    all_f32 = all_f32 && tensors[i]->dtype == PS_DTYPE_FLOAT32;
  PsHistogram *h = ps_histogram_new (n_bins, lo, hi, all_f32 ? PS_DTYPE_FLOAT32 : PS_DTYPE_INT64,
                                     error);
  for (gsize i = 0; h != NULL && i < n_tensors; i++)
    if (!ps_histogram_add (h, tensors[i], error))
      g_clear_pointer (&h, ps_histogram_free);
  return h;
}

gboolean
ps_histogram_auto_range (const PsTensor *const *tensors, gsize n_tensors, PsHistogramRange mode,
                         double robust_q, double *lo, double *hi, GError **error)
{
  PsStats s;
  ps_stats_compute_many (tensors, n_tensors, &s);
  if (s.n_finite == 0)
    {
      *lo = -1;
      *hi = 1;
      return TRUE;
    }
  switch (mode)
    {
    case PS_HISTOGRAM_RANGE_MINMAX:
      *lo = s.min;
      *hi = s.max;
      return TRUE;
    case PS_HISTOGRAM_RANGE_SYMMETRIC:
      *lo = -s.abs_max;
      *hi = s.abs_max;
      return TRUE;
    case PS_HISTOGRAM_RANGE_ROBUST:
      {
        if (!(robust_q >= 0 && robust_q < 0.5))
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         "robust quantile %g is not in [0, 0.5)", robust_q);
            return FALSE;
          }
        double q[2] = { robust_q, 1 - robust_q }, v[2];
        if (!ps_stats_quantiles_many (tensors, n_tensors, q, 2, v, error))
          return FALSE;
        *lo = v[0];
        *hi = v[1];
        return TRUE;
      }
    default:
      g_return_val_if_reached (FALSE);
    }
}
