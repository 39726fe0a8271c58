/* ps-histogram.h — exact histograms of tensor values, binned like numpy.histogram.
 *
 * Bins: n_bins equal bins over [lo, hi]. The edges are numpy.linspace(lo, hi, n_bins + 1)
 * computed in double (edge_i = i·((hi−lo)/n) + lo, last edge = hi exactly) and, for float32
 * data, rounded to float32 — the edges numpy.histogram uses for a float32 array with a
 * Python-float range. A value x goes to bin i when edge_i <= x < edge_{i+1}; the last bin is closed
 * on the right (x == hi is counted in it). Values below lo (and -Inf) are the underflow, values
 * above hi (and +Inf) the overflow, NaN is counted on its own: numpy silently drops all three,
 * we keep them, so count[] alone equals numpy.histogram(a, n, (lo, hi))[0].
 *
 * lo == hi is widened to [lo − 0.5, hi + 0.5] as numpy does. A histogram accumulates: add several
 * tensors (a whole module) into one. */
#pragma once

#include <glib.h>
#include "ps-error.h"
#include "ps-tensor.h"
#include "ps-stats.h"

G_BEGIN_DECLS

#define PS_HISTOGRAM_MAX_BINS 100000

typedef struct {
  int n_bins;
  double lo, hi;          /* the range asked for (after numpy's lo == hi widening) */
  gboolean f32_edges;     /* edges rounded to float32 (float32 data) */
  double *edges;          /* n_bins + 1 */
  int64_t *counts;        /* n_bins */
  int64_t underflow;      /* x < edges[0], including -Inf */
  int64_t overflow;       /* x > edges[n_bins], including +Inf */
  int64_t nan;
  int64_t total;          /* every element added */
} PsHistogram;

/* Empty histogram for data of the given dtype. n_bins in [1, PS_HISTOGRAM_MAX_BINS]; lo <= hi,
 * both finite. */
PsHistogram *ps_histogram_new          (int n_bins, double lo, double hi, PsDType dtype,
                                        GError **error);
/* Bins of the given width starting at lo: n = ceil((hi − lo) / width) bins, so the last edge is
 * lo + n·width >= hi. */
PsHistogram *ps_histogram_new_width    (double width, double lo, double hi, PsDType dtype,
                                        GError **error);
void         ps_histogram_free         (PsHistogram *h);

/* Count the values of t. float32 edges (made for float32 data) are what numpy uses for float32
 * arrays; any dtype can be added to any histogram, compared exactly with h->edges. */
gboolean     ps_histogram_add          (PsHistogram *h, const PsTensor *t, GError **error);
/* The same in one pass over memory that also accumulates statistics into stats (initialized
 * by the caller with ps_stats_init; call ps_stats_finish afterwards). */
gboolean     ps_histogram_add_with_stats (PsHistogram *h, const PsTensor *t, PsStats *stats,
                                          GError **error);
/* Shorthand: a new histogram of one tensor. */
PsHistogram *ps_histogram_compute      (const PsTensor *t, int n_bins, double lo, double hi,
                                        GError **error);

/* Several tensors into one histogram (a module, a whole model): float32 edges when they are all
 * float32, double edges otherwise. */
PsHistogram *ps_histogram_compute_many (const PsTensor *const *tensors, gsize n_tensors,
                                        int n_bins, double lo, double hi, GError **error);

/* Bin of x: 0..n_bins-1, −1 below, n_bins above, −2 for NaN. */
int          ps_histogram_bin_of       (const PsHistogram *h, double x);
int64_t      ps_histogram_max_count    (const PsHistogram *h);

typedef enum {
  PS_HISTOGRAM_RANGE_MINMAX,     /* finite min..max (numpy's default) */
  PS_HISTOGRAM_RANGE_ROBUST,     /* quantiles q..1−q of the finite values, so outliers go to the
                                  * under/overflow bins instead of squashing the picture */
  PS_HISTOGRAM_RANGE_SYMMETRIC,  /* ±max|x| */
} PsHistogramRange;

/* A range for the given mode (robust_q e.g. 0.001). Falls back to [−1, 1] with no finite value. */
gboolean     ps_histogram_auto_range   (const PsTensor *const *tensors, gsize n_tensors,
                                        PsHistogramRange mode, double robust_q,
                                        double *lo, double *hi, GError **error);

G_DEFINE_AUTOPTR_CLEANUP_FUNC (PsHistogram, ps_histogram_free)

G_END_DECLS
