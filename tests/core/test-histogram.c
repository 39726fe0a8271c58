/* test-histogram.c — histogram counts exactly as numpy.histogram, under/overflow and NaN counts,
 * the theoretical distributions (pdf, cdf, moments) and the Kolmogorov–Smirnov statistic. */
#include <math.h>
#include <string.h>
#include "ps-histogram.h"
#include "ps-distribution.h"
#include "golden-util.h"
#include "lcg-test-util.h"

static void
test_golden_counts (void)
{
  g_autoptr (JsonParser) p = golden_load ();
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *cases = json_object_get_array_member (root, "cases");
  guint checked = 0;
  for (guint ci = 0; ci < json_array_get_length (cases); ci++)
    {
      JsonObject *c = json_array_get_object_element (cases, ci);
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (PsTensor) t = golden_tensor (c);
      JsonArray *hs = json_object_get_array_member (c, "histograms");
      for (guint hi = 0; hi < json_array_get_length (hs); hi++)
        {
          JsonObject *w = json_array_get_object_element (hs, hi);
          int bins = json_object_get_int_member (w, "bins");
          g_autoptr (GError) error = NULL;
          g_autoptr (PsHistogram) h = ps_histogram_compute (t, bins,
                                                            golden_member (w, "lo"),
                                                            golden_member (w, "hi"), &error);
          g_assert_no_error (error);
          JsonArray *counts = json_object_get_array_member (w, "counts");
          JsonArray *edges = json_object_get_array_member (w, "edges");
          g_assert_cmpint (h->n_bins, ==, bins);
          for (int i = 0; i <= bins; i++)
            if (h->edges[i] != golden_double (json_array_get_element (edges, i)))
              g_error ("%s bins=%d: edge %d is %.17g, numpy %.17g", name, bins, i, h->edges[i],
                       golden_double (json_array_get_element (edges, i)));
          for (int i = 0; i < bins; i++)
            if (h->counts[i] != json_array_get_int_element (counts, i))
              g_error ("%s bins=%d: bin %d has %" G_GINT64_FORMAT ", numpy %" G_GINT64_FORMAT,
                       name, bins, i, h->counts[i], json_array_get_int_element (counts, i));
          g_assert_cmpint (h->underflow, ==, json_object_get_int_member (w, "underflow"));
          g_assert_cmpint (h->overflow, ==, json_object_get_int_member (w, "overflow"));
          g_assert_cmpint (h->nan, ==, json_object_get_int_member (w, "nan"));
          int64_t sum = h->underflow + h->overflow + h->nan;
          for (int i = 0; i < bins; i++)
            sum += h->counts[i];
          g_assert_cmpint (sum, ==, t->numel);
          g_assert_cmpint (h->total, ==, t->numel);
          checked++;
        }
    }
  g_assert_cmpuint (checked, >=, 20);
}

/* The fast binning path against the one-value reference (ps_histogram_bin_of), with specials
 * sprinkled across block boundaries; and the fused statistics equal the separate ones. */
static void
test_fast_path_matches_reference (void)
{
  g_autoptr (GError) error = NULL;
  gsize n = 3 * PS_STATS_BLOCK + 5;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, &error);
  float *x = ps_tensor_f32 (t);
  for (gsize i = 0; i < n; i++)
    x[i] = (float) (2.2 * lcg_uniform () - 1.1);
  x[17] = NAN;
  x[PS_STATS_BLOCK] = INFINITY;
  x[PS_STATS_BLOCK + 2] = -INFINITY;
  x[2 * PS_STATS_BLOCK - 1] = 1.0f;     /* exactly the last edge: in the last bin */
  x[5] = -1.0f;                          /* exactly the first edge */
  int bin_counts[] = { 1, 3, 256, 5000 };
  for (guint k = 0; k < G_N_ELEMENTS (bin_counts); k++)
    {
      int nb = bin_counts[k];
      g_autoptr (PsHistogram) h = ps_histogram_new (nb, -1.0, 1.0, PS_DTYPE_FLOAT32, &error);
      PsStats s, ref;
      ps_stats_init (&s);
      g_assert_true (ps_histogram_add_with_stats (h, t, &s, &error));
      ps_stats_finish (&s);
      ps_stats_compute (t, &ref);
      g_assert_cmpfloat (s.mean, ==, ref.mean);
      g_assert_cmpfloat (s.std, ==, ref.std);
      g_assert_cmpint (s.n_nan, ==, 1);
      int64_t *want = g_new0 (int64_t, nb);
      int64_t under = 0, over = 0, nan = 0;
      for (gsize i = 0; i < n; i++)
        {
          int b = ps_histogram_bin_of (h, x[i]);
          if (b == -2) nan++;
          else if (b == -1) under++;
          else if (b == nb) over++;
          else want[b]++;
        }
      g_assert_cmpmem (h->counts, nb * sizeof (int64_t), want, nb * sizeof (int64_t));
      g_assert_cmpint (h->nan, ==, nan);
      g_assert_cmpint (h->underflow, ==, under);
      g_assert_cmpint (h->overflow, ==, over);
      g_assert_cmpint (nan, ==, 1);
      g_assert_cmpint (ps_histogram_bin_of (h, 1.0), ==, nb - 1);
      g_assert_cmpint (ps_histogram_bin_of (h, -1.0), ==, 0);
      g_free (want);
    }
}

static void
test_width_and_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsHistogram) h = ps_histogram_new_width (0.25, -1.0, 0.9, PS_DTYPE_FLOAT32, &error);
  g_assert_no_error (error);
  g_assert_cmpint (h->n_bins, ==, 8);
  g_assert_cmpfloat (h->edges[8], ==, 1.0);
  g_assert_cmpfloat (h->edges[1], ==, -0.75);

  g_assert_null (ps_histogram_new (0, 0, 1, PS_DTYPE_FLOAT32, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ps_histogram_new (10, 1, 0, PS_DTYPE_FLOAT32, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ps_histogram_new (10, 0, INFINITY, PS_DTYPE_FLOAT32, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_null (ps_histogram_new_width (1e-9, 0, 1, PS_DTYPE_FLOAT32, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  /* a module: a float32 weight and an int64 buffer in one histogram with double edges */
  g_autoptr (PsTensor) ti = ps_tensor_new_1d (PS_DTYPE_INT64, 4, &error);
  g_autoptr (PsTensor) tf = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, &error);
  ps_tensor_i64 (ti)[0] = -3;
  ps_tensor_i64 (ti)[1] = 1;
  ps_tensor_i64 (ti)[2] = 2;
  ps_tensor_i64 (ti)[3] = 7;
  ps_tensor_f32 (tf)[0] = 0.1f;
  ps_tensor_f32 (tf)[1] = NAN;
  ps_tensor_f32 (tf)[2] = 2.0f;
  const PsTensor *parts[2] = { ti, tf };
  g_autoptr (PsHistogram) hm = ps_histogram_compute_many (parts, 2, 4, -2.0, 2.0, &error);
  g_assert_no_error (error);
  g_assert_false (hm->f32_edges);
  g_assert_cmpint (hm->total, ==, 7);
  g_assert_cmpint (hm->underflow, ==, 1);
  g_assert_cmpint (hm->overflow, ==, 1);
  g_assert_cmpint (hm->nan, ==, 1);
  g_assert_cmpint (hm->counts[2], ==, 1);   /* 0.1 in [0, 1) */
  g_assert_cmpint (hm->counts[3], ==, 3);   /* 1, 2, 2.0: the last bin is closed */
  g_assert_true (ps_histogram_add (h, ti, &error));   /* int64 into a float32-edge histogram */
  g_assert_cmpint (h->total, ==, 4);
}

static void
test_auto_range (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1001, &error);
  for (int i = 0; i < 1001; i++)
    ps_tensor_f32 (t)[i] = (float) (i - 500) / 500.0f;
  ps_tensor_f32 (t)[0] = -1000.0f;   /* one outlier */
  const PsTensor *ts[1] = { t };
  double lo, hi;
  g_assert_true (ps_histogram_auto_range (ts, 1, PS_HISTOGRAM_RANGE_MINMAX, 0, &lo, &hi, &error));
  g_assert_cmpfloat (lo, ==, -1000.0);
  g_assert_cmpfloat (hi, ==, 1.0);
  g_assert_true (ps_histogram_auto_range (ts, 1, PS_HISTOGRAM_RANGE_SYMMETRIC, 0, &lo, &hi, &error));
  g_assert_cmpfloat (hi, ==, 1000.0);
  g_assert_true (ps_histogram_auto_range (ts, 1, PS_HISTOGRAM_RANGE_ROBUST, 0.01, &lo, &hi, &error));
  g_assert_cmpfloat_with_epsilon (lo, -0.98, 1e-6);   /* the outlier does not stretch it */
  g_assert_cmpfloat_with_epsilon (hi, 0.98, 1e-6);
}

static PsInitInfo
dist_from_json (JsonObject *d)
{
  PsInitInfo info;
  memset (&info, 0, sizeof info);
  const char *kind = json_object_get_string_member (d, "kind");
  if (g_str_equal (kind, "uniform"))
    {
      info.dist = PS_DIST_UNIFORM;
      info.a = golden_member (d, "a");
      info.b = golden_member (d, "b");
    }
  else if (g_str_equal (kind, "normal"))
    {
      info.dist = PS_DIST_NORMAL;
      info.mean = golden_member (d, "mean");
      info.std = golden_member (d, "std");
    }
  else
    {
      info.dist = PS_DIST_TRUNC_NORMAL;
      info.mean = golden_member (d, "mean");
      info.std = golden_member (d, "std");
      info.a = golden_member (d, "a");
      info.b = golden_member (d, "b");
    }
  return info;
}

static void
test_golden_ks (void)
{
  g_autoptr (JsonParser) p = golden_load ();
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *cases = json_object_get_array_member (root, "cases");
  guint checked = 0;
  double d_fit = 1, d_misfit = 0;
  for (guint ci = 0; ci < json_array_get_length (cases); ci++)
    {
      JsonObject *c = json_array_get_object_element (cases, ci);
      g_autoptr (PsTensor) t = golden_tensor (c);
      JsonArray *ks = json_object_get_array_member (c, "ks");
      for (guint k = 0; k < json_array_get_length (ks); k++)
        {
          JsonObject *w = json_array_get_object_element (ks, k);
          PsInitInfo info = dist_from_json (json_object_get_object_member (w, "dist"));
          double d, pv;
          g_autoptr (GError) error = NULL;
          g_assert_true (ps_distribution_ks (t, &info, &d, &pv, &error));
          g_assert_no_error (error);
          g_assert_cmpfloat_with_epsilon (d, golden_member (w, "d"), 1e-12);
          if (k == 0)
            d_fit = MIN (d_fit, pv);
          else
            d_misfit = MAX (d_misfit, pv);
          checked++;
        }
    }
  g_assert_cmpuint (checked, ==, 6);
  /* the sampled distribution fits; the wrong one is rejected */
  g_assert_cmpfloat (d_fit, >, 0.01);
  g_assert_cmpfloat (d_misfit, <, 0.01);
}

/* Moments by numerical integration of the pdf; the cdf is the integral of the pdf. */
static void
check_moments (const PsInitInfo *info, double lo, double hi)
{
  int n = 200000;
  double h = (hi - lo) / n, m0 = 0, m1 = 0, m2 = 0;
  for (int i = 0; i < n; i++)
    {
      double x = lo + (i + 0.5) * h, f = ps_distribution_pdf (info, x) * h;
      m0 += f;
      m1 += f * x;
      m2 += f * x * x;
    }
  double mean, std;
  g_assert_true (ps_distribution_moments (info, &mean, &std));
  g_assert_cmpfloat_with_epsilon (m0, 1.0, 2e-5);  /* midpoint rule across the jumps */
  g_assert_cmpfloat_with_epsilon (mean, m1, 2e-5);
  g_assert_cmpfloat_with_epsilon (std, sqrt (m2 - m1 * m1), 2e-5);
  double mid = lo + 0.37 * (hi - lo), acc = 0;
  for (int i = 0; i < n; i++)
    {
      double x = lo + (i + 0.5) * ((mid - lo) / n);
      acc += ps_distribution_pdf (info, x) * ((mid - lo) / n);
    }
  g_assert_cmpfloat_with_epsilon (ps_distribution_cdf (info, mid), acc, 2e-5);
}

static void
test_distributions (void)
{
  PsInitInfo u = { .dist = PS_DIST_UNIFORM, .a = -0.316, .b = 0.316 };
  check_moments (&u, -0.4, 0.4);
  double mean, std;
  ps_distribution_moments (&u, &mean, &std);
  g_assert_cmpfloat_with_epsilon (std, 0.632 / sqrt (12), 1e-15);

  PsInitInfo nrm = { .dist = PS_DIST_NORMAL, .mean = 0.5, .std = 0.02 };
  check_moments (&nrm, 0.5 - 0.3, 0.5 + 0.3);

  PsInitInfo tn = { .dist = PS_DIST_TRUNC_NORMAL, .mean = 0, .std = 1, .a = -2, .b = 2 };
  check_moments (&tn, -2.5, 2.5);
  ps_distribution_moments (&tn, &mean, &std);
  g_assert_cmpfloat_with_epsilon (std, 0.8796256610342398, 1e-12);  /* known value */

  PsInitInfo tn2 = { .dist = PS_DIST_TRUNC_NORMAL, .mean = 0.3, .std = 0.5, .a = 0, .b = 2 };
  check_moments (&tn2, -0.5, 2.5);

  PsInitInfo c = { .dist = PS_DIST_CONSTANT, .value = 0.25 };
  double at;
  g_assert_true (ps_distribution_point_mass (&c, &at));
  g_assert_cmpfloat (at, ==, 0.25);
  g_assert_true (ps_distribution_moments (&c, &mean, &std));
  g_assert_cmpfloat (std, ==, 0);
  g_assert_cmpfloat (ps_distribution_cdf (&c, 0.2), ==, 0);
  g_assert_cmpfloat (ps_distribution_cdf (&c, 0.25), ==, 1);

  /* a tensor of the constant is a perfect fit; shifted by one value it is not */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 10, &error);
  for (int i = 0; i < 10; i++)
    ps_tensor_f32 (t)[i] = 0.25f;
  double d;
  g_assert_true (ps_distribution_ks (t, &c, &d, NULL, &error));
  g_assert_cmpfloat (d, ==, 0);
  ps_tensor_f32 (t)[3] = 0.5f;
  g_assert_true (ps_distribution_ks (t, &c, &d, NULL, &error));
  g_assert_cmpfloat_with_epsilon (d, 0.1, 1e-15);

  PsInitInfo none = { .dist = PS_DIST_OTHER };
  g_assert_false (ps_distribution_moments (&none, &mean, &std));
  g_assert_true (isnan (ps_distribution_pdf (&none, 0)));
  g_assert_false (ps_distribution_ks (t, &none, &d, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);

  g_autofree char *label = ps_distribution_label (&u);
  g_assert_cmpstr (label, ==, "U(-0.316, 0.316)");
}

/* Tensors of 4M+ values are counted in two halves on two threads: the counts must equal a naive
 * per-value count and the statistics a plain double loop. */
static void
test_large_split_matches_naive (void)
{
  const gsize n = ((gsize) 1 << 22) + 12345;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, (int64_t) n, NULL);
  float *x = ps_tensor_f32 (t);
  guint32 state = 12345;
  for (gsize i = 0; i < n; i++)
    {
      state = state * 1664525u + 1013904223u;
      x[i] = ((float) (state >> 8) / 16777216.0f - 0.5f) * 3.0f;   /* [-1.5, 1.5): some outside the range */
    }
  x[7] = NAN;
  x[n - 3] = INFINITY;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsHistogram) h = ps_histogram_new (256, -1.0, 1.0, PS_DTYPE_FLOAT32, &error);
  PsStats st;
  ps_stats_init (&st);
  g_assert_true (ps_histogram_add_with_stats (h, t, &st, &error));
  ps_stats_finish (&st);
  int64_t *naive = g_new0 (int64_t, 256);
  int64_t under = 0, over = 0, nans = 0;
  double sum = 0, lo = INFINITY, hi = -INFINITY;
  int64_t finite = 0;
  for (gsize i = 0; i < n; i++)
    {
      int b = ps_histogram_bin_of (h, x[i]);
      if (b == -2) nans++;
      else if (b == -1) under++;
      else if (b == 256) over++;
      else naive[b]++;
      if (isfinite (x[i]))
        {
          sum += x[i];
          lo = MIN (lo, x[i]);
          hi = MAX (hi, x[i]);
          finite++;
        }
    }
  for (int b = 0; b < 256; b++)
    g_assert_cmpint (h->counts[b], ==, naive[b]);
  g_assert_cmpint (h->underflow, ==, under);
  g_assert_cmpint (h->overflow, ==, over);
  g_assert_cmpint (h->nan, ==, nans);
  g_assert_cmpint (h->total, ==, (int64_t) n);
  g_assert_cmpint (st.count, ==, (int64_t) n);
  g_assert_cmpint (st.n_finite, ==, finite);
  g_assert_cmpfloat (st.min, ==, lo);
  g_assert_cmpfloat (st.max, ==, hi);
  g_assert_cmpfloat_with_epsilon (st.mean, sum / finite, 1e-12);
  g_free (naive);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  lcg_state = 99;   /* the seed of the draws before a test sets its own */
  g_test_add_func ("/histogram/golden-numpy-counts", test_golden_counts);
  g_test_add_func ("/histogram/large-split-matches-naive", test_large_split_matches_naive);
  g_test_add_func ("/histogram/fast-path-matches-reference", test_fast_path_matches_reference);
  g_test_add_func ("/histogram/width-and-errors", test_width_and_errors);
  g_test_add_func ("/histogram/auto-range", test_auto_range);
  g_test_add_func ("/distribution/golden-ks", test_golden_ks);
  g_test_add_func ("/distribution/pdf-cdf-moments", test_distributions);
  return g_test_run ();
}
