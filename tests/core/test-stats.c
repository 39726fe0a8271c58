/* test-stats.c — statistics and quantiles against numpy (tests/golden/gen_stats.py), plus
 * properties the fixtures cannot show (merging, block boundaries, selection on adversarial data). */
#include <math.h>
#include <string.h>
#include "ps-stats.h"
#include "golden-util.h"
#include "lcg-test-util.h"

static void
assert_close (double got, double want, double rtol, double atol, const char *what,
              const char *name)
{
  if (isnan (want))
    {
      if (!isnan (got))
        g_error ("%s %s: got %.17g, want nan", name, what, got);
      return;
    }
  if (!(fabs (got - want) <= atol + rtol * fabs (want)))
    g_error ("%s %s: got %.17g, want %.17g", name, what, got, want);
}

static void
test_golden_stats (void)
{
  g_autoptr (JsonParser) p = golden_load ();
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *qs = json_object_get_array_member (root, "quantiles");
  guint nq = json_array_get_length (qs);
  double q[32];
  for (guint i = 0; i < nq; i++)
    q[i] = json_array_get_double_element (qs, i);
  JsonArray *cases = json_object_get_array_member (root, "cases");
  g_assert_cmpuint (json_array_get_length (cases), >=, 10);
  for (guint ci = 0; ci < json_array_get_length (cases); ci++)
    {
      JsonObject *c = json_array_get_object_element (cases, ci);
      const char *name = json_object_get_string_member (c, "name");
      JsonObject *want = json_object_get_object_member (c, "stats");
      g_autoptr (PsTensor) t = golden_tensor (c);
      PsStats s;
      ps_stats_compute (t, &s);
      g_assert_cmpint (s.count, ==, json_object_get_int_member (want, "count"));
      g_assert_cmpint (s.n_finite, ==, json_object_get_int_member (want, "n_finite"));
      g_assert_cmpint (s.n_nan, ==, json_object_get_int_member (want, "n_nan"));
      g_assert_cmpint (s.n_posinf, ==, json_object_get_int_member (want, "n_posinf"));
      g_assert_cmpint (s.n_neginf, ==, json_object_get_int_member (want, "n_neginf"));
      g_assert_cmpint (s.n_zero, ==, json_object_get_int_member (want, "n_zero"));
      if (s.n_finite == 0)
        {
          g_assert_true (isnan (s.mean) && isnan (s.std) && isnan (s.min));
          continue;
        }
      assert_close (s.mean, golden_member (want, "mean"), 1e-12, 1e-300, "mean", name);
      assert_close (s.std, golden_member (want, "std"), 1e-10, 1e-300, "std", name);
      assert_close (s.std_pop, golden_member (want, "std_pop"), 1e-10, 1e-300, "std_pop", name);
      g_assert_cmpfloat (s.min, ==, golden_member (want, "min"));
      g_assert_cmpfloat (s.max, ==, golden_member (want, "max"));
      assert_close (s.l2_norm, golden_member (want, "l2_norm"), 1e-12, 0, "l2", name);
      if (json_object_has_member (want, "torch_std") && s.n_finite > 1)
        /* torch.std computes in float32: agreement to float32 precision */
        assert_close (s.std, golden_member (want, "torch_std"), 1e-5, 1e-30, "torch std", name);

      double got[32];
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_stats_quantiles (t, q, nq, got, &error));
      g_assert_no_error (error);
      JsonArray *wq = json_object_get_array_member (want, "quantiles");
      for (guint i = 0; i < nq; i++)
        {
          g_autofree char *what = g_strdup_printf ("quantile %g", q[i]);
          assert_close (got[i], golden_double (json_array_get_element (wq, i)), 1e-14, 1e-300,
                        what, name);
        }
    }
}

static PsTensor *
random_tensor (gsize n, double scale, double offset)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, &error);
  g_assert_no_error (error);
  for (gsize i = 0; i < n; i++)
    ps_tensor_f32 (t)[i] = (float) (offset + scale * (2 * lcg_uniform () - 1));
  return t;
}

/* Naive reference: two passes in long double. */
static void
naive_stats (const float *x, gsize n, long double *mean, long double *m2)
{
  long double s = 0;
  gsize k = 0;
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i]))
      {
        s += x[i];
        k++;
      }
  *mean = s / k;
  long double q = 0;
  for (gsize i = 0; i < n; i++)
    if (isfinite (x[i]))
      q += (x[i] - *mean) * (x[i] - *mean);
  *m2 = q;
}

static void
test_blocks_and_merge (void)
{
  lcg_state = 7;
  /* sizes around the block boundary, and a NaN in the middle of a later block */
  gsize sizes[] = { 1, 7, 8, 9, PS_STATS_BLOCK - 1, PS_STATS_BLOCK, PS_STATS_BLOCK + 1, 100003 };
  for (guint si = 0; si < G_N_ELEMENTS (sizes); si++)
    {
      gsize n = sizes[si];
      g_autoptr (PsTensor) t = random_tensor (n, 0.5, 3.0);
      if (n > 5000)
        ps_tensor_f32 (t)[4999] = NAN;
      PsStats s;
      ps_stats_compute (t, &s);
      long double mean, m2;
      naive_stats (ps_tensor_cf32 (t), n, &mean, &m2);
      g_assert_cmpint (s.n_nan, ==, n > 5000 ? 1 : 0);
      g_assert_cmpfloat_with_epsilon (s.mean, (double) mean, 1e-14 * 3);
      if (n > 1)
        g_assert_cmpfloat_with_epsilon (s.var_pop, (double) (m2 / s.n_finite), 1e-13);

      /* Splitting the data anywhere and merging gives the same result. */
      gsize cut = n / 3;
      PsStats a, b;
      ps_stats_init (&a);
      ps_stats_init (&b);
      ps_stats_add_f32 (&a, ps_tensor_cf32 (t), cut);
      ps_stats_add_f32 (&b, ps_tensor_cf32 (t) + cut, n - cut);
      ps_stats_merge (&a, &b);
      ps_stats_finish (&a);
      g_assert_cmpint (a.count, ==, s.count);
      g_assert_cmpfloat_with_epsilon (a.mean, s.mean, 1e-14 * 3);
      g_assert_cmpfloat_with_epsilon (a.std_pop, s.std_pop, 1e-13);
      g_assert_cmpfloat (a.min, ==, s.min);
      g_assert_cmpfloat (a.max, ==, s.max);
    }
}

static void
test_many_tensors_is_concatenation (void)
{
  lcg_state = 11;
  g_autoptr (PsTensor) a = random_tensor (1000, 1.0, 0.0);
  g_autoptr (PsTensor) b = random_tensor (37, 5.0, 2.0);
  g_autoptr (GError) error = NULL;
  int64_t one = 1;
  g_autoptr (PsTensor) c = ps_tensor_new (PS_DTYPE_INT64, 1, &one, &error);
  ps_tensor_i64 (c)[0] = 42;
  g_autoptr (PsTensor) all = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 1038, &error);
  memcpy (ps_tensor_f32 (all), ps_tensor_cf32 (a), 1000 * 4);
  memcpy (ps_tensor_f32 (all) + 1000, ps_tensor_cf32 (b), 37 * 4);
  ps_tensor_f32 (all)[1037] = 42;
  const PsTensor *parts[3] = { a, b, c };
  PsStats s, w;
  ps_stats_compute_many (parts, 3, &s);
  ps_stats_compute (all, &w);
  g_assert_cmpint (s.count, ==, 1038);
  g_assert_cmpfloat_with_epsilon (s.mean, w.mean, 1e-14);
  g_assert_cmpfloat_with_epsilon (s.std, w.std, 1e-13);
  g_assert_cmpfloat (s.max, ==, 42);
  double q[3] = { 0.5, 0.99, 1.0 }, got[3], want[3];
  g_assert_true (ps_stats_quantiles_many (parts, 3, q, 3, got, &error));
  g_assert_true (ps_stats_quantiles (all, q, 3, want, &error));
  for (int i = 0; i < 3; i++)
    g_assert_cmpfloat_with_epsilon (got[i], want[i], 1e-12);

  ps_stats_compute_many (NULL, 0, &s);
  g_assert_cmpint (s.count, ==, 0);
  g_assert_true (isnan (s.mean));
}

static int
cmp_float (const void *a, const void *b)
{
  float x = *(const float *) a, y = *(const float *) b;
  return (x > y) - (x < y);
}

/* Selection against a full sort, on data that breaks naive quickselects. */
static void
test_selection_matches_sort (void)
{
  lcg_state = 5;
  for (int kind = 0; kind < 5; kind++)
    {
      gsize n = 20001;
      float *x = g_new (float, n), *sorted = g_new (float, n);
      for (gsize i = 0; i < n; i++)
        {
          switch (kind)
            {
            case 0: x[i] = (float) lcg_uniform (); break;
            case 1: x[i] = (float) i; break;                       /* sorted */
            case 2: x[i] = (float) (n - i); break;                 /* reversed */
            case 3: x[i] = (float) (i % 3); break;                 /* many ties */
            default: x[i] = (i % 2) ? (float) i : -(float) i; break; /* organ pipe-ish */
            }
          sorted[i] = x[i];
        }
      qsort (sorted, n, sizeof (float), cmp_float);
      double q[5] = { 0.999, 0.0, 0.5, 0.3, 1.0 }, got[5];
      ps_stats_quantiles_inplace_f32 (x, n, q, 5, got);
      for (int i = 0; i < 5; i++)
        {
          double v = q[i] * (n - 1);
          gsize lo = (gsize) floor (v);
          double want = lo + 1 < n ? sorted[lo] + (sorted[lo + 1] - (double) sorted[lo]) * (v - lo)
                                   : sorted[n - 1];
          g_assert_cmpfloat_with_epsilon (got[i], want, 1e-9 * (1 + fabs (want)));
        }
      g_free (x);
      g_free (sorted);
    }
}

static void
test_quantile_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, &error);
  double q = 1.5, out = 0;
  g_assert_false (ps_stats_quantiles (t, &q, 1, &out, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/stats/golden-numpy", test_golden_stats);
  g_test_add_func ("/stats/blocks-and-merge", test_blocks_and_merge);
  g_test_add_func ("/stats/many-tensors", test_many_tensors_is_concatenation);
  g_test_add_func ("/stats/selection-matches-sort", test_selection_matches_sort);
  g_test_add_func ("/stats/quantile-errors", test_quantile_errors);
  return g_test_run ();
}
