/* Where torch accepts, accept; where it refuses, refuse (issue #10): every case of
 * tests/data/module-args-golden.json (tests/golden/gen_module_args.py, torch 1.13) is replayed as a
 * recipe — a module op, then a forward op on a randn input — and must fail at the same op (module
 * construction or forward) with torch's message, or succeed where torch does. */
#include "ps-timeline.h"

#include <string.h>

/* Cases where Paramscope is known to differ, each with the reason. Keep it short. */
static const struct {
  const char *type, *args, *why;
} known[] = {
  /* both refuse at construction; torch's message is an accident of its Python code */
#define RNN_KNOWN(T) \
  { T, "{\"input_size\":3,\"hidden_size\":0}", "torch: 'proj_size has to be smaller than hidden_size'" }, \
  { T, "{\"input_size\":3,\"hidden_size\":-1}", "torch: 'proj_size has to be smaller than hidden_size'" }, \
  { T, "{\"input_size\":3,\"hidden_size\":2,\"num_layers\":0}", "torch: IndexError 'list index out of range'" }, \
  { T, "{\"input_size\":3,\"hidden_size\":2,\"num_layers\":-1}", "torch: IndexError 'list index out of range'" }
  RNN_KNOWN ("RNN"), RNN_KNOWN ("LSTM"), RNN_KNOWN ("GRU"),
  { "MultiheadAttention", "{\"embed_dim\":4,\"num_heads\":0}", "both refuse; torch: ZeroDivisionError" },
  { "MultiheadAttention", "{\"embed_dim\":0,\"num_heads\":1}", "both refuse; torch: ZeroDivisionError" },
  /* Paramscope refuses at construction what torch refuses only at the first forward */
  { "MultiheadAttention", "{\"embed_dim\":4,\"num_heads\":2,\"dropout\":1.5}", "torch fails at forward (training)" },
  { "MultiheadAttention", "{\"embed_dim\":4,\"num_heads\":-1}", "torch builds a module that cannot run" },
  { "GroupNorm", "{\"num_groups\":-1,\"num_channels\":4}", "torch: at forward 'Expected num groups to be greater than 0, got -1'" },
  { NULL, NULL, NULL },
};

static gboolean
is_known (const char *type, const char *args)
{
  for (guint i = 0; known[i].type != NULL; i++)
    if (strcmp (known[i].type, type) == 0 && strcmp (known[i].args, args) == 0)
      return TRUE;
  return FALSE;
}

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
  guint n = json_array_get_length (cases), bad = 0, n_known = 0, n_ok = 0, n_construct = 0, n_forward = 0;
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
      if (is_known (type, args))
        {
          n_known++;
          continue;
        }
      g_test_message ("MISMATCH %s(%s): torch %s%s%s — Paramscope %s", type, args, want_where ? want_where : "ok",
                      want_where ? ": " : "", want_msg ? want_msg : "", got);
      bad++;
    }
  g_test_message ("%u cases (torch: %u accept, %u refuse at construction, %u at forward); %u known differences",
                  n, n_ok, n_construct, n_forward, n_known);
  g_assert_cmpuint (n, >=, 200);
  g_assert_cmpuint (bad, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module-args/golden", test_module_args_golden);
  return g_test_run ();
}
