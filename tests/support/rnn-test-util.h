/* rnn-test-util.h — shared helpers for test-rnn.c and test-attention.c: golden JSON loading
 * (tests/data/rnn/, one file a layer type, from tests/golden/gen_rnn.py, and the shared
 * torch-1.13-golden.json), float32 bit strings, tolerance bookkeeping. Header-only (static). */
#pragma once

#include <json-glib/json-glib.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include "ps-module.h"
#include "gen-golden-util.h"

static JsonParser *
rt_load (const char *file)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;
  JsonParser *p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, path, &error));
  g_assert_no_error (error);
  return p;
}

/* "3f800000bf800000…" → floats */
static float *
rt_hex_floats (const char *hex, int64_t *n_out)
{
  size_t len = strlen (hex);
  g_assert_cmpuint (len % 8, ==, 0);
  int64_t n = (int64_t) (len / 8);
  float *v = g_new0 (float, MAX (n, 1));
  for (int64_t i = 0; i < n; i++)
    {
      char buf[9];
      memcpy (buf, hex + i * 8, 8);
      buf[8] = 0;
      uint32_t u = (uint32_t) strtoul (buf, NULL, 16);
      memcpy (&v[i], &u, 4);
    }
  *n_out = n;
  return v;
}

static PsTensor *
rt_tensor (JsonObject *o)
{
  JsonArray *shape = json_object_get_array_member (o, "shape");
  int64_t dims[PS_MAX_DIMS];
  int nd = (int) json_array_get_length (shape);
  for (int i = 0; i < nd; i++)
    dims[i] = json_array_get_int_element (shape, (guint) i);
  int64_t n;
  g_autofree float *v = NULL;
  JsonNode *hex = json_object_get_member (o, "hex");
  if (JSON_NODE_HOLDS_ARRAY (hex))
    {
      /* the shared golden set: one string per value */
      JsonArray *arr = json_node_get_array (hex);
      GString *all = g_string_new (NULL);
      for (guint i = 0; i < json_array_get_length (arr); i++)
        g_string_append (all, json_array_get_string_element (arr, i));
      v = rt_hex_floats (all->str, &n);
      g_string_free (all, TRUE);
    }
  else
    v = rt_hex_floats (json_node_get_string (hex), &n);
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new_from_f32 (nd, dims, v, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->numel, ==, n);
  return t;
}

static PsArgs *
rt_args (JsonObject *o)
{
  PsArgs *a = ps_args_new ();
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *name = l->data;
      JsonNode *node = json_object_get_member (o, name);
      if (JSON_NODE_HOLDS_NULL (node))
        ps_args_set_none (a, name);
      else if (json_node_get_value_type (node) == G_TYPE_BOOLEAN)
        ps_args_set_bool (a, name, json_node_get_boolean (node));
      else if (json_node_get_value_type (node) == G_TYPE_INT64)
        ps_args_set_int (a, name, json_node_get_int (node));
      else if (json_node_get_value_type (node) == G_TYPE_DOUBLE)
        ps_args_set_double (a, name, json_node_get_double (node));
      else
        ps_args_set_string (a, name, json_node_get_string (node));
    }
  return a;
}

static char *
rt_f32_hex (const float *v, int64_t n)
{
  GString *s = g_string_new (NULL);
  for (int64_t i = 0; i < n; i++)
    {
      uint32_t u;
      memcpy (&u, &v[i], 4);
      g_string_append_printf (s, "%08x", u);
    }
  return g_string_free (s, FALSE);
}

/* torch.rand(2) after the case: checks the number of draws consumed. */
static void
rt_assert_probe (PsGenerator *gen, JsonObject *c, const char *what)
{
  float r[2];
  ps_generator_uniform_f32 (gen, r, 2, 0.0, 1.0);
  g_autofree char *got = rt_f32_hex (r, 2);
  const char *want = json_object_get_string_member (c, "probe_after");
  if (strcmp (got, want) != 0)
    g_error ("%s: probe_after %s, torch %s (draw count differs)", what, got, want);
}

/* state_dict keys in order and every tensor bit for bit. */
static void
rt_assert_state (PsModule *m, JsonObject *c, const char *what)
{
  JsonArray *order = json_object_get_array_member (c, "order");
  JsonObject *params = json_object_get_object_member (c, "params");
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  GString *ours = g_string_new (NULL), *theirs = g_string_new (NULL);
  for (guint i = 0; i < sd->len; i++)
    g_string_append_printf (ours, "%s ", ((PsNamedItem *) g_ptr_array_index (sd, i))->path);
  for (guint i = 0; i < json_array_get_length (order); i++)
    g_string_append_printf (theirs, "%s ", json_array_get_string_element (order, i));
  if (strcmp (ours->str, theirs->str) != 0)
    g_error ("%s: state_dict order\n  ours  %s\n  torch %s", what, ours->str, theirs->str);
  g_string_free (ours, TRUE);
  g_string_free (theirs, TRUE);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_autoptr (PsTensor) want = rt_tensor (json_object_get_object_member (params, it->path));
      if (!ps_tensor_equal (it->param->value, want))
        {
          int64_t bad = 0, first = -1;
          if (ps_tensor_same_shape (it->param->value, want))
            for (int64_t k = 0; k < want->numel; k++)
              if (memcmp (ps_tensor_cf32 (it->param->value) + k, ps_tensor_cf32 (want) + k, 4) != 0)
                {
                  bad++;
                  if (first < 0)
                    first = k;
                }
          g_error ("%s: %s differs from torch (%" G_GINT64_FORMAT " of %" G_GINT64_FORMAT
                   " values, first at %" G_GINT64_FORMAT ")", what, it->path, bad, want->numel, first);
        }
    }
}

/* Replace every state_dict entry by torch's values (new tensors; never written in place). */
static void
rt_load_state (PsModule *m, JsonObject *c)
{
  JsonObject *params = json_object_get_object_member (c, "params");
  g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
  for (guint i = 0; i < sd->len; i++)
    {
      PsNamedItem *it = g_ptr_array_index (sd, i);
      g_autoptr (PsTensor) t = rt_tensor (json_object_get_object_member (params, it->path));
      g_assert_true (ps_tensor_same_shape (t, it->param->value));
      ps_param_set_value (it->param, t);
    }
}

typedef struct {
  double max_abs, max_rel;   /* rel over |t| > 1e-3 */
  double max_tol;            /* max of |c − t| / (1e-5 + 1e-4·|t|): < 1 passes */
  int64_t n, n_exact, n_bad;
  int64_t n_slow, n_slow_exact;   /* the cases torch ran through its Python slow path (no "no_grad") */
} RtErr;

/* |c − t| ≤ 1e-5 + 1e-4·|t| (PYTORCH-PARITY.md §8) for every element; accumulates statistics. */
static gboolean
rt_compare (const PsTensor *got, const PsTensor *want, RtErr *e)
{
  g_assert_true (ps_tensor_same_shape (got, want));
  gboolean ok = TRUE;
  for (int64_t i = 0; i < want->numel; i++)
    {
      double c = ps_tensor_cf32 (got)[i], t = ps_tensor_cf32 (want)[i];
      double d = fabs (c - t);
      if (!(d <= 1e-5 + 1e-4 * fabs (t)))
        ok = FALSE, e->n_bad++;
      e->max_tol = MAX (e->max_tol, d / (1e-5 + 1e-4 * fabs (t)));
      if (memcmp (ps_tensor_cf32 (got) + i, ps_tensor_cf32 (want) + i, 4) == 0)
        e->n_exact++;
      e->max_abs = MAX (e->max_abs, d);
      if (fabs (t) > 1e-3)
        e->max_rel = MAX (e->max_rel, d / fabs (t));
      e->n++;
    }
  return ok;
}

/* Runs every "forward" case of tests/data/rnn/ whose type passes `want_type`: builds the module
 * from the same seed (asserting torch's parameter bits and state_dict order), runs the forward
 * (reseeding first when torch did), compares within tolerance, checks draw counts. */
static void
rt_run_forward_cases (gboolean (*want_type) (const char *type), RtErr *total)
{
  g_autoptr (JsonParser) p = golden_load_dir ("rnn");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "forward");
  guint ran = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!want_type (type))
        continue;
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (GError) error = NULL;
      g_autoptr (PsArgs) args = rt_args (json_object_get_object_member (c, "args"));
      PsGenerator gen;
      ps_generator_init (&gen, (uint64_t) json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      rt_assert_state (m, c, name);
      rt_load_state (m, c);   /* no-op when init is exact; keeps the forward check independent */
      ps_module_set_training (m, json_object_get_boolean_member (c, "train"));
      if (json_object_has_member (c, "fwd_seed"))
        ps_generator_manual_seed (&gen, (uint64_t) json_object_get_int_member (c, "fwd_seed"));
      g_autoptr (PsTensor) x = rt_tensor (json_object_get_object_member (c, "input"));
      g_autoptr (PsTensor) want = rt_tensor (json_object_get_object_member (c, "output"));
      g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
      g_assert_no_error (error);
      RtErr e = { 0 };
      gboolean ok = rt_compare (y, want, &e);
      g_test_message ("%-90s max abs %.3g, max rel %.3g, bit-exact %" G_GINT64_FORMAT "/%" G_GINT64_FORMAT,
                      name, e.max_abs, e.max_rel, e.n_exact, e.n);
      if (!ok)
        g_error ("%s: %" G_GINT64_FORMAT " outputs outside 1e-5 + 1e-4|t| (max abs %.3g)", name, e.n_bad, e.max_abs);
      if (json_object_has_member (c, "probe_after"))
        rt_assert_probe (&gen, c, name);
      total->max_abs = MAX (total->max_abs, e.max_abs);
      total->max_rel = MAX (total->max_rel, e.max_rel);
      total->max_tol = MAX (total->max_tol, e.max_tol);
      total->n += e.n;
      total->n_exact += e.n_exact;
      if (!(json_object_has_member (c, "no_grad") && json_object_get_boolean_member (c, "no_grad")))
        {
          total->n_slow += e.n;
          total->n_slow_exact += e.n_exact;
        }
      ran++;
    }
  g_assert_cmpuint (ran, >, 5);
  g_test_message ("all forward cases: max abs %.3g, max rel %.3g, worst error %.3g of the tolerance, bit-exact %"
                  G_GINT64_FORMAT "/%" G_GINT64_FORMAT, total->max_abs, total->max_rel, total->max_tol,
                  total->n_exact, total->n);
}

/* "init" (AVX2 flavour) or "init_default" (PS_FLAVOUR_DEFAULT) cases of tests/data/rnn/:
 * construction (and the tree-wide reset where recorded). */
static void
rt_run_init_cases (gboolean (*want_type) (const char *type), const char *key, PsFlavour flavour)
{
  g_autoptr (JsonParser) p = golden_load_dir ("rnn");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), key);
  guint ran = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!want_type (type))
        continue;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsArgs) args = rt_args (json_object_get_object_member (c, "args"));
      g_autofree char *argstr = ps_args_to_python (args);
      g_autofree char *what = g_strdup_printf ("%s %s%s", type, argstr,
                                               json_object_has_member (c, "tree_reset") ? " (tree reset)" : "");
      PsGenerator gen;
      ps_generator_init (&gen, (uint64_t) json_object_get_int_member (c, "seed"), flavour);
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      if (json_object_has_member (c, "tree_reset"))
        {
          ps_generator_manual_seed (&gen, (uint64_t) json_object_get_int_member (c, "reset_seed"));
          g_assert_true (ps_module_reset_parameters (m, &gen, &error));
          g_assert_no_error (error);
        }
      rt_assert_state (m, c, what);
      rt_assert_probe (&gen, c, what);
      ran++;
    }
  g_assert_cmpuint (ran, >, 0);
}

/* Parses the shared golden's `m = nn.Type(4, 6, num_layers=2, nonlinearity='relu')` into PsArgs,
 * positional arguments taking the class's argument names in order. */
static PsArgs *
rt_args_from_code (const char *code, char **type_out)
{
  const char *s = strstr (code, "nn.");
  g_assert_nonnull (s);
  s += 3;
  const char *open = strchr (s, '(');
  g_assert_nonnull (open);
  const char *close = open;
  for (int depth = 0; *close != '\0'; close++)
    if (*close == '(')
      depth++;
    else if (*close == ')' && --depth == 0)
      break;
  g_assert_true (*close == ')');
  char *type = g_strndup (s, (gsize) (open - s));
  const PsModuleClass *klass = ps_module_class_lookup (type);
  g_assert_nonnull (klass);
  g_autofree char *inner = g_strndup (open + 1, (gsize) (close - open - 1));
  g_auto (GStrv) parts = g_strsplit (inner, ",", -1);
  PsArgs *a = ps_args_new ();
  for (guint i = 0; parts[i] != NULL; i++)
    {
      g_autofree char *part = g_strstrip (g_strdup (parts[i]));
      if (*part == '\0')
        continue;
      const char *name, *val;
      char *eq = strchr (part, '=');
      if (eq != NULL)
        {
          *eq = '\0';
          name = g_strstrip (part);
          val = eq + 1;
        }
      else
        {
          name = klass->args[i].name;
          val = part;
        }
      g_autofree char *v = g_strstrip (g_strdup (val));
      if (strcmp (v, "True") == 0 || strcmp (v, "False") == 0)
        ps_args_set_bool (a, name, v[0] == 'T');
      else if (strcmp (v, "None") == 0)
        ps_args_set_none (a, name);
      else if (v[0] == '\'' || v[0] == '"')
        {
          v[strlen (v) - 1] = '\0';
          ps_args_set_string (a, name, v + 1);
        }
      else if (strchr (v, '.') != NULL)
        ps_args_set_double (a, name, g_ascii_strtod (v, NULL));
      else
        ps_args_set_int (a, name, g_ascii_strtoll (v, NULL, 10));
    }
  *type_out = type;
  return a;
}

/* The shared torch-1.13-golden.json "module.*" cases whose class passes want_type: parameter bits in
 * state_dict order and probe_after. Returns how many ran. */
static guint
rt_run_shared_golden (gboolean (*want_type) (const char *type))
{
  g_autoptr (JsonParser) p = rt_load ("torch-1.13-golden.json");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "cases");
  guint ran = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (strcmp (json_object_get_string_member (c, "kind"), "module") != 0)
        continue;
      const char *name = json_object_get_string_member (c, "name");
      const char *code = json_object_get_string_member (c, "code");
      const char *nn = strstr (code, "nn.");
      if (nn == NULL)
        continue;
      g_autofree char *head = g_strndup (nn + 3, strcspn (nn + 3, "("));
      if (!want_type (head))
        continue;
      g_autofree char *type = NULL;
      g_autoptr (PsArgs) args = rt_args_from_code (code, &type);
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, (uint64_t) json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      /* the shared format keeps tensors at the top level; the order lists state_dict keys */
      JsonObject *tensors = json_object_get_object_member (c, "tensors");
      JsonArray *order = json_object_get_array_member (c, "order");
      g_autoptr (GPtrArray) sd = ps_module_state_dict (m);
      g_assert_cmpuint (sd->len, ==, json_array_get_length (order));
      for (guint k = 0; k < sd->len; k++)
        {
          PsNamedItem *it = g_ptr_array_index (sd, k);
          g_assert_cmpstr (it->path, ==, json_array_get_string_element (order, k));
          g_autoptr (PsTensor) want = rt_tensor (json_object_get_object_member (tensors, it->path));
          if (!ps_tensor_equal (it->param->value, want))
            g_error ("%s: %s differs from torch", name, it->path);
        }
      JsonArray *probe = json_object_get_array_member (c, "probe_after");
      float r[2];
      ps_generator_uniform_f32 (&gen, r, 2, 0.0, 1.0);
      g_autofree char *got = rt_f32_hex (r, 2);
      g_autofree char *want = g_strconcat (json_array_get_string_element (probe, 0),
                                           json_array_get_string_element (probe, 1), NULL);
      if (strcmp (got, want) != 0)
        g_error ("%s: probe_after %s, torch %s", name, got, want);
      ran++;
    }
  return ran;
}

/* "repr" and "errors" cases for the given types: repr text; torch's constructor message, with the
 * generator left unchanged. */
static void
rt_run_repr_and_error_cases (gboolean (*want_type) (const char *type))
{
  g_autoptr (JsonParser) p = golden_load_dir ("rnn");
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonArray *reprs = json_object_get_array_member (root, "repr");
  guint ran = 0;
  for (guint i = 0; i < json_array_get_length (reprs); i++)
    {
      JsonObject *c = json_array_get_object_element (reprs, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!want_type (type))
        continue;
      g_autoptr (PsArgs) args = rt_args (json_object_get_object_member (c, "args"));
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_no_error (error);
      g_autofree char *r = ps_module_repr (m);
      g_assert_cmpstr (r, ==, json_object_get_string_member (c, "repr"));
      ran++;
    }
  JsonArray *errs = json_object_get_array_member (root, "errors");
  for (guint i = 0; i < json_array_get_length (errs); i++)
    {
      JsonObject *c = json_array_get_object_element (errs, i);
      const char *type = json_object_get_string_member (c, "type");
      if (!want_type (type))
        continue;
      g_autoptr (PsArgs) args = rt_args (json_object_get_object_member (c, "args"));
      PsGenerator gen, before;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      before = gen;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
      g_assert_null (m);
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
      g_assert_cmpstr (error->message, ==, json_object_get_string_member (c, "message"));
      g_assert_true (ps_generator_equal (&gen, &before));
      ran++;
    }
  g_assert_cmpuint (ran, >, 0);
}

/* A module built from a short argument list, e.g. rt_new ("LSTM", &gen, &error, "input_size", 3,
 * "hidden_size", 4, NULL): every value is an int64 (bools as 0/1 for names starting "b" or "add_"). */
static PsModule *
rt_new_ints (const char *type, PsGenerator *gen, GError **error, ...)
{
  g_autoptr (PsArgs) a = ps_args_new ();
  va_list ap;
  va_start (ap, error);
  const char *name;
  while ((name = va_arg (ap, const char *)) != NULL)
    {
      int64_t v = va_arg (ap, int64_t);
      if (strcmp (name, "bias") == 0 || strcmp (name, "batch_first") == 0 || strcmp (name, "bidirectional") == 0
          || g_str_has_prefix (name, "add_"))
        ps_args_set_bool (a, name, v != 0);
      else
        ps_args_set_int (a, name, v);
    }
  va_end (ap);
  return ps_module_new (type, a, gen, error);
}
