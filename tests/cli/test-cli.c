/* paramscope-cli as a user runs it: the built binary (PS_CLI) is spawned; exit codes, the stderr
 * format of a failing op, --until, and the state dict / outputs written as safetensors and read
 * back (values checked against PyTorch's, PYTORCH-PARITY.md §11). */
#include "ps-safetensors.h"

#include <string.h>
#include <glib/gstdio.h>
#include "cli-run.h"

static char *
example (const char *name)
{
  return g_test_build_filename (G_TEST_DIST, "..", "examples", name, NULL);
}

static void
test_usage (void)
{
  g_auto (Result) help = { 0 };
  run (&help, "--help", NULL);
  g_assert_cmpint (help.status, ==, 0);
  g_assert_nonnull (strstr (help.out, "run "));
  g_assert_nonnull (strstr (help.out, "describe "));

  g_auto (Result) version = { 0 };
  run (&version, "--version", NULL);
  g_assert_cmpint (version.status, ==, 0);
  g_assert_true (g_str_has_prefix (version.out, "paramscope-cli "));
  g_assert_null (strstr (version.out, "oneDNN"));

  /* --verbose: what decides bit-exactness (tests/meson.build sets OMP_NUM_THREADS=1 and the AVX2 cap) */
  g_auto (Result) verbose = { 0 };
  run (&verbose, "--version", "--verbose", NULL);
  g_assert_cmpint (verbose.status, ==, 0);
  g_assert_nonnull (strstr (verbose.out, "Intra-op threads: 1 (OMP_NUM_THREADS)"));
  g_assert_nonnull (strstr (verbose.out, "ATen CPU capability: "));
  g_assert_nonnull (strstr (verbose.out, "OpenBLAS: core "));
  g_assert_nonnull (strstr (verbose.out, "oneDNN: 2."));
  if (g_strcmp0 (g_getenv ("ONEDNN_MAX_CPU_ISA"), "AVX2") == 0)
    g_assert_nonnull (strstr (verbose.out, "ISA AVX2 (ONEDNN_MAX_CPU_ISA=AVX2)"));
  g_auto (Result) bad_version = { 0 };
  run (&bad_version, "--version", "--frob", NULL);
  g_assert_cmpint (bad_version.status, ==, 2);

  g_auto (Result) none = { 0 };
  run (&none, NULL, NULL);
  g_assert_cmpint (none.status, ==, 2);

  g_auto (Result) unknown = { 0 };
  run (&unknown, "frobnicate", NULL);
  g_assert_cmpint (unknown.status, ==, 2);
  g_assert_nonnull (strstr (unknown.err, "unknown command 'frobnicate'"));

  g_autofree char *a1 = example ("article-1-construction.json");
  g_auto (Result) run_help = { 0 };
  run (&run_help, "run", "--help", NULL);
  g_assert_cmpint (run_help.status, ==, 0);
  g_assert_nonnull (strstr (run_help.out, "--state-dict"));

  g_auto (Result) bad_opt = { 0 };
  run (&bad_opt, "run", a1, "--frob", NULL);
  g_assert_cmpint (bad_opt.status, ==, 2);
  g_assert_nonnull (strstr (bad_opt.err, "unknown option '--frob'"));

  g_auto (Result) no_recipe = { 0 };
  run (&no_recipe, "run", NULL);
  g_assert_cmpint (no_recipe.status, ==, 2);

  g_auto (Result) bad_until = { 0 };
  run (&bad_until, "run", a1, "--until", "two", NULL);
  g_assert_cmpint (bad_until.status, ==, 2);

  g_auto (Result) far_until = { 0 };
  run (&far_until, "describe", a1, "--until=9", NULL);
  g_assert_cmpint (far_until.status, ==, 2);
  g_assert_nonnull (strstr (far_until.err, "the recipe has only 1 ops"));

  g_auto (Result) missing_value = { 0 };
  run (&missing_value, "run", a1, "--state-dict", NULL);
  g_assert_cmpint (missing_value.status, ==, 2);
}

static void
test_failing_op (void)
{
  g_autofree char *a3 = example ("article-3-shared.json");
  g_auto (Result) r = { 0 };
  run (&r, "run", a3, NULL);
  g_assert_cmpint (r.status, ==, 1);
  g_assert_cmpstr (r.err, ==, "error: op 3 (forward): mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)\n");

  g_auto (Result) until = { 0 };
  run (&until, "run", a3, "--until", "2", NULL);
  g_assert_cmpint (until.status, ==, 0);
  g_assert_cmpstr (until.err, ==, "");

  /* describe prints the steps that worked, then fails the same way */
  g_auto (Result) d = { 0 };
  run (&d, "describe", a3, NULL);
  g_assert_cmpint (d.status, ==, 1);
  g_assert_nonnull (strstr (d.out, "step 2: Sequential created as s with (0): l, (1): l"));
  g_assert_nonnull (strstr (d.out, "step 3 (not applied): forward through s failed: mat1 and mat2"));
  g_assert_true (g_str_has_suffix (d.err, "error: op 3 (forward): mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)\n"));

  /* a malformed recipe and a missing file */
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-XXXXXX", NULL);
  g_autofree char *bad = g_build_filename (dir, "bad.json", NULL);
  g_assert_true (g_file_set_contents (bad, "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"ops\": ["
                                      "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
                                      "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"xavier_uniformm_\"}]}", -1, NULL));
  g_auto (Result) b = { 0 };
  run (&b, "run", bad, NULL);
  g_assert_cmpint (b.status, ==, 1);
  g_assert_cmpstr (b.err, ==, "error: op 2 (init): field 'fn': unknown init function 'xavier_uniformm_'\n");
  g_unlink (bad);
  g_auto (Result) m = { 0 };
  run (&m, "run", bad, NULL);
  g_assert_cmpint (m.status, ==, 1);
  g_assert_true (g_str_has_prefix (m.err, "error: "));
  g_rmdir (dir);
}

static void
test_describe (void)
{
  g_autofree char *a2 = example ("article-2-custom-init.json");
  g_auto (Result) r = { 0 };
  run (&r, "describe", a2, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_assert_nonnull (strstr (r.out, "step 4: init loop over model.modules() matching Linear"));
  g_assert_nonnull (strstr (r.out, "CustomModel(\n  (linear1): Linear(in_features=10, out_features=5, bias=True)"));
  /* the parameter table: created at step 1, rewritten at step 4 by xavier_uniform_ */
  g_auto (GStrv) lines = g_strsplit (r.out, "\n", -1);
  gboolean found = FALSE;
  for (guint i = 0; lines[i]; i++)
    if (g_str_has_prefix (lines[i], "model.linear1.weight "))
      {
        g_auto (GStrv) cols = g_strsplit_set (lines[i], " ", -1);
        GPtrArray *words = g_ptr_array_new ();
        for (guint j = 0; cols[j]; j++)
          if (*cols[j])
            g_ptr_array_add (words, cols[j]);
        /* path kind [5, 10] count created written ~ … */
        g_assert_cmpstr (g_ptr_array_index (words, 1), ==, "param");
        g_assert_cmpstr (g_ptr_array_index (words, 4), ==, "50");
        g_assert_cmpstr (g_ptr_array_index (words, 5), ==, "1");
        g_assert_cmpstr (g_ptr_array_index (words, 6), ==, "4");
        g_assert_nonnull (strstr (lines[i], "by xavier_uniform_"));
        g_ptr_array_unref (words);
        found = TRUE;
      }
  g_assert_true (found);

  g_autofree char *lazy = example ("lazy.json");
  g_auto (Result) l = { 0 };
  run (&l, "describe", lazy, "--until", "3", NULL);
  g_assert_cmpint (l.status, ==, 0);
  g_assert_nonnull (strstr (l.out, "(+ 2 uninitialized)"));
  g_assert_nonnull (strstr (l.out, "uninitialized"));
  g_assert_null (strstr (l.out, "step 4"));
}

static void
test_state_dict_file (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-XXXXXX", NULL);
  g_autofree char *sd = g_build_filename (dir, "sd.safetensors", NULL);
  g_autofree char *a1 = example ("article-1-construction.json");
  g_auto (Result) r = { 0 };
  run (&r, "run", a1, "--state-dict", sd, NULL);
  g_assert_cmpint (r.status, ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) st = ps_safetensors_open (sd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st), ==, 2);
  g_autoptr (PsTensor) w = ps_safetensors_load (st, "weight", &error);
  g_assert_no_error (error);
  /* torch.manual_seed(0); nn.Linear(10, 5).weight[0, :4] (PYTORCH-PARITY.md §11) */
  const guint32 expect[4] = { 0xbb1b28bd, 0x3e2db5ad, 0xbe854213, 0xbe6e4f4b };
  for (int i = 0; i < 4; i++)
    {
      guint32 bits;
      memcpy (&bits, ps_tensor_cf32 (w) + i, 4);
      g_assert_cmphex (bits, ==, expect[i]);
    }
  g_unlink (sd);

  /* every path of a shared module, stored once with aliases or copied with --copy-shared */
  g_autofree char *a3 = example ("article-3-shared.json");
  for (int copy = 0; copy < 2; copy++)
    {
      g_auto (Result) s = { 0 };
      if (copy)
        run (&s, "run", a3, "--until", "2", "--state-dict", sd, "--copy-shared", NULL);
      else
        run (&s, "run", a3, "--until", "2", "--state-dict", sd, NULL);
      g_assert_cmpint (s.status, ==, 0);
      g_autoptr (PsSafetensors) st3 = ps_safetensors_open (sd, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (ps_safetensors_get_n_tensors (st3), ==, 4);
      g_assert_nonnull (ps_safetensors_lookup (st3, "1.weight"));
      g_assert_true ((ps_safetensors_lookup (st3, "1.weight")->alias_of != NULL) == !copy);
      g_autoptr (PsTensor) w0 = ps_safetensors_load (st3, "0.weight", &error);
      g_autoptr (PsTensor) w1 = ps_safetensors_load (st3, "1.weight", &error);
      g_assert_true (ps_tensor_equal (w0, w1));
      g_unlink (sd);
    }

  /* lazy parameters are left out until materialized; outputs are written by name */
  g_autofree char *lazy = example ("lazy.json");
  g_autofree char *out = g_build_filename (dir, "out.safetensors", NULL);
  g_auto (Result) l3 = { 0 };
  run (&l3, "run", lazy, "--until", "3", "--state-dict", sd, NULL);
  g_assert_cmpint (l3.status, ==, 0);
  g_autoptr (PsSafetensors) st_l3 = ps_safetensors_open (sd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st_l3), ==, 2);
  g_assert_nonnull (ps_safetensors_lookup (st_l3, "eager.weight"));
  g_assert_null (ps_safetensors_lookup (st_l3, "lazy.weight"));
  g_auto (Result) l4 = { 0 };
  run (&l4, "run", lazy, "--state-dict", sd, "--outputs", out, NULL);
  g_assert_cmpint (l4.status, ==, 0);
  g_autoptr (PsSafetensors) st_l4 = ps_safetensors_open (sd, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (st_l4), ==, 4);
  g_assert_cmpint (ps_safetensors_lookup (st_l4, "lazy.weight")->shape[1], ==, 10);
  g_autoptr (PsSafetensors) so = ps_safetensors_open (out, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (so), ==, 1);
  g_assert_cmpint (ps_safetensors_lookup (so, "y")->shape[0], ==, 2);
  g_unlink (sd);
  g_unlink (out);
  g_rmdir (dir);
}

/* A state dict written by `run --state-dict` loads back through a recipe's load op, with the file
 * named relative to the recipe. */
static void
test_load_round_trip (void)
{
  g_autofree char *dir = g_dir_make_tmp ("ps-cli-XXXXXX", NULL);
  g_autofree char *w = g_build_filename (dir, "w.safetensors", NULL);
  g_autofree char *a2 = example ("article-2-custom-init.json");
  g_auto (Result) r = { 0 };
  run (&r, "run", a2, "--until", "4", "--state-dict", w, NULL);
  g_assert_cmpint (r.status, ==, 0);

  g_autofree char *recipe = g_build_filename (dir, "load.json", NULL);
  g_assert_true (g_file_set_contents (recipe,
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 7, \"root\": \"m\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Linear\", \"args\": {\"in_features\": 10, \"out_features\": 5}},"
    "{\"op\": \"module\", \"id\": \"b\", \"type\": \"Linear\", \"args\": {\"in_features\": 5, \"out_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"Sequential\", \"children\": {\"linear1\": \"a\", \"linear2\": \"b\"}},"
    "{\"op\": \"load\", \"target\": \"m\", \"file\": \"w.safetensors\"}]}", -1, NULL));
  g_autofree char *w2 = g_build_filename (dir, "w2.safetensors", NULL);
  g_auto (Result) l = { 0 };
  run (&l, "run", recipe, "--state-dict", w2, NULL);
  g_assert_cmpstr (l.err, ==, "");
  g_assert_cmpint (l.status, ==, 0);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsSafetensors) s1 = ps_safetensors_open (w, &error);
  g_autoptr (PsSafetensors) s2 = ps_safetensors_open (w2, &error);
  g_assert_no_error (error);
  g_assert_cmpuint (ps_safetensors_get_n_tensors (s1), ==, 4);
  for (guint i = 0; i < ps_safetensors_get_n_tensors (s1); i++)
    {
      const char *name = ps_safetensors_get_info (s1, i)->name;
      g_autoptr (PsTensor) x = ps_safetensors_load (s1, name, &error);
      g_autoptr (PsTensor) y = ps_safetensors_load (s2, name, &error);
      g_assert_no_error (error);
      g_assert_true (ps_tensor_equal (x, y));
    }
  g_auto (Result) d = { 0 };
  run (&d, "describe", recipe, NULL);
  g_assert_nonnull (strstr (d.out, "step 4: m.load_state_dict(w.safetensors): m.linear1.weight, m.linear1.bias, m.linear2.weight, m.linear2.bias"));
  g_unlink (w);
  g_unlink (w2);
  g_unlink (recipe);
  g_rmdir (dir);
}

/* The process-wide memory budget from the environment (issue #10; the budget itself:
 * tests/doc/test-memory-budget.c): PS_MEMORY_BUDGET_MB=16 and a recipe with a 4096×4096 Linear fail
 * with exit status 1 naming the sizes, 0 lifts the budget, a word is a usage error. */
static void
test_cli_budget (void)
{
  if (g_getenv ("PS_CLI") == NULL)
    {
      g_test_skip ("PS_CLI not set");
      return;
    }
  g_autofree char *dir = g_dir_make_tmp ("ps-budget-XXXXXX", NULL);
  g_autofree char *path = g_build_filename (dir, "big.json", NULL);
  const char *text =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"l\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 4096, \"out_features\": 4096}}]}";
  g_assert_true (g_file_set_contents (path, text, -1, NULL));
  const char *budgets[] = { "16", "0", "lots" };
  const int want_status[] = { 1, 0, 2 };
  for (guint i = 0; i < G_N_ELEMENTS (budgets); i++)
    {
      g_auto (GStrv) env = g_environ_setenv (g_get_environ (), "PS_MEMORY_BUDGET_MB", budgets[i], TRUE);
      g_auto (Result) r = { 0 };
      run_env (&r, env, "run", path);
      g_test_message ("PS_MEMORY_BUDGET_MB=%s: %s", budgets[i], r.err);
      g_assert_cmpint (r.status, ==, want_status[i]);
      if (want_status[i] == 1)
        {
          g_assert_nonnull (strstr (r.err, "64.0 MiB"));
          g_assert_nonnull (strstr (r.err, "memory budget is 16.0 MiB"));
        }
      if (want_status[i] == 2)
        g_assert_nonnull (strstr (r.err, "PS_MEMORY_BUDGET_MB=lots"));
    }
  g_unlink (path);
  g_rmdir (dir);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli/usage", test_usage);
  g_test_add_func ("/cli/failing-op", test_failing_op);
  g_test_add_func ("/cli/describe", test_describe);
  g_test_add_func ("/cli/state-dict", test_state_dict_file);
  g_test_add_func ("/cli/load-round-trip", test_load_round_trip);
  g_test_add_func ("/cli/memory-budget", test_cli_budget);
  return g_test_run ();
}
