/* test-init.c — torch.nn.init against torch 1.13: bits, draw counts, errors, PsInitInfo. */
#include <math.h>
#include <string.h>
#include "ps-init.h"
#include "ps-distribution.h"
#include "gen-golden-util.h"

/* ---- the shared golden set (torch-1.13-golden.json, AVX2) --------------------------------- */

typedef struct {
  const char *name;
  const char *fn;
  const char *k1; double v1;
  const char *k2; double v2;
  const char *k3; double v3;
  const char *k4; double v4;
  const char *mode, *nonlinearity;
} SharedInit;

static const SharedInit shared_inits[] = {
  { "init.uniform_.3x5", "uniform_" },
  { "init.uniform_.4x4.a-0.1.b0.3", "uniform_", "a", -0.1, "b", 0.3 },
  { "init.normal_.3x5", "normal_" },
  { "init.normal_.4x5.mean0.1.std0.02", "normal_", "mean", 0.1, "std", 0.02 },
  { "init.constant_.2x3", "constant_", "val", 0.3 },
  { "init.ones_.2x3", "ones_" },
  { "init.zeros_.2x3", "zeros_" },
  { "init.eye_.3x5", "eye_" },
  { "init.dirac_.4x2x3", "dirac_" },
  { "init.dirac_.6x4x3x3.groups2", "dirac_", "groups", 2 },
  { "init.dirac_.2x2x1x3x3", "dirac_" },
  { "init.xavier_uniform_.30x20", "xavier_uniform_" },
  { "init.xavier_uniform_.5x3x3x3.gain_relu", "xavier_uniform_", "gain", -1 /* calculate_gain('relu') */ },
  { "init.xavier_normal_.30x20", "xavier_normal_" },
  { "init.xavier_normal_.2x3", "xavier_normal_" },
  { "init.kaiming_uniform_.30x20", "kaiming_uniform_" },
  { "init.kaiming_uniform_.30x20.a_sqrt5", "kaiming_uniform_", "a", -2 /* math.sqrt(5) */ },
  { "init.kaiming_uniform_.8x4x3x3.fan_out.relu", "kaiming_uniform_", .mode = "fan_out", .nonlinearity = "relu" },
  { "init.kaiming_normal_.30x20", "kaiming_normal_" },
  { "init.kaiming_normal_.16x8x3x3.fan_out.relu", "kaiming_normal_", .mode = "fan_out", .nonlinearity = "relu" },
  { "init.kaiming_normal_.3x4", "kaiming_normal_" },
  { "init.trunc_normal_.1000", "trunc_normal_" },
  { "init.trunc_normal_.50x20.std0.02", "trunc_normal_", "std", 0.02 },
  { "init.trunc_normal_.40.mean0.5.a0.b1", "trunc_normal_", "mean", 0.5, "std", 1.0, "a", 0.0, "b", 1.0 },
  { "init.orthogonal_.6x4", "orthogonal_" },
  { "init.orthogonal_.4x6", "orthogonal_" },
  { "init.orthogonal_.5x5", "orthogonal_" },
  { "init.orthogonal_.8x2x2x2.gain2", "orthogonal_", "gain", 2.0 },
  { "init.orthogonal_.64x32", "orthogonal_" },
  { "init.orthogonal_.100x100", "orthogonal_" },
  { "init.sparse_.10x6.sp0.3", "sparse_", "sparsity", 0.3 },
};

static void
set_arg (PsArgs *args, const char *k, double v)
{
  if (k == NULL)
    return;
  if (strcmp (k, "groups") == 0)
    ps_args_set_int (args, k, (int64_t) v);
  else if (v == -1)
    {
      double g;
      g_assert_true (ps_init_calculate_gain ("relu", FALSE, 0, &g, NULL));
      ps_args_set_double (args, k, g);
    }
  else if (v == -2)
    ps_args_set_double (args, k, sqrt (5));
  else
    ps_args_set_double (args, k, v);
}

static void
test_shared_golden (void)
{
  g_autoptr (JsonParser) parser = golden_load ("torch-1.13-golden.json");
  JsonArray *all = golden_cases (parser);
  guint n_init = 0;
  for (guint i = 0; i < json_array_get_length (all); i++)
    if (strcmp (json_object_get_string_member (json_array_get_object_element (all, i), "kind"), "init") == 0)
      n_init++;
  g_assert_cmpuint (n_init, ==, G_N_ELEMENTS (shared_inits));

  for (gsize k = 0; k < G_N_ELEMENTS (shared_inits); k++)
    {
      const SharedInit *si = &shared_inits[k];
      JsonObject *c = golden_find (parser, si->name);
      JsonObject *w = json_object_get_object_member (json_object_get_object_member (c, "tensors"), "w");
      int64_t shape[PS_MAX_DIMS];
      int nd = golden_shape (json_object_get_array_member (w, "shape"), shape);
      g_autoptr (PsTensor) t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, nd, shape, NULL);
      g_autoptr (PsArgs) args = ps_args_new ();
      set_arg (args, si->k1, si->v1);
      set_arg (args, si->k2, si->v2);
      set_arg (args, si->k3, si->v3);
      set_arg (args, si->k4, si->v4);
      if (si->mode != NULL)
        ps_args_set_string (args, "mode", si->mode);
      if (si->nonlinearity != NULL)
        ps_args_set_string (args, "nonlinearity", si->nonlinearity);
      PsGenerator gen;
      ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
      g_autoptr (GError) error = NULL;
      PsInitInfo info;
      g_assert_true (ps_init_apply (t, si->fn, args, &gen, &info, &error));
      g_assert_no_error (error);
      golden_assert_f32 (si->name, ps_tensor_cf32 (t), (size_t) t->numel, json_object_get_array_member (w, "hex"));
      golden_assert_probe (si->name, &gen, c);
      g_assert_cmpstr (info.fn, ==, si->fn);
    }
}

static void
test_shared_scalars (void)
{
  g_autoptr (JsonParser) parser = golden_load ("torch-1.13-golden.json");
  JsonObject *gains = json_object_get_object_member (golden_find (parser, "init.calculate_gain"), "values");
  g_autoptr (GList) names = json_object_get_members (gains);
  g_assert_cmpuint (g_list_length (names), >=, 14);
  for (GList *l = names; l != NULL; l = l->next)
    {
      const char *key = l->data;
      g_autofree char *nl = g_strdup (key);
      char *paren = strchr (nl, '(');
      gboolean has = paren != NULL;
      double param = 0;
      if (has)
        {
          *paren = '\0';
          param = g_ascii_strtod (paren + 1, NULL);
        }
      double g;
      g_assert_true (ps_init_calculate_gain (nl, has, param, &g, NULL));
      JsonObject *v = json_object_get_object_member (gains, key);
      golden_assert_info_f64 (key, "hex64", g, v);
    }

  JsonObject *fans = json_object_get_object_member (golden_find (parser, "init._calculate_fan_in_and_fan_out"), "values");
  g_autoptr (GList) shapes = json_object_get_members (fans);
  for (GList *l = shapes; l != NULL; l = l->next)
    {
      /* keys are Python lists: "[8, 3, 3, 3]" */
      g_auto (GStrv) parts = g_strsplit_set ((const char *) l->data, "[], ", -1);
      int64_t shape[PS_MAX_DIMS];
      int nd = 0;
      for (int i = 0; parts[i] != NULL; i++)
        if (parts[i][0] != '\0')
          shape[nd++] = g_ascii_strtoll (parts[i], NULL, 10);
      g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, NULL);
      int64_t f[2];
      g_assert_true (ps_init_fans (t, &f[0], &f[1], NULL));
      golden_assert_i64 (l->data, f, 2, json_object_get_array_member (fans, l->data));
    }
}

/* ---- fixtures of tests/golden/gen_init.py: every function, non-default args, errors, both
 * flavours; errors must leave tensor and generator untouched ---------------------------------- */

static void
test_fixture_init (void)
{
  g_assert_cmpuint (golden_run_cases ("init."), >=, 140);
}

/* numbers beyond float and double range in every float argument (PS_GOLDEN_SET=overflow
 * tests/golden/gen_init.py): the same error as torch, or the same values */
static void
test_fixture_overflow (void)
{
  g_assert_cmpuint (golden_run_cases_in ("overflow-golden.json", "init.overflow."), ==, 192);
}

/* ---- by name, specs, info ------------------------------------------------------------------- */

static void
test_apply_errors (void)
{
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 3, 4, NULL);
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  before = gen;
  g_autoptr (GError) error = NULL;

  g_assert_false (ps_init_apply (t, "kaiming_uniformm_", NULL, &gen, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
  g_assert_nonnull (strstr (error->message, "kaiming_uniformm_"));
  g_clear_error (&error);

  g_autoptr (PsArgs) bad = ps_args_new ();
  ps_args_set_double (bad, "gian", 2.0);
  g_assert_false (ps_init_apply (t, "xavier_uniform_", bad, &gen, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "gian"));
  g_clear_error (&error);

  /* constant_ needs val */
  g_assert_false (ps_init_apply (t, "constant_", NULL, &gen, NULL, &error));
  g_assert_nonnull (strstr (error->message, "val"));
  g_clear_error (&error);

  /* int64 tensors are refused */
  g_autoptr (PsTensor) ti = ps_tensor_new_2d (PS_DTYPE_INT64, 3, 4, NULL);
  g_assert_false (ps_init_apply (ti, "uniform_", NULL, &gen, NULL, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_clear_error (&error);
  g_assert_true (ps_generator_equal (&gen, &before));

  /* every listed function has a spec table, and every table resolves its own defaults
   * (except the required arguments) */
  const char *const *names = ps_init_function_names ();
  guint n = 0;
  for (; names[n] != NULL; n++)
    {
      const PsArgSpec *spec = ps_init_function_args (names[n]);
      g_assert_nonnull (spec);
      g_autoptr (PsArgs) given = ps_args_new ();
      for (const PsArgSpec *s = spec; s->name != NULL; s++)
        if (s->required)
          ps_args_set_double (given, s->name, 0.25);
      g_autoptr (PsArgs) r = ps_args_resolve (spec, given, &error);
      g_assert_no_error (error);
      g_assert_nonnull (r);
    }
  g_assert_cmpuint (n, ==, 14);
  g_assert_null (ps_init_function_args ("calculate_gain"));
}

static void
test_info (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 5, 10, NULL);
  PsInitInfo info;
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_double (args, "a", sqrt (5));
  g_assert_true (ps_init_apply (t, "kaiming_uniform_", args, &gen, &info, NULL));
  g_assert_cmpstr (info.fn, ==, "kaiming_uniform_");
  g_assert_cmpstr (info.args, ==, "a=2.23606797749979, mode='fan_in', nonlinearity='leaky_relu'");
  g_assert_cmpint (info.dist, ==, PS_DIST_UNIFORM);
  g_assert_true (info.has_fans);
  g_assert_cmpint (info.fan_in, ==, 10);
  g_assert_cmpint (info.fan_out, ==, 5);
  /* Linear(10, 5): bound = 1/√10 */
  g_assert_cmpfloat_with_epsilon (info.b, 1 / sqrt (10), 1e-15);
  g_assert_cmpfloat (info.a, ==, -info.b);
  g_assert_nonnull (strstr (info.formula, "0.316228"));
  g_assert_nonnull (strstr (info.formula, "fan_in"));
  double m, s;
  g_assert_true (ps_distribution_moments (&info, &m, &s));
  g_assert_cmpfloat (m, ==, 0.0);
  g_assert_cmpfloat_with_epsilon (s, info.b / sqrt (3), 1e-15);

  /* constant and normal */
  g_assert_true (ps_init_constant_ (t, 0.1, &info, NULL));
  g_assert_true (ps_distribution_moments (&info, &m, &s));
  g_assert_cmpfloat (m, ==, (double) 0.1f);
  g_assert_cmpfloat (s, ==, 0.0);
  g_assert_true (ps_init_normal_ (t, 1.5, 0.25, &gen, &info, NULL));
  g_assert_true (ps_distribution_moments (&info, &m, &s));
  g_assert_cmpfloat (m, ==, 1.5);
  g_assert_cmpfloat (s, ==, 0.25);
  g_assert_true (isnan (info.gain));

  /* trunc_normal_ symmetric truncation: mean stays, std shrinks to √(1 − 4φ(2)/(2Φ(2) − 1)) ≈ 0.87963 */
  g_assert_true (ps_init_trunc_normal_ (t, 0, 1, -2, 2, &gen, &info, NULL));
  g_assert_cmpint (info.dist, ==, PS_DIST_TRUNC_NORMAL);
  g_assert_true (ps_distribution_moments (&info, &m, &s));
  g_assert_cmpfloat (fabs (m), <, 1e-15);
  g_assert_cmpfloat_with_epsilon (s, 0.8796256610, 1e-9);

  /* OTHER has no moments */
  g_assert_true (ps_init_eye_ (t, &info, NULL));
  g_assert_cmpint (info.dist, ==, PS_DIST_OTHER);
  g_assert_false (ps_distribution_moments (&info, &m, &s));
  ps_init_info_clear (&info);
  g_assert_cmpint (info.dist, ==, PS_DIST_NONE);
  g_assert_false (ps_distribution_moments (&info, &m, &s));
}

/* kaiming on a zero-size tensor is a no-op: no error, no draw (even 1-D) */
static void
test_kaiming_zero_size (void)
{
  PsGenerator gen, before;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  before = gen;
  int64_t shape1[1] = { 0 };
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, 1, shape1, NULL);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_init_kaiming_normal_ (t, 0, "fan_in", "leaky_relu", &gen, NULL, &error));
  g_assert_no_error (error);
  g_assert_true (ps_generator_equal (&gen, &before));
}

/* Empirical moments of a large init agree with PsInitInfo (a sanity check of the formulas). */
static void
test_moments_large (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 1, PS_FLAVOUR_AVX2);
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 512, 512, NULL);
  const char *fns[] = { "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "trunc_normal_" };
  for (gsize k = 0; k < G_N_ELEMENTS (fns); k++)
    {
      PsInitInfo info;
      g_assert_true (ps_init_apply (t, fns[k], NULL, &gen, &info, NULL));
      double m, s, sum = 0, sq = 0;
      g_assert_true (ps_distribution_moments (&info, &m, &s));
      for (int64_t i = 0; i < t->numel; i++)
        {
          double v = ps_tensor_cf32 (t)[i];
          sum += v;
          sq += v * v;
        }
      double em = sum / t->numel, es = sqrt (sq / t->numel - em * em);
      g_assert_cmpfloat (fabs (em - m), <, 5 * s / sqrt (t->numel));
      g_assert_cmpfloat (fabs (es / s - 1), <, 0.01);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/init/shared-golden", test_shared_golden);
  g_test_add_func ("/init/shared-scalars", test_shared_scalars);
  g_test_add_func ("/init/fixtures", test_fixture_init);
  g_test_add_func ("/init/apply-errors", test_apply_errors);
  g_test_add_func ("/init/fixture-overflow", test_fixture_overflow);
  g_test_add_func ("/init/info", test_info);
  g_test_add_func ("/init/kaiming-zero-size", test_kaiming_zero_size);
  g_test_add_func ("/init/moments-large", test_moments_large);
  return g_test_run ();
}
