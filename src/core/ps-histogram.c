/* ps-histogram.c — see ps-histogram.h for the binning rule (numpy.histogram's). */
#include "ps-histogram.h"

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

PsHistogram *
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

/* Several sub-histograms (element i goes to sub-histogram i % 4) break the store-to-load
 * dependency when neighbouring values fall into the same bin. */
#define N_SUB 4

typedef struct {
  PsHistogram *h;
  int n;
  int n_sub;
  int64_t *sub;     /* n_sub × n */
  float *ef;        /* float32 edges */
  double scale;
} Binner;

static void
binner_init (Binner *b, PsHistogram *h)
{
  b->h = h;
  b->n = h->n_bins;
  b->n_sub = h->n_bins <= 4096 ? N_SUB : 1;
  b->sub = g_new0 (int64_t, (gsize) b->n_sub * b->n);
  b->ef = g_new (float, b->n + 1);
  for (int i = 0; i <= b->n; i++)
    b->ef[i] = (float) h->edges[i];
  b->scale = b->n / (h->hi - h->lo);
}

static void
binner_finish (Binner *b)
{
  for (int s = 0; s < b->n_sub; s++)
    for (int i = 0; i < b->n; i++)
      b->h->counts[i] += b->sub[(gsize) s * b->n + i];
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

static void
bin_block_f32 (Binner *b, const float *restrict x, gsize n)
{
  const float e0 = b->ef[0], en = b->ef[b->n];
  PsHistogram *h = b->h;
  h->total += n;
  if (b->n_sub == N_SUB)
    {
      int64_t *c0 = b->sub, *c1 = c0 + b->n, *c2 = c1 + b->n, *c3 = c2 + b->n;
      gsize i = 0;
      for (; i + 4 <= n; i += 4)
        {
          float v0 = x[i], v1 = x[i + 1], v2 = x[i + 2], v3 = x[i + 3];
          /* Fast path: all four inside the range (NaN fails both comparisons). */
          if (G_LIKELY (v0 >= e0 && v0 <= en && v1 >= e0 && v1 <= en &&
                        v2 >= e0 && v2 <= en && v3 >= e0 && v3 <= en))
            {
              c0[bin_f32 (b, v0)]++;
              c1[bin_f32 (b, v1)]++;
              c2[bin_f32 (b, v2)]++;
              c3[bin_f32 (b, v3)]++;
            }
          else
            break;
        }
      for (; i < n; i++)
        {
          float v = x[i];
          if (v >= e0 && v <= en)
            b->sub[(gsize) (i & 3) * b->n + bin_f32 (b, v)]++;
          else if (v < e0)
            h->underflow++;
          else if (v > en)
            h->overflow++;
          else
            h->nan++;
        }
    }
  else
    {
      for (gsize i = 0; i < n; i++)
        {
          float v = x[i];
          if (v >= e0 && v <= en)
            b->sub[bin_f32 (b, v)]++;
          else if (v < e0)
            h->underflow++;
          else if (v > en)
            h->overflow++;
          else
            h->nan++;
        }
    }
}

static void
bin_block_f64 (Binner *b, const double *x, gsize n)
{
  PsHistogram *h = b->h;
  h->total += n;
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

static gboolean
check_dtype (const PsHistogram *h, const PsTensor *t, GError **error)
{
  if (h->f32_edges != (t->dtype == PS_DTYPE_FLOAT32))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "histogram made for %s data cannot count a %s tensor",
                   h->f32_edges ? "float32" : "int64", ps_dtype_name (t->dtype));
      return FALSE;
    }
  return TRUE;
}

gboolean
ps_histogram_add_with_stats (PsHistogram *h, const PsTensor *t, PsStats *stats, GError **error)
{
  g_return_val_if_fail (h != NULL && t != NULL, FALSE);
  if (!check_dtype (h, t, error))
    return FALSE;
  Binner b;
  binner_init (&b, h);
  gsize n = (gsize) t->numel;
  if (t->dtype == PS_DTYPE_FLOAT32)
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
      const int64_t *x = ps_tensor_ci64 (t);
      double buf[PS_STATS_BLOCK];
      for (gsize i = 0; i < n; i += PS_STATS_BLOCK)
        {
          gsize m = MIN ((gsize) PS_STATS_BLOCK, n - i);
          for (gsize j = 0; j < m; j++)
            buf[j] = (double) x[i + j];
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
