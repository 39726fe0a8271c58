/* test-train-random.c — random training recipes against torch 1.13 (issue 12: "a random set of
 * training recipes … replay with every recorded tensor equal to torch's"). The recipes in
 * tests/data/train-random come from tests/golden/random_train_recipes.py (a seeded random choice of
 * architecture × data × loss × optimizer × scheduler × clip/record_every/shuffle/drop_last), which
 * also ran each one as its torch code into tests/data/train-random-golden.json. Each recipe is
 * replayed here as `paramscope-cli run` replays it (ps_timeline_new_from_recipe); at every recorded
 * step the loss, the lr the step used and the lr after it (doubles), every parameter, .grad, float
 * buffer and optimizer state tensor (opt.state[p], "step" included) must be torch's bit for bit,
 * and the generator must end where torch's did. /train-random/cli runs each recipe through
 * `paramscope-cli run --state-dict`: the file must hold torch's model.state_dict() after the loop.
 * Every difference is counted and named; the test fails unless there are none (no case is
 * tolerated).
 *
 * One binary, three runs (tests/meson.build): test-train-random (the recipes of tests/data/train-random,
 * flavour "avx2", against torch at AVX2), test-train-random-avx512 (the same recipes with
 * ATEN_CPU_CAPABILITY=avx512 against torch run at AVX512: PS_TRAIN_RANDOM_GOLDEN; skips on a CPU
 * without AVX-512, where torch cannot run so) and test-train-random-default(-avx512) (other recipes with
 * "flavour": "default", tests/data/train-random-default, against torch at ATEN_CPU_CAPABILITY=default:
 * PS_TRAIN_RANDOM_DIR; the -avx512 run checks that the recipe's flavour, not the environment's
 * capability, decides). */
#include <string.h>
#include <glib/gstdio.h>
#include "ps-cpu.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-train-ops.h"
#include "ps-safetensors.h"
#include "train-golden.h"
#include "cli-run.h"

static guint64 n_values, n_diff;
static GString *fails;

static void
differs (const char *run, const char *fmt, ...) G_GNUC_PRINTF (2, 3);

static void
differs (const char *run, const char *fmt, ...)
{
  va_list ap;
  va_start (ap, fmt);
  g_autofree char *m = g_strdup_vprintf (fmt, ap);
  va_end (ap);
  n_diff++;
  if (fails->len < 8000)
    g_string_append_printf (fails, "  %s: %s\n", run, m);
}

/* Bitwise comparison of n float32 values with a golden {"shape", "hex"|"sha256"}; counts, never aborts. */
static void
cmp_values (const char *run, const char *what, const float *got, int64_t n, JsonObject *expect)
{
  JsonArray *shape = json_object_get_array_member (expect, "shape");
  int64_t en = 1;
  for (guint i = 0; i < json_array_get_length (shape); i++)
    en *= json_array_get_int_element (shape, i);
  if (en != n)
    {
      differs (run, "%s has %" G_GINT64_FORMAT " values, torch %" G_GINT64_FORMAT, what, n, en);
      return;
    }
  n_values += (guint64) n;
  if (json_object_has_member (expect, "sha256"))
    {
      g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, (const guchar *) got,
                                                          (gsize) n * sizeof (float));
      if (strcmp (sha, json_object_get_string_member (expect, "sha256")) != 0)
        differs (run, "%s: the %" G_GINT64_FORMAT " values differ from torch's (SHA-256)", what, n);
      return;
    }
  JsonArray *hex = json_object_get_array_member (expect, "hex");
  for (int64_t i = 0; i < n; i++)
    {
      float e = tg_hex_float (json_array_get_string_element (hex, (guint) i));
      if (memcmp (&e, &got[i], sizeof e) != 0 && !(isnan (e) && isnan (got[i])))
        {
          differs (run, "%s: value %" G_GINT64_FORMAT " is %.9g (%a), torch has %.9g (%a)", what, i, got[i], got[i], e, e);
          return;
        }
    }
}

static void
cmp_tensor (const char *run, const char *what, const PsTensor *got, JsonObject *expect)
{
  if (got == NULL)
    differs (run, "%s is missing", what);
  else if (got->dtype != PS_DTYPE_FLOAT32)
    differs (run, "%s is not float32", what);
  else
    cmp_values (run, what, ps_tensor_cf32 (got), got->numel, expect);
}

static void
cmp_double (const char *run, const char *what, double got, const char *hex)
{
  double e = tg_hex_double (hex);
  n_values++;
  if (memcmp (&e, &got, sizeof e) != 0)
    differs (run, "%s is %.17g, torch %.17g", what, got, e);
}

static void
check_record (const char *run, const PsTrainRecord *tr, PsState *st, JsonObject *e)
{
  g_autofree char *at = g_strdup_printf ("step %" G_GINT64_FORMAT, tr->step);
  if (tr->step != json_object_get_int_member (e, "step"))
    differs (run, "%s recorded, torch recorded step %" G_GINT64_FORMAT, at, json_object_get_int_member (e, "step"));
  cmp_values (run, at, &tr->loss, 1, json_object_get_object_member (e, "loss"));
  cmp_double (run, "lr", tr->lr, json_object_get_string_member (e, "lr"));
  PsTrainObject *o = ps_state_get_train_object (st, "opt");
  g_assert_nonnull (o);
  cmp_double (run, "lr after the step", ps_optimizer_get_lr (o->optimizer), json_object_get_string_member (e, "lr_after"));
  PsModule *model = ps_state_get_module (st, "model");
  g_assert_nonnull (model);
  const char *sect[3] = { "params", "grads", "buffers" };
  for (int s = 0; s < 3; s++)
    {
      JsonObject *ps = json_object_get_object_member (e, sect[s]);
      g_autoptr (GList) names = json_object_get_members (ps);
      for (GList *l = names; l; l = l->next)
        {
          PsParam *p = NULL;
          g_autofree char *w = g_strdup_printf ("%s %s %s", at, sect[s], (char *) l->data);
          if (!ps_module_resolve (model, l->data, NULL, &p, NULL) || p == NULL)
            differs (run, "%s: no such tensor", w);
          else
            cmp_tensor (run, w, s == 1 ? p->grad : p->value, json_object_get_object_member (ps, l->data));
        }
    }
  /* opt.state[p] in named_parameters() order */
  JsonObject *state = json_object_get_object_member (e, "state");
  g_autoptr (GPtrArray) params = ps_module_named_parameters (model);
  g_assert_cmpuint (params->len, ==, json_object_get_size (state));
  for (guint i = 0; i < params->len; i++)
    {
      const char *pname = ((PsNamedItem *) params->pdata[i])->path;
      JsonObject *es = json_object_get_object_member (state, pname);
      if (es == NULL)
        {
          differs (run, "%s: parameter %u is %s, torch has no such parameter", at, i, pname);
          continue;
        }
      const char *names[4];
      PsTensor *values[4];
      guint k = ps_optimizer_state_items (o->optimizer, i, names, values);
      if (k != json_object_get_size (es))
        differs (run, "%s: state of %s has %u items, torch %u", at, pname, k, json_object_get_size (es));
      for (guint j = 0; j < k; j++)
        {
          g_autofree char *w = g_strdup_printf ("%s state[%s][%s]", at, pname, names[j]);
          JsonObject *ev = json_object_has_member (es, names[j]) ? json_object_get_object_member (es, names[j]) : NULL;
          if (ev == NULL)
            differs (run, "%s: torch has no such state", w);
          else if (json_object_has_member (ev, "int"))
            {
              n_values++;
              int64_t want = json_object_get_int_member (ev, "int");
              if (values[j] == NULL || values[j]->dtype != PS_DTYPE_INT64 || values[j]->numel != 1
                  || ps_tensor_i64 (values[j])[0] != want)
                differs (run, "%s: not the int %" G_GINT64_FORMAT, w, want);
            }
          else
            cmp_tensor (run, w, values[j], ev);
          g_clear_pointer (&values[j], ps_tensor_unref);
        }
    }
}

/* The golden (PS_TRAIN_RANDOM_GOLDEN) and the recipes' folder under PS_TEST_DATA (PS_TRAIN_RANDOM_DIR). */
static const char *
golden_name (void)
{
  const char *g = g_getenv ("PS_TRAIN_RANDOM_GOLDEN");
  return g != NULL ? g : "train-random-golden.json";
}

static char *
recipe_dir (void)
{
  const char *d = g_getenv ("PS_TRAIN_RANDOM_DIR");
  return g_build_filename (g_getenv ("PS_TEST_DATA"), d != NULL ? d : "train-random", NULL);
}

/* torch ran at AVX512 for this golden: only a CPU with AVX-512 can (Sleef's 16-lane kernels). */
static gboolean
skip_without_avx512 (void)
{
  const char *cap = json_object_get_string_member_with_default (tg_root_of (golden_name ()), "capability", "avx2");
  if (strcmp (cap, "avx512") == 0 && (ps_cpu_features () & PS_CPU_AVX512F) == 0)
    {
      g_test_skip ("torch's AVX512 runs: this CPU has no AVX-512");
      return TRUE;
    }
  return FALSE;
}

static void
test_runs (void)
{
  if (skip_without_avx512 ())
    return;
  JsonObject *root = tg_root_of (golden_name ());
  JsonArray *runs = json_object_get_array_member (root, "runs");
  g_assert_cmpuint (json_array_get_length (runs), >=, 20);
  g_autofree char *dir = recipe_dir ();
  const char *cap = json_object_get_string_member_with_default (root, "capability", "avx2");
  fails = g_string_new (NULL);
  guint n_records = 0, bad_runs = 0, n_steps = 0;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      const char *name = json_object_get_string_member (c, "name");
      guint64 before = n_diff;
      n_steps += (guint) json_object_get_int_member (c, "steps");
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", name);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
      g_assert_no_error (error);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);   /* .npz relative to it */
      if (ps_timeline_get_error (tl) != NULL)
        {
          differs (name, "replay failed: %s", ps_timeline_get_error (tl)->message);
          bad_runs++;
          continue;
        }
      PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
      g_assert_nonnull (st->train_log);
      JsonArray *rec = json_object_get_array_member (c, "record");
      if (st->train_log->records->len != json_array_get_length (rec))
        differs (name, "%u records, torch %u", st->train_log->records->len, json_array_get_length (rec));
      for (guint k = 0; k < MIN (st->train_log->records->len, json_array_get_length (rec)); k++)
        {
          const PsTrainRecord *tr = st->train_log->records->pdata[k];
          g_autoptr (PsState) rs = ps_train_log_get_state (st->train_log, k, &error);
          g_assert_no_error (error);
          check_record (name, tr, rs, json_array_get_object_element (rec, k));
          n_records++;
        }
      int64_t v[2];
      PsGenerator gen = st->gen;
      g_assert_true (ps_generator_randint (&gen, 0, (int64_t) 1 << 31, v, 2, NULL));
      JsonArray *probe = json_object_get_array_member (c, "probe");
      n_values += 2;
      if (v[0] != json_array_get_int_element (probe, 0) || v[1] != json_array_get_int_element (probe, 1))
        differs (name, "the generator ends elsewhere than torch's");
      if (n_diff != before)
        bad_runs++;
    }
  g_test_message ("%u random training recipes (torch at %s, ATEN_CPU_CAPABILITY here: %s), %u recorded steps "
                  "of %u: %" G_GUINT64_FORMAT " values compared, %" G_GUINT64_FORMAT " differ from torch's (%u recipes)",
                  json_array_get_length (runs), cap, g_getenv ("ATEN_CPU_CAPABILITY") ? g_getenv ("ATEN_CPU_CAPABILITY") : "unset",
                  n_records, n_steps, n_values, n_diff, bad_runs);
  if (n_diff != 0)
    g_error ("%u of %u random training recipes differ from torch 1.13:\n%s", bad_runs,
             json_array_get_length (runs), fails->str);
  g_assert_cmpuint (n_records, >=, 40);
  g_string_free (fails, TRUE);
}

/* paramscope-cli run RECIPE --state-dict OUT: torch's final state_dict, bit for bit */
static void
test_cli (void)
{
  if (g_getenv ("PS_CLI") == NULL)
    {
      g_test_skip ("PS_CLI not set");
      return;
    }
  if (skip_without_avx512 ())
    return;
  JsonArray *runs = json_object_get_array_member (tg_root_of (golden_name ()), "runs");
  g_autofree char *dir = recipe_dir ();
  g_autoptr (GError) error = NULL;
  g_autofree char *tmp = g_dir_make_tmp ("ps-train-random-XXXXXX", &error);
  g_assert_no_error (error);
  g_autofree char *out = g_build_filename (tmp, "final.safetensors", NULL);
  fails = g_string_new (NULL);
  n_values = n_diff = 0;
  guint n_tensors = 0;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      const char *name = json_object_get_string_member (c, "name");
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", name);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      g_auto (Result) res = { 0 };
      run (&res, "run", path, "--state-dict", out);
      if (res.status != 0)
        {
          differs (name, "paramscope-cli run failed (%d): %s", res.status, res.err);
          continue;
        }
      g_autoptr (PsSafetensors) st = ps_safetensors_open (out, &error);
      g_assert_no_error (error);
      JsonObject *final = json_object_get_object_member (c, "final");
      if (ps_safetensors_get_n_tensors (st) != json_object_get_size (final))
        differs (name, "the state dict has %u tensors, torch's %u", ps_safetensors_get_n_tensors (st),
                 json_object_get_size (final));
      g_autoptr (GList) keys = json_object_get_members (final);
      for (GList *l = keys; l; l = l->next)
        {
          g_autofree char *w = g_strdup_printf ("final %s", (char *) l->data);
          JsonObject *ev = json_object_get_object_member (final, l->data);
          g_autoptr (PsTensor) t = ps_safetensors_lookup (st, l->data) ? ps_safetensors_load (st, l->data, &error) : NULL;
          g_assert_no_error (error);
          n_tensors++;
          if (t == NULL)
            differs (name, "%s is not in the state dict", w);
          else if (json_object_has_member (ev, "int"))
            {
              n_values++;
              if (t->dtype != PS_DTYPE_INT64 || t->numel != 1 || ps_tensor_i64 (t)[0] != json_object_get_int_member (ev, "int"))
                differs (name, "%s is not %" G_GINT64_FORMAT, w, json_object_get_int_member (ev, "int"));
            }
          else
            cmp_tensor (name, w, t, ev);
        }
    }
  g_unlink (out);
  g_rmdir (tmp);
  g_test_message ("paramscope-cli run: %u recipes, %u state-dict tensors (%" G_GUINT64_FORMAT " values), %"
                  G_GUINT64_FORMAT " differ from torch's", json_array_get_length (runs), n_tensors, n_values, n_diff);
  if (n_diff != 0)
    g_error ("paramscope-cli run differs from torch 1.13:\n%s", fails->str);
  g_string_free (fails, TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train-random/runs", test_runs);
  g_test_add_func ("/train-random/cli", test_cli);
  return g_test_run ();
}
