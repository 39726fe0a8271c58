/* gen-golden-util.h — loading torch golden fixtures for test-generator.c and test-init.c.
 *
 * The golden files store float32 values as 8 hex digits and float64 as 16 (IEEE bit patterns);
 * comparisons are on bits. Fixture formats: PYTORCH-PARITY.md §12 (torch-1.13-golden.json) and the
 * docstring of tests/golden/gen_init.py (gen-init-golden.json). */
#pragma once

#include <json-glib/json-glib.h>
#include <stdlib.h>
#include <string.h>
#include "ps-generator.h"
#include "ps-init.h"
#include "golden-dir-util.h"

static inline JsonParser *
golden_load (const char *file)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, file, NULL);
  g_autoptr (GError) error = NULL;
  JsonParser *parser = json_parser_new ();
  json_parser_load_from_file (parser, path, &error);
  g_assert_no_error (error);
  return parser;
}

/* The same as a parser (for the runners that take one). */
static inline JsonParser *
golden_load_dir (const char *subdir)
{
  g_autoptr (JsonNode) root = golden_merge_dir (subdir);
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, root);
  gsize len = 0;
  g_autofree char *text = json_generator_to_data (gen, &len);
  JsonParser *parser = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_data (parser, text, (gssize) len, &error);
  g_assert_no_error (error);
  return parser;
}

static inline JsonArray *
golden_cases (JsonParser *parser)
{
  return json_object_get_array_member (json_node_get_object (json_parser_get_root (parser)), "cases");
}

static inline JsonObject *
golden_find (JsonParser *parser, const char *name)
{
  JsonArray *cases = golden_cases (parser);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      if (strcmp (json_object_get_string_member (c, "name"), name) == 0)
        return c;
    }
  g_error ("golden case %s not found", name);
  return NULL;
}

static inline uint32_t
golden_hex32 (const char *s)
{
  return (uint32_t) strtoul (s, NULL, 16);
}

static inline uint64_t
golden_hex64 (const char *s)
{
  return (uint64_t) strtoull (s, NULL, 16);
}

static inline double
golden_f64 (const char *hex)
{
  uint64_t u = golden_hex64 (hex);
  double d;
  memcpy (&d, &u, sizeof d);
  return d;
}

/* Asserts that the n floats equal the hex array bit for bit, naming the first mismatch. */
static inline void
golden_assert_f32 (const char *what, const float *got, size_t n, JsonArray *hex)
{
  g_assert_cmpuint (json_array_get_length (hex), ==, n);
  size_t bad = 0, first = 0;
  for (size_t i = 0; i < n; i++)
    {
      uint32_t g;
      memcpy (&g, &got[i], 4);
      if (g != golden_hex32 (json_array_get_string_element (hex, (guint) i)))
        {
          if (bad++ == 0)
            first = i;
        }
    }
  if (bad != 0)
    {
      uint32_t g;
      memcpy (&g, &got[first], 4);
      g_error ("%s: %zu of %zu values differ; first at [%zu]: got %08x (%.9g), torch %s", what, bad, n,
               first, g, (double) got[first], json_array_get_string_element (hex, (guint) first));
    }
}

static inline void
golden_assert_f64 (const char *what, const double *got, size_t n, JsonArray *hex)
{
  g_assert_cmpuint (json_array_get_length (hex), ==, n);
  for (size_t i = 0; i < n; i++)
    {
      uint64_t g;
      memcpy (&g, &got[i], 8);
      if (g != golden_hex64 (json_array_get_string_element (hex, (guint) i)))
        g_error ("%s: [%zu] got %016" G_GINT64_MODIFIER "x, torch %s", what, i, g,
                 json_array_get_string_element (hex, (guint) i));
    }
}

static inline void
golden_assert_i64 (const char *what, const int64_t *got, size_t n, JsonArray *ints)
{
  g_assert_cmpuint (json_array_get_length (ints), ==, n);
  for (size_t i = 0; i < n; i++)
    if (got[i] != json_array_get_int_element (ints, (guint) i))
      g_error ("%s: [%zu] got %" G_GINT64_FORMAT ", torch %" G_GINT64_FORMAT, what, i, got[i],
               json_array_get_int_element (ints, (guint) i));
}

/* probe_after = torch.rand(2) right after the case: checks the number of draws. */
static inline void
golden_assert_probe (const char *what, PsGenerator *gen, JsonObject *c)
{
  /* absent where torch raised after drawing (trunc_normal_'s clamp_): a failed op here changes
   * nothing, which golden_assert_error checked */
  if (!json_object_has_member (c, "probe_after"))
    return;
  float probe[2];
  ps_generator_uniform_f32 (gen, probe, 2, 0.0, 1.0);
  g_autofree char *name = g_strdup_printf ("%s probe_after", what);
  golden_assert_f32 (name, probe, 2, json_object_get_array_member (c, "probe_after"));
}

static inline int
golden_shape (JsonArray *a, int64_t shape[PS_MAX_DIMS])
{
  int nd = (int) json_array_get_length (a);
  g_assert_cmpint (nd, <=, PS_MAX_DIMS);
  for (int d = 0; d < nd; d++)
    shape[d] = json_array_get_int_element (a, (guint) d);
  return nd;
}

/* got has the shape of want's "shape" (fails with both shapes spelled out). */
static inline void
golden_assert_shape (const char *what, const PsTensor *got, JsonObject *want)
{
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (want, "shape"), shape);
  if (got->ndim != nd || memcmp (got->shape, shape, (gsize) nd * sizeof (int64_t)) != 0)
    {
      g_autofree char *a = ps_tensor_shape_string (got);
      g_autofree char *b = ps_shape_to_string (nd, shape);
      g_error ("%s: shape %s, torch %s", what, a, b);
    }
}

static inline uint64_t
golden_seed (JsonObject *c)
{
  JsonNode *n = json_object_get_member (c, "seed");
  if (json_node_get_value_type (n) == G_TYPE_STRING)
    return g_ascii_strtoull (json_node_get_string (n), NULL, 10);
  return (uint64_t) json_node_get_int (n);
}

/* Builds PsArgs from a JSON object of Python keyword values. */
static inline PsArgs *
golden_args (JsonObject *o)
{
  PsArgs *args = ps_args_new ();
  if (o == NULL)
    return args;
  g_autoptr (GList) members = json_object_get_members (o);
  for (GList *l = members; l != NULL; l = l->next)
    {
      const char *k = l->data;
      JsonNode *v = json_object_get_member (o, k);
      GType t = json_node_get_value_type (v);
      if (JSON_NODE_HOLDS_NULL (v))
        ps_args_set_none (args, k);
      else if (t == G_TYPE_BOOLEAN)
        ps_args_set_bool (args, k, json_node_get_boolean (v));
      else if (t == G_TYPE_INT64)
        ps_args_set_int (args, k, json_node_get_int (v));
      else if (t == G_TYPE_DOUBLE)
        ps_args_set_double (args, k, json_node_get_double (v));
      else if (t == G_TYPE_STRING)
        ps_args_set_string (args, k, json_node_get_string (v));
      else
        g_error ("unsupported argument type for %s", k);
    }
  return args;
}

/* A JSON number that may have been written as an int (Python 0) or a float. */
static inline double
golden_number (JsonObject *o, const char *name)
{
  JsonNode *n = json_object_get_member (o, name);
  if (json_node_get_value_type (n) == G_TYPE_INT64)
    return (double) json_node_get_int (n);
  return json_node_get_double (n);
}

/* ---- the generic step runner for gen-init-golden.json ------------------------------------- */

static inline const char *
golden_dist_name (PsDistKind k)
{
  switch (k)
    {
    case PS_DIST_NONE: return "none";
    case PS_DIST_UNIFORM: return "uniform";
    case PS_DIST_NORMAL: return "normal";
    case PS_DIST_TRUNC_NORMAL: return "trunc_normal";
    case PS_DIST_CONSTANT: return "constant";
    case PS_DIST_OTHER: return "other";
    default: return "?";
    }
}

static inline void
golden_assert_info_f64 (const char *what, const char *field, double got, JsonObject *info)
{
  if (!json_object_has_member (info, field))
    return;
  double want = golden_f64 (json_object_get_string_member (info, field));
  if (memcmp (&got, &want, sizeof got) != 0)
    g_error ("%s: info.%s = %.17g, torch %.17g", what, field, got, want);
}

/* Checks the error of a step that torch rejected: same message, and nothing changed. */
static inline void
golden_assert_error (const char *what, JsonObject *st, gboolean ok, GError *error,
                     const PsGenerator *before, const PsGenerator *after)
{
  JsonObject *e = json_object_get_object_member (st, "error");
  if (ok)
    g_error ("%s: succeeded but torch raised %s: %s", what, json_object_get_string_member (e, "type"),
             json_object_get_string_member (e, "message"));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, json_object_get_string_member (e, "message"));
  if (!ps_generator_equal (before, after))
    g_error ("%s: the generator changed on error", what);
}

static inline void
golden_run_step (const char *what, JsonObject *st, PsGenerator *gen)
{
  const char *op = json_object_get_string_member (st, "op");
  gboolean want_error = json_object_has_member (st, "error");
  JsonArray *out = want_error ? NULL : json_object_get_array_member (st, "out");
  PsGenerator before = *gen;
  g_autoptr (GError) error = NULL;
  int64_t shape[PS_MAX_DIMS];

  if (strcmp (op, "uniform") == 0 || strcmp (op, "normal") == 0 || strcmp (op, "init") == 0)
    {
      int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
      g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, &error);
      g_assert_no_error (error);
      /* a recognisable pattern: an init that fails must leave it alone */
      for (int64_t i = 0; i < t->numel; i++)
        ps_tensor_f32 (t)[i] = (float) i + 0.5f;
      g_autoptr (PsTensor) orig = ps_tensor_copy (t, NULL);
      PsInitInfo info;
      gboolean ok;
      if (strcmp (op, "uniform") == 0)
        ok = ps_init_uniform_ (t, golden_number (st, "a"), golden_number (st, "b"), gen, &info, &error);
      else if (strcmp (op, "normal") == 0 && json_object_get_boolean_member (st, "contiguous"))
        ok = ps_init_normal_ (t, golden_number (st, "mean"), golden_number (st, "std"), gen, &info, &error);
      else if (strcmp (op, "normal") == 0)
        {
          /* t.t().normal_(): the per-element path in memory order */
          ps_generator_normal_f32 (gen, ps_tensor_f32 (t), (size_t) t->numel, golden_number (st, "mean"),
                                   golden_number (st, "std"), FALSE);
          ok = TRUE;
        }
      else
        {
          g_autoptr (PsArgs) args = golden_args (json_object_get_object_member (st, "args"));
          ok = ps_init_apply (t, json_object_get_string_member (st, "fn"), args, gen, &info, &error);
        }
      if (want_error)
        {
          golden_assert_error (what, st, ok, error, &before, gen);
          g_assert_true (ps_tensor_equal (t, orig));
          return;
        }
      g_assert_no_error (error);
      g_assert_true (ok);
      golden_assert_f32 (what, ps_tensor_cf32 (t), (size_t) t->numel, out);
      if (json_object_has_member (st, "info"))
        {
          JsonObject *ji = json_object_get_object_member (st, "info");
          g_assert_cmpstr (info.fn, ==, json_object_get_string_member (st, "fn"));
          if (strcmp (golden_dist_name (info.dist), json_object_get_string_member (ji, "dist")) != 0)
            g_error ("%s: info.dist %s, expected %s", what, golden_dist_name (info.dist),
                     json_object_get_string_member (ji, "dist"));
          golden_assert_info_f64 (what, "a", info.a, ji);
          golden_assert_info_f64 (what, "b", info.b, ji);
          golden_assert_info_f64 (what, "mean", info.mean, ji);
          golden_assert_info_f64 (what, "std", info.std, ji);
          golden_assert_info_f64 (what, "value", info.value, ji);
          golden_assert_info_f64 (what, "gain", info.gain, ji);
          if (json_object_has_member (ji, "fan_in"))
            {
              g_assert_true (info.has_fans);
              g_assert_cmpint (info.fan_in, ==, json_object_get_int_member (ji, "fan_in"));
              g_assert_cmpint (info.fan_out, ==, json_object_get_int_member (ji, "fan_out"));
            }
          g_assert_true (g_utf8_validate (info.formula, -1, NULL));
          g_assert_true (g_utf8_validate (info.args, -1, NULL));
        }
    }
  else if (strcmp (op, "uniform_f64") == 0)
    {
      size_t n = (size_t) json_object_get_int_member (st, "n");
      g_autofree double *x = g_new (double, n);
      ps_generator_uniform_f64 (gen, x, n, golden_number (st, "a"), golden_number (st, "b"));
      golden_assert_f64 (what, x, n, out);
    }
  else if (strcmp (op, "randint") == 0)
    {
      size_t n = (size_t) json_object_get_int_member (st, "n");
      g_autofree int64_t *x = g_new0 (int64_t, n);
      gboolean ok = ps_generator_randint (gen, json_object_get_int_member (st, "low"),
                                          json_object_get_int_member (st, "high"), x, n, &error);
      if (want_error)
        golden_assert_error (what, st, ok, error, &before, gen);
      else
        {
          g_assert_no_error (error);
          golden_assert_i64 (what, x, n, out);
        }
    }
  else if (strcmp (op, "randperm") == 0)
    {
      int64_t n = json_object_get_int_member (st, "n");
      g_autofree int64_t *x = g_new0 (int64_t, MAX (n, 1));
      gboolean ok = ps_generator_randperm (gen, n, x, &error);
      if (want_error)
        golden_assert_error (what, st, ok, error, &before, gen);
      else
        {
          g_assert_no_error (error);
          golden_assert_i64 (what, x, (size_t) n, out);
        }
    }
  else if (strcmp (op, "dropout") == 0)
    {
      /* F.dropout(ones, p, training=True) = 1 * (mask / (float)(1 - p)) */
      int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
      int64_t n;
      g_assert_true (ps_shape_numel (nd, shape, &n, NULL));
      double p = golden_number (st, "p");
      g_autofree float *x = g_new (float, MAX (n, 1));
      ps_generator_bernoulli_f32 (gen, x, (size_t) n, p);
      for (int64_t i = 0; i < n; i++)
        x[i] = p == 0.0 ? 1.0f : p == 1.0 ? 1.0f * 0.0f : 1.0f * (x[i] / (float) (1.0 - p));
      golden_assert_f32 (what, x, (size_t) n, out);
    }
  else if (strcmp (op, "dropout2d") == 0)
    {
      /* feature dropout: noise of shape (N, C, 1, 1) = mask / (float)(1 - p), broadcast */
      int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
      g_assert_cmpint (nd, ==, 4);
      double p = golden_number (st, "p");
      size_t nc = (size_t) (shape[0] * shape[1]), hw = (size_t) (shape[2] * shape[3]);
      g_autofree float *m = g_new (float, nc);
      g_autofree float *x = g_new (float, nc * hw);
      ps_generator_bernoulli_f32 (gen, m, nc, p);
      for (size_t i = 0; i < nc; i++)
        for (size_t k = 0; k < hw; k++)
          x[i * hw + k] = 1.0f * (m[i] / (float) (1.0 - p));
      golden_assert_f32 (what, x, nc * hw, out);
    }
  else if (strcmp (op, "gain") == 0)
    {
      JsonNode *pn = json_object_get_member (st, "param");
      gboolean has = !JSON_NODE_HOLDS_NULL (pn);
      double g = 0.0;
      gboolean ok = ps_init_calculate_gain (json_object_get_string_member (st, "nonlinearity"), has,
                                            has ? golden_number (st, "param") : 0.0, &g, &error);
      if (want_error)
        golden_assert_error (what, st, ok, error, &before, gen);
      else
        {
          g_assert_no_error (error);
          golden_assert_f64 (what, &g, 1, out);
        }
    }
  else if (strcmp (op, "fans") == 0)
    {
      int nd = golden_shape (json_object_get_array_member (st, "shape"), shape);
      g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, &error);
      g_assert_no_error (error);
      int64_t fans[2] = { -1, -1 };
      gboolean ok = ps_init_fans (t, &fans[0], &fans[1], &error);
      if (want_error)
        golden_assert_error (what, st, ok, error, &before, gen);
      else
        {
          g_assert_no_error (error);
          golden_assert_i64 (what, fans, 2, out);
        }
    }
  else
    g_error ("%s: unknown op %s", what, op);
}

/* Runs every case of a fixture file in gen_init.py's format whose name starts with prefix;
 * returns how many. */
static inline guint
golden_run_cases_in (const char *file, const char *prefix)
{
  g_autoptr (JsonParser) parser = golden_load (file);
  JsonArray *cases = golden_cases (parser);
  guint count = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *name = json_object_get_string_member (c, "name");
      if (!g_str_has_prefix (name, prefix))
        continue;
      PsFlavour flavour;
      g_assert_true (ps_flavour_from_name (json_object_get_string_member (c, "flavour"), &flavour, NULL));
      PsGenerator gen;
      ps_generator_init (&gen, golden_seed (c), flavour);
      JsonArray *steps = json_object_get_array_member (c, "steps");
      for (guint s = 0; s < json_array_get_length (steps); s++)
        {
          g_autofree char *what = g_strdup_printf ("%s [%s] step %u", name, ps_flavour_name (flavour), s);
          golden_run_step (what, json_array_get_object_element (steps, s), &gen);
        }
      g_autofree char *what = g_strdup_printf ("%s [%s]", name, ps_flavour_name (flavour));
      golden_assert_probe (what, &gen, c);
      count++;
    }
  return count;
}

/* Runs every case of gen-init-golden.json whose name starts with prefix; returns how many. */
static inline guint
golden_run_cases (const char *prefix)
{
  return golden_run_cases_in ("gen-init-golden.json", prefix);
}
