/* test-parity.c — replaying recipes in C gives what PyTorch 1.13.1 gives.
 *
 * For every fixture in tests/data/recipes (tests/golden/gen_parity.py: the examples, hand-written
 * article recipes and random recipes, each run with real torch by tests/golden/torch_recipe.py),
 * the recipe is replayed with ps_timeline_new_from_recipe and compared step by step:
 *   - every recorded step: the state_dict of every recipe module (keys "<id>.<key>", in torch's
 *     order), bit for bit — values that came out of a forward pass (BatchNorm running statistics:
 *     "approx" in the fixture) too; uninitialized lazy parameters where torch has them;
 *   - the failing op: its number and torch's message ("op N (KIND): MESSAGE");
 *   - the generator afterwards: torch.rand(2) from the last state (a failed op is dropped, so this
 *     is torch's generator before the failing op);
 *   - forward outputs: bit for bit, except the outputs listed in tolerated[] (each with the layer
 *     whose kernel is not yet torch's, none of them a oneDNN convolution), which are compared with
 *     |c − t| ≤ 1e-5 + 1e-4·|t|. Everything that went through oneDNN (batched convolutions, GELU)
 *     and the BatchNorm statistics after it is thus compared by bits: the fixtures are made and
 *     replayed with oneDNN capped at AVX2 and one intra-op thread (tests/meson.build,
 *     tests/golden/torch_recipe.py), the bits every x86-64 machine with AVX2 gives.
 * Each recipe is its own test case; a mismatch fails that case with a message naming the step,
 * key and element, and the others still run. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <math.h>
#include <string.h>

#include "ps-timeline.h"
#include "parity-util.h"

#define ATOL 1e-5
#define RTOL 1e-4

/* Divergences found by this test and reported, each pinned to the fixtures that show it: such a
 * fixture must fail in exactly this way (every problem contains `mark`), and once the cause is
 * fixed the case fails with "fixed" so the entry gets removed. Nothing else is excused. */
static const struct {
  const char *fixture, *mark, *why;
} known[] = {
  /* none: every fixture matches torch (add a row here only with the reason, and fix it) */
  { NULL, NULL, NULL },
};

/* Outputs compared with the tolerance, and why: their last layers would run kernels of Paramscope's
 * own whose summation/vectorization order is not yet torch's (none may go through oneDNN). Every
 * other output and every state value is compared bit for bit. An entry found bit-exact is reported
 * (it may be on another CPU), not failed. None left: the last ones (random-04/-13/-22/-31, all made
 * with "flavour": "default") became exact when BatchNorm, LayerNorm, Tanh, Sigmoid and SiLU followed
 * torch's DEFAULT build. Add a row only with the reason, and fix it. */
static const struct {
  const char *fixture, *output, *why;
} tolerated[] = {
  { NULL, NULL, NULL },
};

static const char *
tolerated_why (const char *fixture, const char *output)
{
  for (guint k = 0; tolerated[k].fixture != NULL; k++)
    if (strcmp (tolerated[k].fixture, fixture) == 0 && strcmp (tolerated[k].output, output) == 0)
      return tolerated[k].why;
  return NULL;
}

/* Prefixes ps-op.c puts before torch's message: the init function's name ("op 17 (init): dirac_:
 * dim 0 must be divisible by groups") and, for constructor errors, the field ("op 1 (module): field
 * 'args': in_channels must be divisible by groups"). torch's message has neither. The rest of the
 * message is compared exactly; the prefix is counted and reported, not failed. */
static guint prefixed_errors;

typedef struct {
  guint exact, close;        /* outputs / approx values: bit-exact, within tolerance */
} Counts;

static Counts totals;
static guint64 strict_values;    /* output and forward-written float values compared bit for bit */
static guint64 tolerant_values;  /* output values compared with the tolerance (tolerated[]) */
static guint64 onednn_values;    /* of strict_values: in the "onednn-" fixtures */

/* Compares one C tensor with torch's. Returns a message on mismatch (NULL if equal enough). */
static char *
compare (const char *what, const PsTensor *c, const PsTensor *t, gboolean tolerant, Counts *counts)
{
  if (c->dtype != t->dtype)
    return g_strdup_printf ("%s: dtype %s, torch %s", what, ps_dtype_name (c->dtype), ps_dtype_name (t->dtype));
  if (!ps_tensor_same_shape (c, t))
    {
      g_autofree char *a = ps_tensor_shape_string (c), *b = ps_tensor_shape_string (t);
      return g_strdup_printf ("%s: shape %s, torch %s", what, a, b);
    }
  if (ps_tensor_equal (c, t))
    {
      if (counts)
        counts->exact++;
      return NULL;
    }
  if (!tolerant || c->dtype != PS_DTYPE_FLOAT32)
    {
      for (int64_t i = 0; i < c->numel; i++)
        if (memcmp ((const char *) c->data + i * ps_dtype_size (c->dtype),
                    (const char *) t->data + i * ps_dtype_size (t->dtype), ps_dtype_size (c->dtype)) != 0)
          {
            if (c->dtype == PS_DTYPE_FLOAT32)
              return g_strdup_printf ("%s[%" G_GINT64_FORMAT "]: %.9g, torch %.9g (not bit-identical)", what, i,
                                      ps_tensor_cf32 (c)[i], ps_tensor_cf32 (t)[i]);
            return g_strdup_printf ("%s[%" G_GINT64_FORMAT "]: %" G_GINT64_FORMAT ", torch %" G_GINT64_FORMAT,
                                    what, i, ps_tensor_ci64 (c)[i], ps_tensor_ci64 (t)[i]);
          }
    }
  const float *a = ps_tensor_cf32 (c), *b = ps_tensor_cf32 (t);
  for (int64_t i = 0; i < c->numel; i++)
    {
      double d = fabs ((double) a[i] - (double) b[i]);
      gboolean both_nan = isnan (a[i]) && isnan (b[i]);
      if (!both_nan && !(d <= ATOL + RTOL * fabs ((double) b[i])))
        return g_strdup_printf ("%s[%" G_GINT64_FORMAT "]: %.9g, torch %.9g (|diff| %.3g > tolerance)", what, i,
                                a[i], b[i], d);
    }
  if (counts)
    counts->close++;
  return NULL;
}

/* Every recipe module's state_dict, ids in creation order: keys "<id>.<key>" (owned strings) and
 * the parallel PsParam pointers (owned by the state). */
static void
state_items (PsState *state, GPtrArray *keys, GPtrArray *params)
{
  for (guint i = 0; i < ps_state_n_modules (state); i++)
    {
      const char *id = ps_state_module_id (state, i);
      PsModule *m = ps_state_get_module (state, id);
      g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
      for (guint j = 0; j < sd->len; j++)
        {
          PsNamedItem *it = g_ptr_array_index (sd, j);
          g_ptr_array_add (keys, g_strdup_printf ("%s.%s", id, it->path));
          g_ptr_array_add (params, it->param);
        }
    }
}

static double
max_abs_diff (const PsTensor *c, const PsTensor *t)
{
  double m = 0;
  for (int64_t i = 0; i < c->numel; i++)
    m = MAX (m, fabs ((double) ps_tensor_cf32 (c)[i] - (double) ps_tensor_cf32 (t)[i]));
  return m;
}

/* "Sequential(Linear, ReLU, LayerNorm)": the classes an output went through (for the report). */
static const char *
output_layers (PsTimeline *tl, JsonObject *res, const char *name)
{
  static char buf[512];
  JsonObject *steps = json_object_get_object_member (res, "output_steps");
  guint step = (guint) json_object_get_int_member (steps, name);
  const PsOp *op = g_ptr_array_index (ps_timeline_get_recipe (tl)->ops, step - 1);
  PsModule *m = NULL;
  PsParam *p = NULL;
  if (!ps_state_resolve (ps_timeline_get_state (tl, step), ps_op_get_target (op), &m, &p, NULL) || m == NULL)
    return "?";
  g_autoptr (GPtrArray) mods = ps_module_named_modules (m, TRUE);
  GString *s = g_string_new (ps_module_class_name (m));
  for (guint i = 1; i < mods->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (mods, i);
      g_string_append_printf (s, "%s%s", i == 1 ? "(" : ", ", ps_module_class_name (it->module));
    }
  if (mods->len > 1)
    g_string_append_c (s, ')');
  g_strlcpy (buf, s->str, sizeof buf);
  g_string_free (s, TRUE);
  return buf;
}

/* Fails the case unless its problems are exactly a known divergence; frees problems. */
static void
report (const char *name, GPtrArray *problems)
{
  for (guint k = 0; k < G_N_ELEMENTS (known); k++)
    if (known[k].fixture != NULL && strcmp (known[k].fixture, name) == 0)
      {
        gboolean all = problems->len > 0;
        for (guint i = 0; i < problems->len; i++)
          if (strstr (g_ptr_array_index (problems, i), known[k].mark) == NULL)
            all = FALSE;
        if (problems->len == 0)
          g_test_fail_printf ("%s: the known divergence is fixed (%s): remove it from known[]", name, known[k].why);
        else if (all)
          g_test_message ("%s: known divergence: %s", name, known[k].why);
        else
          break;
        g_ptr_array_unref (problems);
        return;
      }
  if (problems->len > 0)
    {
      g_ptr_array_add (problems, NULL);
      g_autofree char *all = g_strjoinv ("\n  ", (char **) problems->pdata);
      g_test_fail_printf ("%s:\n  %s", name, all);
    }
  g_ptr_array_unref (problems);
}

static void
test_recipe (gconstpointer data)
{
  const char *name = data;
  g_autofree char *rpath = parity_fixture_path (name, ".recipe.json");
  g_autofree char *tpath = parity_fixture_path (name, ".torch.json");
  g_autofree char *dir = parity_data_dir ();
  g_autoptr (GError) error = NULL;
  GPtrArray *problems = g_ptr_array_new_with_free_func (g_free);
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (rpath, &error);
  if (recipe == NULL)
    {
      g_ptr_array_add (problems, g_strdup_printf ("torch runs this recipe, Paramscope cannot load it: %s",
                                                  error->message));
      report (name, problems);
      return;
    }
  g_autoptr (JsonNode) tn = parity_load_json (tpath);
  JsonObject *res = json_node_get_object (tn);
  JsonArray *tensors = json_object_get_array_member (res, "tensors");
  const gboolean onednn = g_str_has_prefix (name, "onednn-");

  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
  guint n_steps = ps_timeline_get_n_steps (tl);

  /* the failing op */
  JsonNode *terr = json_object_get_member (res, "error");
  const GError *cerr = ps_timeline_get_error (tl);
  guint expect_steps = recipe->ops->len;
  if (!JSON_NODE_HOLDS_NULL (terr))
    {
      JsonObject *e = json_node_get_object (terr);
      guint step = (guint) json_object_get_int_member (e, "step");
      expect_steps = step - 1;
      const PsOp *op = g_ptr_array_index (recipe->ops, step - 1);
      g_autofree char *want = g_strdup_printf ("op %u (%s): %s", step, ps_op_get_kind (op),
                                               json_object_get_string_member (e, "message"));
      g_autoptr (JsonObject) oj = ps_op_to_json (op);
      const char *fn = json_object_has_member (oj, "fn") ? json_object_get_string_member (oj, "fn") : NULL;
      if (fn == NULL && strcmp (ps_op_get_kind (op), "module") == 0)
        fn = "field 'args'";
      g_autofree char *want_prefixed = fn ? g_strdup_printf ("op %u (%s): %s: %s", step, ps_op_get_kind (op), fn,
                                                             json_object_get_string_member (e, "message")) : NULL;
      if (cerr == NULL)
        g_ptr_array_add (problems, g_strdup_printf ("torch fails at op %u (%s), Paramscope applies it", step,
                                                    json_object_get_string_member (e, "message")));
      else if (want_prefixed && strcmp (cerr->message, want_prefixed) == 0)
        prefixed_errors++;
      else if (strcmp (cerr->message, want) != 0)
        g_ptr_array_add (problems, g_strdup_printf ("error: '%s', torch: '%s'", cerr->message, want));
    }
  else if (cerr != NULL)
    g_ptr_array_add (problems, g_strdup_printf ("Paramscope fails where torch does not: %s", cerr->message));
  if (n_steps != expect_steps)
    g_ptr_array_add (problems, g_strdup_printf ("%u steps applied, torch applied %u", n_steps, expect_steps));

  /* every recorded step's state */
  JsonArray *steps = json_object_get_array_member (res, "steps");
  for (guint s = 0; s < json_array_get_length (steps) && problems->len < 8; s++)
    {
      JsonObject *rec = json_array_get_object_element (steps, s);
      guint step = (guint) json_object_get_int_member (rec, "step");
      if (step > n_steps)
        break;
      PsState *state = ps_timeline_get_state (tl, step);
      JsonObject *want = json_object_get_object_member (rec, "state");
      g_autoptr (GHashTable) approx = g_hash_table_new (g_str_hash, g_str_equal);
      if (json_object_has_member (rec, "approx"))
        {
          JsonArray *a = json_object_get_array_member (rec, "approx");
          for (guint i = 0; i < json_array_get_length (a); i++)
            g_hash_table_add (approx, (gpointer) json_array_get_string_element (a, i));
        }
      g_autoptr (GPtrArray) ckeys = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) cparams = g_ptr_array_new ();
      state_items (state, ckeys, cparams);
      g_autoptr (GList) keys = json_object_get_members (want);
      guint k = 0;
      gboolean key_mismatch = FALSE;
      for (GList *l = keys; l && problems->len < 8; l = l->next, k++)
        {
          const char *key = l->data;
          if (k >= ckeys->len || strcmp (g_ptr_array_index (ckeys, k), key) != 0)
            {
              g_ptr_array_add (problems, g_strdup_printf ("step %u: state_dict key %u is '%s', torch '%s'", step, k,
                                                          k < ckeys->len ? (char *) g_ptr_array_index (ckeys, k)
                                                                         : "(none)", key));
              key_mismatch = TRUE;
              break;
            }
          PsParam *p = g_ptr_array_index (cparams, k);
          gint64 idx = json_object_get_int_member (want, key);
          if (idx < 0 || p->value == NULL)
            {
              if ((idx < 0) != (p->value == NULL))
                g_ptr_array_add (problems, g_strdup_printf ("step %u: %s is %s, torch: %s", step, key,
                                                            p->value ? "initialized" : "uninitialized",
                                                            idx < 0 ? "uninitialized" : "initialized"));
              continue;
            }
          g_autoptr (PsTensor) t = parity_tensor (json_array_get_object_element (tensors, (guint) idx));
          g_autofree char *what = g_strdup_printf ("step %u: %s", step, key);
          const gboolean forward_written = g_hash_table_contains (approx, key);
          char *msg = compare (what, p->value, t, FALSE, forward_written ? &totals : NULL);
          if (msg == NULL && forward_written)
            {
              strict_values += (guint64) t->numel;
              if (onednn)
                onednn_values += (guint64) t->numel;
            }
          if (msg)
            g_ptr_array_add (problems, msg);
        }
      if (!key_mismatch && g_list_length (keys) < ckeys->len && problems->len < 8)
        g_ptr_array_add (problems, g_strdup_printf ("step %u: extra state_dict key '%s'", step,
                                                    (char *) g_ptr_array_index (ckeys, g_list_length (keys))));
    }

  /* outputs, from the last applied state */
  PsState *last = ps_timeline_get_last_state (tl);
  JsonObject *outs = json_object_get_object_member (res, "outputs");
  g_autoptr (GList) onames = json_object_get_members (outs);
  for (GList *l = onames; l; l = l->next)
    {
      PsTensor *c = ps_state_get_output (last, l->data);
      if (c == NULL)
        {
          g_ptr_array_add (problems, g_strdup_printf ("output '%s' missing", (char *) l->data));
          continue;
        }
      g_autoptr (PsTensor) t = parity_tensor (json_array_get_object_element (
        tensors, (guint) json_object_get_int_member (outs, l->data)));
      g_autofree char *what = g_strdup_printf ("output '%s'", (char *) l->data);
      Counts here = { 0 };
      const char *why = tolerated_why (name, l->data);
      char *msg = compare (what, c, t, why != NULL, &here);
      if (msg)
        g_ptr_array_add (problems, msg);
      else if (why == NULL)
        {
          strict_values += (guint64) t->numel;
          if (onednn)
            onednn_values += (guint64) t->numel;
        }
      else
        tolerant_values += (guint64) t->numel;
      totals.exact += here.exact;
      totals.close += here.close;
      if (here.close)
        g_test_message ("%s: %s within tolerance, not bit-exact (max |diff| %.3g) - through %s; tolerated: %s",
                        name, what, max_abs_diff (c, t), output_layers (tl, res, l->data), why);
      else if (here.exact && why != NULL)
        g_test_message ("%s: %s bit-exact although tolerated[] allows a tolerance (%s) - through %s", name, what,
                        why, output_layers (tl, res, l->data));
      else if (here.exact)
        g_test_message ("%s: %s bit-exact - through %s", name, what, output_layers (tl, res, l->data));
    }

  /* the generator: torch.rand(2) after the last applied op */
  PsGenerator gen = last->gen;
  float probe[2];
  ps_generator_uniform_f32 (&gen, probe, 2, 0.0, 1.0);
  JsonArray *want_probe = json_object_get_array_member (res, "probe_after");
  for (guint i = 0; i < 2; i++)
    {
      guint32 bits;
      memcpy (&bits, &probe[i], 4);
      g_autofree char *hex = g_strdup_printf ("%08x", bits);
      if (strcmp (hex, json_array_get_string_element (want_probe, i)) != 0)
        {
          g_ptr_array_add (problems, g_strdup_printf ("probe_after[%u] %s, torch %s (generator state differs)",
                                                      i, hex, json_array_get_string_element (want_probe, i)));
          break;
        }
    }

  report (name, problems);
}

static void
test_totals (void)
{
  /* runs last: what the tolerant comparisons found */
  g_test_message ("outputs and forward-written values: %u bit-exact, %u within %g + %g*|t|",
                  totals.exact, totals.close, ATOL, RTOL);
  g_test_message ("errors with a prefix before torch's exact message (init function name or "
                  "\"field 'args'\"): %u", prefixed_errors);
  g_test_message ("values compared bit for bit (outputs and forward-written state): %" G_GUINT64_FORMAT
                  ", of them %" G_GUINT64_FORMAT " in the \"onednn-\" fixtures; output values compared with the "
                  "tolerance (tolerated[]: %u outputs): %" G_GUINT64_FORMAT,
                  strict_values, onednn_values, (guint) G_N_ELEMENTS (tolerated) - 1, tolerant_values);
  g_assert_cmpuint (totals.exact + totals.close, >, 0);
}

int
main (int argc, char **argv)
{
  /* one recipe's mismatch must not hide the others': keep going after a failing case */
  g_autofree char **args = g_new0 (char *, argc + 2);
  memcpy (args, argv, sizeof (char *) * (gsize) argc);
  args[argc++] = (char *) "--keep-going";
  argv = args;
  g_test_init (&argc, &argv, NULL);
  g_autoptr (GPtrArray) names = parity_fixture_names ();
  g_assert_cmpuint (names->len, >=, 40);
  for (guint i = 0; i < names->len; i++)
    {
      g_autofree char *path = g_strdup_printf ("/parity/%s", (char *) g_ptr_array_index (names, i));
      g_test_add_data_func (path, g_ptr_array_index (names, i), test_recipe);
    }
  g_test_add_func ("/parity/~totals", test_totals);
  return g_test_run ();
}
