/* Where torch accepts, accept; where it refuses, refuse (issue #10): every case of
 * tests/data/module-args-golden.json (tests/golden/gen_module_args.py, torch 1.13) is replayed as a
 * recipe — a module op, then a forward op on a randn input — and must fail at the same op (module
 * construction or forward) with torch's message (a plain-words prefix allowed where torch's is an
 * accident of its Python code, e.g. "list index out of range"), or succeed where torch does. Every
 * case matches. */
#include "ps-timeline.h"

#include <string.h>

static char *
node_text (JsonNode *n)
{
  g_autoptr (JsonGenerator) g = json_generator_new ();
  json_generator_set_root (g, n);
  char *t = json_generator_to_data (g, NULL);
  /* json-glib writes infinity as "inf.0": give the recipe 1e999, which reads back as it */
  char *w;
  while ((w = strstr (t, "inf.0")) != NULL)
    memcpy (w, "1e999", 5);
  return t;
}

/* What happened: "ok", or "module: MESSAGE" / "forward: MESSAGE" / "load: MESSAGE". */
static char *
replay (const char *type, const char *args, JsonNode *input)
{
  GString *ops = g_string_new (NULL);
  g_string_append_printf (ops, "{\"op\": \"module\", \"id\": \"m\", \"type\": \"%s\", \"args\": %s}", type, args);
  if (input != NULL && !JSON_NODE_HOLDS_NULL (input))
    {
      g_autofree char *shape = node_text (input);
      g_string_append_printf (ops, ", {\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": %s}, \"name\": \"y\"}",
                              shape);
    }
  g_autofree char *ops_s = g_string_free (ops, FALSE);
  g_autofree char *text = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "
                                           "\"root\": \"m\", \"ops\": [%s]}", ops_s);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  if (r == NULL)
    {
      const char *m = error->message;
      if (g_str_has_prefix (m, "op 1 ("))
        return g_strdup_printf ("module: %s", m);
      if (g_str_has_prefix (m, "op 2 ("))
        return g_strdup_printf ("forward: %s", m);
      return g_strdup_printf ("load: %s", m);
    }
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  const GError *e = ps_timeline_get_error (tl);
  if (e == NULL)
    return g_strdup ("ok");
  return g_strdup_printf ("%s: %s", g_str_has_prefix (e->message, "op 1 (") ? "module" : "forward", e->message);
}

static void
test_module_args_golden (void)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "module-args-golden.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "cases");
  guint n = json_array_get_length (cases), bad = 0, n_ok = 0, n_construct = 0, n_forward = 0;
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      g_autofree char *args = node_text (json_object_get_member (c, "args"));
      JsonNode *ce = json_object_get_member (c, "construct_error");
      JsonNode *fe = json_object_get_member (c, "forward_error");
      const char *want_where = !JSON_NODE_HOLDS_NULL (ce) ? "module" : !JSON_NODE_HOLDS_NULL (fe) ? "forward" : NULL;
      const char *want_msg = want_where == NULL ? NULL
        : json_object_get_string_member (json_node_get_object (!JSON_NODE_HOLDS_NULL (ce) ? ce : fe), "message");
      g_autofree char *got = replay (type, args, json_object_get_member (c, "input"));
      gboolean same;
      if (want_where == NULL)
        same = strcmp (got, "ok") == 0;
      else
        same = g_str_has_prefix (got, want_where) && got[strlen (want_where)] == ':' && g_str_has_suffix (got, want_msg);
      n_ok += want_where == NULL;
      n_construct += want_where != NULL && strcmp (want_where, "module") == 0;
      n_forward += want_where != NULL && strcmp (want_where, "forward") == 0;
      if (same)
        continue;
      g_test_message ("MISMATCH %s(%s): torch %s%s%s — Paramscope %s", type, args, want_where ? want_where : "ok",
                      want_where ? ": " : "", want_msg ? want_msg : "", got);
      bad++;
    }
  g_test_message ("%u cases (torch: %u accept, %u refuse at construction, %u at forward); %u differ",
                  n, n_ok, n_construct, n_forward, bad);
  g_assert_cmpuint (n, >=, 200);
  g_assert_cmpuint (bad, ==, 0);
}

/* Bit patterns of a tensor's values against a JSON array of float32 bit patterns. */
static gboolean
bits_equal (const PsTensor *t, JsonArray *want)
{
  if (t == NULL || (guint) t->numel != json_array_get_length (want))
    return FALSE;
  const float *v = ps_tensor_cf32 (t);
  for (guint i = 0; i < json_array_get_length (want); i++)
    {
      guint32 b;
      memcpy (&b, &v[i], 4);
      if (b != (guint32) json_array_get_int_element (want, i))
        return FALSE;
    }
  return TRUE;
}

/* Seeds at the edges of torch.manual_seed's range and float seeds (tests/golden/gen_seed_range.py),
 * as the recipe's seed and as a manual_seed op: torch's draws, or torch's refusal. */
static void
test_seed_range_golden (void)
{
  g_autofree char *path = g_build_filename (g_getenv ("PS_TEST_DATA"), "seed-range-golden.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "cases");
  guint n_refused = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *seed = json_object_get_string_member (c, "seed");
      JsonNode *err = json_object_get_member (c, "error");
      for (int as_op = 0; as_op < 2; as_op++)
        {
          g_autofree char *text = as_op
            ? g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, \"root\": \"l\", \"ops\": ["
                               "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 1, \"bias\": false}},"
                               "{\"op\": \"manual_seed\", \"seed\": %s}, {\"op\": \"init\", \"target\": \"l.weight\", \"fn\": \"uniform_\"}]}", seed)
            : g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": %s, \"root\": \"l\", \"ops\": ["
                               "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 1, \"bias\": false}}]}", seed);
          g_autoptr (GError) e = NULL;
          g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &e);
          if (!JSON_NODE_HOLDS_NULL (err))
            {
              g_assert_null (r);
              g_test_message ("seed %s: %s", seed, e->message);
              g_assert_nonnull (strstr (e->message, json_node_get_string (err)));
              if (strstr (json_node_get_string (err), "Overflow") != NULL)
                {
                  /* the seed as written: a number's JSON text, a string's value */
                  g_autofree char *shown = seed[0] == '"' ? g_strndup (seed + 1, strlen (seed) - 2) : g_strdup (seed);
                  g_assert_nonnull (strstr (e->message, shown));
                }
              /* the JSON is valid: the message says what is wrong with the seed */
              g_assert_false (g_str_has_prefix (e->message, "recipe is not valid JSON"));
              n_refused++;
              continue;
            }
          g_assert_no_error (e);
          g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
          g_assert_null (ps_timeline_get_error (tl));
          PsModule *m = NULL;
          PsParam *w = NULL;
          g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "l.weight", &m, &w, NULL));
          g_assert_nonnull (w);
          JsonArray *want = json_object_get_array_member (c, as_op ? "weight" : "linear_weight");
          if (!bits_equal (w->value, want))
            g_error ("seed %s (%s): weight differs from torch", seed, as_op ? "manual_seed op" : "recipe seed");
        }
    }
  guint n_errors = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    n_errors += !JSON_NODE_HOLDS_NULL (json_object_get_member (json_array_get_object_element (cases, i), "error"));
  /* 29 numbers (10 refused), 30 strings (15 refused), 2 bools */
  g_assert_cmpuint (json_array_get_length (cases), >=, 61);
  g_assert_cmpuint (n_errors, >=, 26);
  g_assert_cmpuint (n_refused, ==, 2 * n_errors);
}

/* load of int64 tensors into float parameters and a float into an int64 buffer converts like
 * torch's load_state_dict (param.copy_); golden from tests/golden/gen_load_convert.py. */
static void
test_load_converts_dtype (void)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_autofree char *gpath = g_build_filename (dir, "load-convert-golden.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_file (p, gpath, NULL));
  JsonObject *g = json_node_get_object (json_parser_get_root (p));
  g_autofree char *pt = g_build_filename (dir, "load-convert.pt", NULL);
  g_autofree char *pt_bn = g_build_filename (dir, "load-convert-bn.pt", NULL);
  g_autofree char *text = g_strdup_printf (
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"s\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"l\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 3}},"
    "{\"op\": \"module\", \"id\": \"b\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 2}},"
    "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"l\"]},"
    "{\"op\": \"load\", \"target\": \"l\", \"file\": \"%s\"}, {\"op\": \"load\", \"target\": \"b\", \"file\": \"%s\"}]}",
    pt, pt_bn);
  g_autoptr (GError) e = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &e);
  g_assert_no_error (e);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s", ps_timeline_get_error (tl)->message);
  PsState *st = ps_timeline_get_last_state (tl);
  PsModule *m = NULL;
  PsParam *w = NULL, *b = NULL, *nbt = NULL;
  g_assert_true (ps_state_resolve (st, "l.weight", &m, &w, NULL));
  g_assert_true (ps_state_resolve (st, "l.bias", &m, &b, NULL));
  g_assert_true (ps_state_resolve (st, "b.num_batches_tracked", &m, &nbt, NULL));
  g_assert_cmpint (w->value->dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_true (bits_equal (w->value, json_object_get_array_member (g, "weight")));
  g_assert_true (bits_equal (b->value, json_object_get_array_member (g, "bias")));
  g_assert_cmpint (nbt->value->dtype, ==, PS_DTYPE_INT64);
  g_assert_cmpint (((const int64_t *) nbt->value->data)[0], ==, json_object_get_int_member (g, "num_batches_tracked"));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module-args/golden", test_module_args_golden);
  g_test_add_func ("/module-args/seed-range", test_seed_range_golden);
  g_test_add_func ("/module-args/load-converts-dtype", test_load_converts_dtype);
  return g_test_run ();
}
