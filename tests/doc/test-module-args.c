/* Where torch accepts, accept; where it refuses, refuse (issue #10): every case of
 * tests/data/module-args-golden/<Type>.json (tests/golden/gen_module_args.py, torch 1.13) is replayed as a
 * recipe — a module op, then a forward op on a randn input — and must fail at the same op (module
 * construction or forward) with torch's message (a plain-words prefix allowed where torch's is an
 * accident of its Python code, e.g. "list index out of range"), or succeed where torch does. Every
 * case matches. */
#include "ps-timeline.h"
#include "ps-export-pytorch.h"
#include "gen-golden-util.h"

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
  /* one file per layer type (golden_merge_dir: no text round trip, which would spell 1e400 "inf.0") */
  g_autoptr (JsonNode) golden = golden_merge_dir ("module-args-golden");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (golden), "cases");
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

/* ---- the generated table (tests/golden/gen_module_args_table.py → tests/data/module-args/) ----
 * Every registered type × every constructor argument × boundary values of its kind, through a
 * recipe's module op and forward op. Where torch's message cannot apply to a recipe, one of the
 * mappings below decides; each is counted and printed. Everything else must be torch's behaviour:
 * refused at the same op with torch's message, or accepted with the same output bits. */

typedef enum {
  MAP_JSON_TYPE,    /* the value's JSON type is not the argument's kind (a bool, a float, a string or
                       null where an int goes; a float, a bool, null or a string where a tuple goes;
                       null or a string where a float goes): torch's answer comes from wherever
                       Python's duck typing fails (torch.empty's argument parser refuses a bool size,
                       Python arithmetic takes it, …); Paramscope refuses at the module op (or while
                       reading the recipe) naming the argument. NOT mapped (torch's behaviour
                       enforced, counted as n_python): any value where a bool flag goes, a bool where
                       a float goes, a scalar of another type where a convolution's or a pool's
                       tuple goes (session 7 mapped 889 cases here), and since session 9 every
                       argument whose spec says bool_is_int, any_value or aten_position (the layers
                       run torch's __init__ Python on the value): 408 -> 1 case left, a JSON array
                       holding a float (LayerNorm normalized_shape=[4.0], refused while reading) */
  MAP_OVERFLOW,     /* torch: "Storage size calculation overflowed …" / "numel: integer multiplication
                       overflow"; Paramscope refuses at the same op saying the shape overflows */
  MAP_TUPLE_LEN,    /* a list whose length is not the layer's dimension count, for an argument whose
                       spec does not take it as given (len_at_forward): refused at the module op naming
                       the argument. No such argument is left: the convolutions' kernel_size, stride,
                       padding, dilation and output_padding take any length as torch does (a wrong-rank
                       weight, ATen's refusal at the forward), the pools check lengths at the forward,
                       a one-element list is expanded as ATen does (expand_one): all must be torch's
                       behaviour (counted as n_tuple below) */
  MAP_ONE_INPUT,    /* Bilinear with in1_features != in2_features, MultiheadAttention with kdim/vdim
                       != embed_dim: a recipe's forward passes its one input to every argument, so
                       torch's forward fails on a shape; Paramscope refuses at the forward saying why */
  MAP_UNSUPPORTED,  /* a feature Paramscope refuses by design, saying "is not supported"
                       (Embedding's max_norm rewrites weight rows during forward) */
  MAP_SET_ORDER,    /* torch prints a Python set ({'valid', 'same'}) in the order of its string hashes:
                       the same items, compared in any order */
  MAP_SLOW,         /* torch took more than the generator's time limit: no crash asked */
  MAP_TYPE_ERROR,   /* torch raised TypeError (a Python type: a float or a string where an int goes,
                       an unexpected keyword): Paramscope refuses at that module op, or while reading
                       the recipe, with a message naming the argument */
  MAP_BIG,          /* torch needs more than the table's big_bytes: Paramscope (its one-allocation
                       limit set to big_bytes) refuses at the module or the forward op */
  N_MAPS
} ArgMap;

static const char *const map_names[N_MAPS] = {
  "JSON type is not the argument's kind → refused naming the argument",
  "size overflow → refused at the same op",
  "tuple of the wrong length → refused at the module naming the argument",
  "one input for every forward argument → refused at the forward saying so",
  "not supported by design → refused at the module saying so",
  "Python set printed in another order → same items",
  "torch too slow to finish → no crash",
  "TypeError → refused naming the argument",
  "needs more than big_bytes → refused for its size",
};

static int
g_strcmp0_indirect (const char *const *a, const char *const *b)
{
  return g_strcmp0 (*a, *b);
}

/* msg with the items of every {…} sorted, for comparing Python sets printed in hash order */
static char *
sorted_sets (const char *msg)
{
  GString *out = g_string_new (NULL);
  const char *p = msg;
  const char *o;
  while ((o = strchr (p, '{')) != NULL)
    {
      const char *c = strchr (o, '}');
      if (c == NULL)
        break;
      g_string_append_len (out, p, o - p + 1);
      g_autofree char *inner = g_strndup (o + 1, c - o - 1);
      g_auto (GStrv) items = g_strsplit (inner, ", ", -1);
      qsort (items, g_strv_length (items), sizeof (char *), (int (*) (const void *, const void *)) g_strcmp0_indirect);
      g_autofree char *joined = g_strjoinv (", ", items);
      g_string_append (out, joined);
      g_string_append_c (out, '}');
      p = c + 1;
    }
  g_string_append (out, p);
  return g_string_free (out, FALSE);
}

/* Is v of a JSON type the argument's kind does not take (see MAP_JSON_TYPE)? With `python`, the
 * pairs Paramscope converts as torch's Python does are not foreign (they must be torch's behaviour,
 * no mapping): any value where a bool flag goes (its truthiness, or the ATen parser's TypeError at
 * the forward), a bool where a float goes (True is 1.0). Without, the JSON kinds strictly (the
 * session-7 definition, for counting what became enforced). */
static gboolean
foreign_json_type_as (const PsArgSpec *spec, JsonNode *v, gboolean python)
{
  if (python && spec->kind == PS_ARG_BOOL)
    return FALSE;
  /* a bool where an int goes whose layer takes it as Python's 0/1 (bool_is_int), any scalar where the
   * layer stores the value as given (any_value): torch's behaviour, enforced */
  if (python && spec->bool_is_int && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_BOOLEAN)
    return FALSE;
  if (python && (spec->any_value || spec->aten_position != 0) && !JSON_NODE_HOLDS_ARRAY (v) && !JSON_NODE_HOLDS_OBJECT (v))
    return FALSE;
  if (python && spec->kind == PS_ARG_FLOAT && JSON_NODE_HOLDS_VALUE (v) && json_node_get_value_type (v) == G_TYPE_BOOLEAN)
    return FALSE;
  /* a scalar of another type where a tuple goes: constructs, refused at the forward by ATen's parser */
  if (python && spec->kind == PS_ARG_INT_OR_TUPLE && spec->scalar_at_forward && !JSON_NODE_HOLDS_ARRAY (v))
    return FALSE;
  if (JSON_NODE_HOLDS_NULL (v))
    return !spec->nullable;
  if (JSON_NODE_HOLDS_ARRAY (v))
    {
      if (spec->kind != PS_ARG_INT_OR_TUPLE && spec->kind != PS_ARG_INT_LIST)
        return TRUE;
      JsonArray *a = json_node_get_array (v);
      for (guint i = 0; i < json_array_get_length (a); i++)
        {
          JsonNode *e = json_array_get_element (a, i);
          if (JSON_NODE_HOLDS_NULL (e) ? !spec->none_elements
              : !(JSON_NODE_HOLDS_VALUE (e) && json_node_get_value_type (e) == G_TYPE_INT64))
            return TRUE;
        }
      return FALSE;
    }
  if (!JSON_NODE_HOLDS_VALUE (v))
    return TRUE;
  GType t = json_node_get_value_type (v);
  if (t == G_TYPE_STRING)
    {
      const char *s = json_node_get_string (v);
      if (strcmp (s, "nan") == 0 || strcmp (s, "inf") == 0 || strcmp (s, "-inf") == 0)
        t = G_TYPE_DOUBLE;
      else
        return !(spec->kind == PS_ARG_STRING || (spec->kind == PS_ARG_INT_OR_TUPLE && spec->choices != NULL));
    }
  if (t == G_TYPE_BOOLEAN)
    return spec->kind != PS_ARG_BOOL;
  if (t == G_TYPE_INT64)
    return spec->kind == PS_ARG_BOOL || spec->kind == PS_ARG_STRING;
  return spec->kind != PS_ARG_FLOAT;   /* a double */
}

static gboolean
foreign_json_type (const PsArgSpec *spec, JsonNode *v)
{
  return foreign_json_type_as (spec, v, TRUE);
}

static const PsArgSpec *
find_spec (const char *type, const char *name)
{
  const PsModuleClass *k = ps_module_class_lookup (type);
  for (const PsArgSpec *a = k != NULL ? k->args : NULL; a != NULL && a->name != NULL; a++)
    if (strcmp (a->name, name) == 0)
      return a;
  return NULL;
}

/* Cases that still differ from torch, each with why; every one must still differ (fixing one makes
 * the test fail until it leaves this list). */
typedef struct {
  const char *type, *key, *value, *why;
} KnownDiff;

#define TRANSPOSED_INT32 "torch's slow_conv_transpose shape check casts stride/padding/dilation/output_padding " \
  "to int and checks them before the output size; Paramscope checks the output size from the int64 values first"
static const KnownDiff known_diffs[] = {
  { "ConvTranspose1d", "stride", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose1d", "padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose1d", "output_padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose1d", "dilation", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose2d", "stride", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose2d", "padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose2d", "output_padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose2d", "dilation", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose3d", "stride", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose3d", "padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose3d", "output_padding", "2147483648", TRANSPOSED_INT32 },
  { "ConvTranspose3d", "dilation", "2147483648", TRANSPOSED_INT32 },
  { "LayerNorm", "normalized_shape", "[]", "torch constructs LayerNorm([]) and refuses at the forward; Paramscope "
    "refuses at the module op (a 0-dim weight)" },
  { "LazyConv2d", "out_channels", "-1", "refused at the forward as torch does, but with the engine's shape message, "
    "not torch.empty's (\"Trying to create tensor with negative dimension -1: [-1, 2, 3, 3]\")" },
};

static const KnownDiff *
find_known (const char *type, const char *key, JsonNode *value)
{
  if (key == NULL)
    return NULL;
  g_autofree char *v = node_text (value);
  for (guint i = 0; i < G_N_ELEMENTS (known_diffs); i++)
    if (strcmp (known_diffs[i].type, type) == 0 && strcmp (known_diffs[i].key, key) == 0
        && strcmp (known_diffs[i].value, v) == 0)
      return &known_diffs[i];
  return NULL;
}

static guint64
fnv1a_f32 (const PsTensor *t)
{
  guint64 h = 0xcbf29ce484222325ull;
  const guint8 *b = t->data;
  for (gsize i = 0; i < (gsize) t->numel * 4; i++)
    h = (h ^ b[i]) * 0x100000001b3ull;
  return h;
}

/* Runs one case: *where = "ok" / "module" / "forward" / "load", *msg the error (or NULL), *out the
 * output y (ref, or NULL). */
static void
replay_case (const char *type, const char *args, const char *input, char **where, char **msg, PsTensor **out)
{
  g_autofree char *text = g_strdup_printf (
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"root\": \"m\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"%s\", \"args\": %s},"
    "{\"op\": \"forward\", \"target\": \"m\", \"input\": %s, \"name\": \"y\"}]}", type, args, input);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  *out = NULL;
  if (r == NULL)
    {
      *where = g_strdup (g_str_has_prefix (error->message, "op 1 (") ? "module"
                         : g_str_has_prefix (error->message, "op 2 (") ? "forward" : "load");
      *msg = g_strdup (error->message);
      return;
    }
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  const GError *e = ps_timeline_get_error (tl);
  if (e != NULL)
    {
      *where = g_strdup (g_str_has_prefix (e->message, "op 1 (") ? "module" : "forward");
      *msg = g_strdup (e->message);
      return;
    }
  *where = g_strdup ("ok");
  *msg = NULL;
  PsTensor *y = ps_state_get_output (ps_timeline_get_last_state (tl), "y");
  *out = y != NULL ? ps_tensor_ref (y) : NULL;
}

static void
test_module_args_generated (void)
{
  /* tests/data/module-args/<Type>.json, read in file-name order (tests/golden/module_args_split.py) */
  g_autoptr (JsonNode) table = golden_merge_dir ("module-args");
  JsonObject *root = json_node_get_object (table);
  guint64 big_bytes = (guint64) json_object_get_int_member (json_object_get_object_member (root, "meta"), "big_bytes");
  JsonArray *cases = json_object_get_array_member (root, "cases");
  const guint64 old_max = ps_tensor_get_max_bytes ();
  ps_tensor_set_max_bytes (big_bytes);
  guint n = json_array_get_length (cases), bad = 0, bad_bits = 0, n_bits = 0, mapped[N_MAPS] = { 0 }, n_known = 0;
  guint n_python = 0, n_python_ok = 0, n_tuple = 0, n_tuple_ok = 0, json_module = 0, json_forward = 0, json_ok = 0;   /* JSON-foreign cases now converted as torch does (enforced) */
  g_autoptr (GHashTable) per_type = g_hash_table_new (g_str_hash, g_str_equal);
  g_autoptr (GHashTable) seen_args = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "t");
      const char *want = json_object_get_string_member (c, "r");
      const char *want_msg = json_object_get_string_member_with_default (c, "m", NULL);
      const char *etype = json_object_get_string_member_with_default (c, "e", "");
      g_autofree char *args = node_text (json_object_get_member (c, "a"));
      g_autofree char *input = node_text (json_object_get_member (c, "i"));
      g_hash_table_insert (per_type, (gpointer) type, GUINT_TO_POINTER (GPOINTER_TO_UINT (g_hash_table_lookup (per_type, type)) + 1));
      g_autoptr (GList) names = json_object_get_members (json_object_get_object_member (c, "a"));
      for (GList *l = names; l != NULL; l = l->next)
        g_hash_table_add (seen_args, g_strdup_printf ("%s.%s", type, (char *) l->data));
      g_autofree char *where = NULL, *msg = NULL;
      g_autoptr (PsTensor) y = NULL;
      replay_case (type, args, input, &where, &msg, &y);
      gboolean same = FALSE;
      const char *key = json_object_get_string_member_with_default (c, "k", NULL);
      const PsArgSpec *spec = key != NULL ? find_spec (type, key) : NULL;
      g_autofree char *quoted = g_strdup_printf ("'%s'", key != NULL ? key : "");
      if (spec != NULL && foreign_json_type (spec, json_object_get_member (json_object_get_object_member (c, "a"), key)))
        {
          same = (strcmp (where, "module") == 0 || strcmp (where, "load") == 0) && strstr (msg, quoted) != NULL;
          mapped[MAP_JSON_TYPE] += same;
          /* what torch did with them: refused at the module op too (only the text differs), or not */
          json_module += same && strcmp (want, "module") == 0;
          json_forward += same && strcmp (want, "forward") == 0;
          json_ok += same && strcmp (want, "ok") == 0;
          if (same)
            g_test_message ("JSON-TYPE %s(%s): torch %s%s%s%s — Paramscope %s: %s", type, args, want,
                            want_msg ? ": " : "", etype, want_msg ? want_msg : "", where, msg);
        }
      else if (spec != NULL && spec->kind == PS_ARG_INT_OR_TUPLE && spec->tuple_len > 0 && !spec->len_at_forward
               && JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_object_get_object_member (c, "a"), key))
               && json_array_get_length (json_object_get_array_member (json_object_get_object_member (c, "a"), key))
                    != (guint) spec->tuple_len
               && !(spec->expand_one
                    && json_array_get_length (json_object_get_array_member (json_object_get_object_member (c, "a"), key)) == 1))
        {
          same = strcmp (where, "module") == 0 && strstr (msg, quoted) != NULL;
          mapped[MAP_TUPLE_LEN] += same;
        }
      else if (strcmp (want, "ok") == 0)
        {
          same = strcmp (where, "ok") == 0 && y != NULL;
          if (same)
            {
              JsonArray *shape = json_object_get_array_member (c, "s");
              gboolean shape_ok = y->dtype == PS_DTYPE_FLOAT32 && (guint) y->ndim == json_array_get_length (shape);
              for (int d = 0; shape_ok && d < y->ndim; d++)
                shape_ok = y->shape[d] == json_array_get_int_element (shape, d);
              g_autofree char *h = g_strdup_printf ("%016" G_GINT64_MODIFIER "x", shape_ok ? fnv1a_f32 (y) : 0);
              n_bits++;
              if (!shape_ok || strcmp (h, json_object_get_string_member (c, "h")) != 0)
                {
                  g_test_message ("BITS %s(%s) on %s: output %s differs from torch's", type, args, input,
                                  shape_ok ? "bits" : "shape");
                  bad_bits++;
                }
            }
        }
      else if (strcmp (want, "slow") == 0)
        {
          same = TRUE;   /* it returned */
          mapped[MAP_SLOW]++;
        }
      else if (strcmp (want, "big") == 0)
        {
          same = strcmp (where, "module") == 0 || strcmp (where, "forward") == 0;
          mapped[MAP_BIG] += same;
        }
      if (!same && strcmp (where, "module") == 0 && strstr (msg, "is not supported") != NULL)
        {
          same = TRUE;
          mapped[MAP_UNSUPPORTED]++;
        }
      else if (strcmp (want, "ok") != 0 && strcmp (want, "big") != 0 && strcmp (want, "slow") != 0 && !same
               && !(spec != NULL && foreign_json_type (spec, json_object_get_member (json_object_get_object_member (c, "a"), key))))
        {
          same = strcmp (where, want) == 0 && msg != NULL && g_str_has_suffix (msg, want_msg);
          if (!same && strcmp (where, want) == 0 && msg != NULL && strchr (want_msg, '{') != NULL)
            {
              g_autofree char *a = sorted_sets (msg), *b = sorted_sets (want_msg);
              same = g_str_has_suffix (a, b);
              mapped[MAP_SET_ORDER] += same;
            }
          if (!same && strcmp (want, "forward") == 0 && strcmp (where, "forward") == 0
              && (strstr (msg, "self-attention (query = key = value = the input)") != NULL
                  || strstr (msg, "gets one input and uses it as both x1 and x2") != NULL))
            {
              same = TRUE;
              mapped[MAP_ONE_INPUT]++;
            }
          if (!same && strstr (want_msg, "overflow") != NULL && strcmp (where, want) == 0
              && (strstr (msg, "overflow") != NULL || strstr (msg, "too large") != NULL))
            {
              same = TRUE;
              mapped[MAP_OVERFLOW]++;
            }
          if (!same && strcmp (etype, "TypeError") == 0 && strcmp (want, "module") == 0
              && (strcmp (where, "module") == 0 || strcmp (where, "load") == 0))
            {
              /* the argument torch's TypeError is about: the one the case changed (or 'bogus') */
              same = key != NULL && strstr (msg, key) != NULL;
              mapped[MAP_TYPE_ERROR] += same;
              if (same)
                g_test_message ("TYPE-ERROR %s(%s): torch %s — Paramscope %s", type, args, want_msg, msg);
            }
        }
      const KnownDiff *kd = find_known (type, key, key != NULL ? json_object_get_member (json_object_get_object_member (c, "a"), key) : NULL);
      if (kd != NULL)
        {
          if (same)
            g_error ("%s(%s) now agrees with torch: take it out of known_diffs", type, args);
          g_test_message ("KNOWN %s(%s): torch %s: %s — Paramscope %s: %s (%s)", type, args, want, want_msg ? want_msg : "",
                          where, msg ? msg : "", kd->why);
          n_known++;
          continue;
        }
      if (spec != NULL && !foreign_json_type (spec, json_object_get_member (json_object_get_object_member (c, "a"), key))
          && foreign_json_type_as (spec, json_object_get_member (json_object_get_object_member (c, "a"), key), FALSE))
        {
          n_python++;
          n_python_ok += same;
        }
      if (spec != NULL && spec->kind == PS_ARG_INT_OR_TUPLE && spec->tuple_len > 0
          && JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_object_get_object_member (c, "a"), key))
          && json_array_get_length (json_object_get_array_member (json_object_get_object_member (c, "a"), key))
               != (guint) spec->tuple_len)
        {
          n_tuple++;
          n_tuple_ok += same;
        }
      if (same)
        continue;
      g_test_message ("MISMATCH %s(%s) on %s: torch %s%s%s%s — Paramscope %s%s%s", type, args, input, want,
                      want_msg ? ": " : "", etype, want_msg ? want_msg : "", where, msg ? ": " : "", msg ? msg : "");
      bad++;
    }
  ps_tensor_set_max_bytes (old_max);
  /* every registered class and every argument of its table is in the cases */
  guint n_classes = 0, n_args = 0;
  for (const PsModuleClass *const *k = ps_module_classes (); *k != NULL; k++)
    {
      guint nt = GPOINTER_TO_UINT (g_hash_table_lookup (per_type, (*k)->name));
      g_test_message ("%s: %u cases", (*k)->name, nt);
      if (nt == 0)
        g_error ("%s has no case in tests/data/module-args/", (*k)->name);
      n_classes++;
      for (const PsArgSpec *a = (*k)->args; a != NULL && a->name != NULL; a++, n_args++)
        {
          g_autofree char *key = g_strdup_printf ("%s.%s", (*k)->name, a->name);
          if (!g_hash_table_contains (seen_args, key))
            g_error ("argument %s has no case in tests/data/module-args/", key);
        }
    }
  for (guint m = 0; m < N_MAPS; m++)
    g_test_message ("mapping '%s': %u cases", map_names[m], mapped[m]);
  g_test_message ("JSON type not the argument's kind, converted as Python does and enforced (torch's output bits or "
                  "error at the same op): %u of %u", n_python_ok, n_python);
  g_test_message ("JSON type not the argument's kind, still mapped: %u (torch refuses at the module op too, another "
                  "text: %u; torch refuses at the forward: %u; torch accepts: %u; other: %u)", mapped[MAP_JSON_TYPE],
                  json_module, json_forward, json_ok, mapped[MAP_JSON_TYPE] - json_module - json_forward - json_ok);
  g_test_message ("tuple of another length than the class's dimensions, enforced (torch's output bits or error at "
                  "the same op): %u of %u", n_tuple_ok, n_tuple);
  g_test_message ("%u cases over %u classes and %u arguments; %u differ (%u known, listed); outputs compared %u, %u differ",
                  n, n_classes, n_args, bad, n_known, n_bits, bad_bits);
  g_assert_cmpuint (n_known, ==, G_N_ELEMENTS (known_diffs));
  g_assert_cmpuint (n, >=, 2000);
  g_assert_cmpuint (bad, ==, 0);
  g_assert_cmpuint (bad_bits, ==, 0);
  /* 250 bool-flag cases given 0/1/2/None/'x', 19 floats given True, 212 convolution and pool tuples
   * given True/2.0/None/a string */
  g_assert_cmpuint (n_python, >=, 480);
  g_assert_cmpuint (n_python_ok, ==, n_python);
  /* the 74 of the convolutions (kernel_size, stride, padding, dilation, output_padding; [], one too
   * many, one too few) and the 10 one-element lists ATen expands */
  g_assert_cmpuint (mapped[MAP_TUPLE_LEN], ==, 0);
  /* JSON types torch accepts are accepted with torch's output (session 9: the 26 of InstanceNorm's
   * num_features of any type, the RNNs' hidden_size=True, Embedding(embedding_dim=True),
   * MultiheadAttention(num_heads=True), …); what is still mapped only goes down */
  g_assert_cmpuint (json_ok, ==, 0);
  g_assert_cmpuint (mapped[MAP_JSON_TYPE], <=, 1);
  /* torch's TypeErrors with their own text: an unknown keyword names the __init__ that refused it
   * (PsModuleClass.init_owner), an RNN gate_size beyond int64 is torch.empty's refusal (47 -> 0) */
  g_assert_cmpuint (mapped[MAP_TYPE_ERROR], ==, 0);
  g_assert_cmpuint (n_python, >=, 888);
  g_assert_cmpuint (n_tuple, >=, 84);
  g_assert_cmpuint (n_tuple_ok, ==, n_tuple);
}

/* torch's repr() of every module the generated table constructs (tests/data/module-args-reprs/,
 * tests/golden/gen_module_args_reprs.py): Paramscope's repr of the same module op, literals as torch
 * prints them (BatchNorm1d(3, ..., affine=2, ...)). One difference is left, listed (REPR lines)
 * and counted: a JSON array where MaxPool, AvgPool2d or AdaptiveAvgPool2d keep the value as given —
 * torch holds the Python list ([2, 2]); Paramscope shows and exports a tuple ((2, 2)), which is what
 * its exported script passes. Everything else must be torch's text. */
static void
test_module_args_reprs (void)
{
  /* one file a layer type in each folder (tests/golden/module_args_split.py); a repr's "i" indexes
   * the cases of its type's file */
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_autofree char *rdir = g_build_filename (dir, "module-args-reprs", NULL);
  g_autoptr (GDir) d = g_dir_open (rdir, 0, NULL);
  g_assert_nonnull (d);
  g_autoptr (GPtrArray) files = g_ptr_array_new_with_free_func (g_free);
  for (const char *f; (f = g_dir_read_name (d)) != NULL;)
    if (g_str_has_suffix (f, ".json"))
      g_ptr_array_add (files, g_strdup (f));
  g_ptr_array_sort (files, (GCompareFunc) golden_strcmp_p);
  g_assert_cmpuint (files->len, >=, 40);
  guint n = 0, differ = 0, refused = 0, lists = 0;
  for (guint f = 0; f < files->len; f++)
    {
      g_autofree char *tpath = g_build_filename (dir, "module-args", g_ptr_array_index (files, f), NULL);
      g_autofree char *rpath = g_build_filename (rdir, g_ptr_array_index (files, f), NULL);
      g_autoptr (JsonParser) tp = json_parser_new ();
      g_autoptr (JsonParser) rp = json_parser_new ();
      g_assert_true (json_parser_load_from_file (tp, tpath, NULL));
      g_assert_true (json_parser_load_from_file (rp, rpath, NULL));
      JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (tp)), "cases");
      JsonArray *reprs = json_object_get_array_member (json_node_get_object (json_parser_get_root (rp)), "reprs");
      for (guint i = 0; i < json_array_get_length (reprs); i++, n++)
        {
          JsonObject *r = json_array_get_object_element (reprs, i);
          JsonObject *c = json_array_get_object_element (cases, (guint) json_object_get_int_member (r, "i"));
          const char *type = json_object_get_string_member (c, "t");
          const char *want = json_object_get_string_member (r, "p");
          g_autofree char *args = node_text (json_object_get_member (c, "a"));
          g_autofree char *text = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "
                                                   "\"root\": \"m\", \"ops\": [{\"op\": \"module\", \"id\": \"m\", "
                                                   "\"type\": \"%s\", \"args\": %s}]}", type, args);
          g_autoptr (PsRecipe) rec = ps_recipe_load_from_data (text, -1, NULL);
          g_autoptr (PsTimeline) tl = rec != NULL ? ps_timeline_new_from_recipe (rec, -1, NULL) : NULL;
          PsModule *m = NULL;
          if (tl == NULL || ps_timeline_get_error (tl) != NULL
              || !ps_state_resolve (ps_timeline_get_last_state (tl), "m", &m, NULL, NULL))
            {
              refused++;   /* refused by Paramscope: /module-args/generated says whether that is torch's answer */
              continue;
            }
          g_autofree char *got = ps_module_repr (m);
          if (strcmp (got, want) != 0)
            {
              const char *key = json_object_get_string_member_with_default (c, "k", NULL);
              const gboolean list = key != NULL && strcmp (key, "bogus") != 0
                                    && JSON_NODE_HOLDS_ARRAY (json_object_get_member (json_object_get_object_member (c, "a"), key));
              g_test_message ("REPR%s %s(%s): torch %s — Paramscope %s", list ? " (list)" : "", type, args, want, got);
              lists += list;
              differ += !list;
            }
        }
    }
  g_test_message ("reprs compared %u, differ %u, a list shown as a tuple %u (not constructed by Paramscope: %u)",
                  n - refused, differ, lists, refused);
  g_assert_cmpuint (n, >=, 1900);
  g_assert_cmpuint (n - refused, >=, 1900);
  g_assert_cmpuint (differ, ==, 0);
  g_assert_cmpuint (lists, <=, 94);
}

/* A flag given as another Python value is taken by its truthiness where torch's __init__ tests it
 * with `if flag:` (Linear(bias=2) has a bias, Linear(bias=0) and Linear(bias=None) have none) and a
 * float given True is 1.0 — the same parameters as the bool/float spelling — and the exported
 * script keeps the literal as given (bias=2, not bias=True). A flag torch hands to ATen is refused
 * at the forward with the argument parser's text. */
static PsTimeline *
run_ops (const char *ops, char **script)
{
  g_autofree char *text = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "
                                           "\"root\": \"m\", \"ops\": [%s]}", ops);
  g_autoptr (GError) e = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &e);
  g_assert_no_error (e);
  if (script != NULL)
    {
      *script = ps_export_pytorch (r, &e);
      g_assert_no_error (e);
    }
  return ps_timeline_new_from_recipe (r, -1, NULL);
}

static void
test_python_values (void)
{
  static const struct { const char *given, *as_bool, *in_script; } flags[] = {
    { "2", "true", "bias=2" }, { "0", "false", "bias=0" }, { "null", "false", "bias=None" },
    { "\"x\"", "true", "bias=\"x\"" }, { "\"\"", "false", "bias=\"\"" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (flags); i++)
    {
      g_autofree char *ops = g_strdup_printf ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", "
                                              "\"args\": {\"in_features\": 4, \"out_features\": 3, \"bias\": %s}}", flags[i].given);
      g_autofree char *ops_b = g_strdup_printf ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", "
                                                "\"args\": {\"in_features\": 4, \"out_features\": 3, \"bias\": %s}}", flags[i].as_bool);
      g_autofree char *script = NULL;
      g_autoptr (PsTimeline) tl = run_ops (ops, &script);
      g_autoptr (PsTimeline) tl_b = run_ops (ops_b, NULL);
      g_assert_null (ps_timeline_get_error (tl));
      g_assert_nonnull (strstr (script, flags[i].in_script));
      PsModule *m = NULL, *mb = NULL;
      PsParam *w = NULL, *wb = NULL;
      g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "m.weight", &m, &w, NULL));
      g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl_b), "m.weight", &mb, &wb, NULL));
      g_assert_cmpmem (ps_tensor_cf32 (w->value), 12 * 4, ps_tensor_cf32 (wb->value), 12 * 4);
      g_assert_cmpint (ps_module_get_param (m, "bias") != NULL, ==, strcmp (flags[i].as_bool, "true") == 0);
      g_assert_cmpint (ps_module_get_param (mb, "bias") != NULL, ==, strcmp (flags[i].as_bool, "true") == 0);
    }
  /* eps=True is 1.0: LayerNorm's output equals eps=1.0's; the script says eps=True */
  g_autofree char *script = NULL;
  g_autoptr (PsTimeline) a = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", \"args\": {\"normalized_shape\": 4, \"eps\": true}},"
                                      "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [2, 4]}, \"name\": \"y\"}", &script);
  g_autoptr (PsTimeline) b = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"LayerNorm\", \"args\": {\"normalized_shape\": 4, \"eps\": 1.0}},"
                                      "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [2, 4]}, \"name\": \"y\"}", NULL);
  g_assert_null (ps_timeline_get_error (a));
  g_assert_nonnull (strstr (script, "eps=True"));
  PsTensor *ya = ps_state_get_output (ps_timeline_get_last_state (a), "y");
  PsTensor *yb = ps_state_get_output (ps_timeline_get_last_state (b), "y");
  g_assert_nonnull (ya);
  g_assert_nonnull (yb);
  g_assert_cmpmem (ps_tensor_cf32 (ya), 8 * 4, ps_tensor_cf32 (yb), 8 * 4);
  /* ceil_mode goes to ATen's max_pool2d: constructs, refused at the forward with torch's text */
  g_autoptr (PsTimeline) c = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"MaxPool2d\", \"args\": {\"kernel_size\": 2, \"ceil_mode\": 1}},"
                                      "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [1, 2, 4, 4]}, \"name\": \"y\"}", NULL);
  const GError *ce = ps_timeline_get_error (c);
  g_assert_nonnull (ce);
  g_assert_true (g_str_has_prefix (ce->message, "op 2 ("));
  g_assert_true (g_str_has_suffix (ce->message, "max_pool2d(): argument 'ceil_mode' (position 6) must be bool, not int"));
  /* kaiming_uniform_(a=True): calculate_gain('leaky_relu', True) refuses a bool (torch 1.13.1's
   * "negative_slope True not a valid number"); with nonlinearity='relu' the slope is not read */
  g_autoptr (PsTimeline) k = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 3}},"
                                      "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"kaiming_uniform_\", \"args\": {\"a\": true}}", NULL);
  g_assert_nonnull (ps_timeline_get_error (k));
  g_assert_true (g_str_has_suffix (ps_timeline_get_error (k)->message, "negative_slope True not a valid number"));
  g_autoptr (PsTimeline) k2 = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 3}},"
                                       "{\"op\": \"init\", \"target\": \"m.weight\", \"fn\": \"kaiming_uniform_\", \"args\": {\"a\": true, "
                                       "\"nonlinearity\": \"relu\"}}", NULL);
  g_assert_null (ps_timeline_get_error (k2));
  /* Embedding(padding_idx=True): torch's weight[True].fill_(0) fills a copy (a bool index is a mask):
   * the weight is Embedding(5, 3)'s, no row zeroed (torch 1.13.1: the same sum of |w|) */
  g_autoptr (PsTimeline) ep = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Embedding\", \"args\": "
                                       "{\"num_embeddings\": 5, \"embedding_dim\": 3, \"padding_idx\": true}}", NULL);
  g_autoptr (PsTimeline) e0 = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"Embedding\", \"args\": "
                                       "{\"num_embeddings\": 5, \"embedding_dim\": 3}}", NULL);
  PsModule *em = NULL;
  PsParam *ew = NULL, *e0w = NULL;
  g_assert_null (ps_timeline_get_error (ep));
  g_assert_true (ps_state_resolve (ps_timeline_get_last_state (ep), "m.weight", &em, &ew, NULL));
  g_assert_true (ps_state_resolve (ps_timeline_get_last_state (e0), "m.weight", &em, &e0w, NULL));
  g_assert_cmpmem (ps_tensor_cf32 (ew->value), 15 * 4, ps_tensor_cf32 (e0w->value), 15 * 4);
  /* RNN's dropout refuses a bool, as torch's isinstance(dropout, bool) check does */
  g_autoptr (PsTimeline) d = run_ops ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"GRU\", \"args\": {\"input_size\": 3, \"hidden_size\": 4, \"dropout\": false}}", NULL);
  g_assert_nonnull (ps_timeline_get_error (d));
  g_assert_nonnull (strstr (ps_timeline_get_error (d)->message, "dropout should be a number in range [0, 1]"));
}

/* A literal of another JSON type than the argument's kind, accepted as torch accepts it, shows in the
 * module's repr as torch prints it (its extra_repr's str() of the stored value; torch 1.13.1). */
static void
test_literal_reprs (void)
{
  static const struct { const char *type, *args, *repr; } cases[] = {
    { "Embedding", "{\"num_embeddings\": 5, \"embedding_dim\": true, \"norm_type\": \"x\"}", "Embedding(5, True, norm_type=x)" },
    { "LSTM", "{\"input_size\": 3, \"hidden_size\": true}", "LSTM(3, True)" },
    { "GRUCell", "{\"input_size\": 3, \"hidden_size\": false}", "GRUCell(3, False)" },
    { "InstanceNorm1d", "{\"num_features\": 2.0}",
      "InstanceNorm1d(2.0, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)" },
    { "BatchNorm1d", "{\"num_features\": \"x\", \"affine\": false, \"track_running_stats\": false}",
      "BatchNorm1d(x, eps=1e-05, momentum=0.1, affine=False, track_running_stats=False)" },
    { "Flatten", "{\"start_dim\": 1.0}", "Flatten(start_dim=1.0, end_dim=-1)" },
    { "GroupNorm", "{\"num_groups\": 2, \"num_channels\": 2.0, \"affine\": false}", "GroupNorm(2, 2.0, eps=1e-05, affine=False)" },
    { "GroupNorm", "{\"num_groups\": true, \"num_channels\": 4}", "GroupNorm(True, 4, eps=1e-05, affine=True)" },
    { "BatchNorm1d", "{\"num_features\": 3, \"eps\": \"x\"}",
      "BatchNorm1d(3, eps=x, momentum=0.1, affine=True, track_running_stats=True)" },
    { "Softmax", "{\"dim\": 1.0}", "Softmax(dim=1.0)" },
    { "LogSoftmax", "{\"dim\": true}", "LogSoftmax(dim=True)" },
    { "LeakyReLU", "{\"negative_slope\": \"x\"}", "LeakyReLU(negative_slope=x)" },
    { "GELU", "{\"approximate\": 1}", "GELU(approximate=1)" },
    { "Linear", "{\"in_features\": true, \"out_features\": 3}", "Linear(in_features=True, out_features=3, bias=True)" },
    { "Embedding", "{\"num_embeddings\": 5, \"embedding_dim\": 3, \"padding_idx\": true}", "Embedding(5, 3, padding_idx=True)" },
    { "Embedding", "{\"num_embeddings\": 5, \"embedding_dim\": 3, \"max_norm\": \"x\"}", "Embedding(5, 3, max_norm=x)" },
    { "AdaptiveAvgPool2d", "{\"output_size\": 2.0}", "AdaptiveAvgPool2d(output_size=2.0)" },
    { "RNNCell", "{\"input_size\": 3, \"hidden_size\": 4, \"nonlinearity\": null}", "RNNCell(3, 4, nonlinearity=None)" },
    { "InstanceNorm1d", "{\"num_features\": 3, \"eps\": \"x\"}",
      "InstanceNorm1d(3, eps=x, momentum=0.1, affine=False, track_running_stats=False)" },
    { "Conv1d", "{\"in_channels\": true, \"out_channels\": 4, \"kernel_size\": 3}", "Conv1d(True, 4, kernel_size=(3,), stride=(1,))" },
    { "ConvTranspose1d", "{\"in_channels\": 2, \"out_channels\": true, \"kernel_size\": 3, \"bias\": false}",
      "ConvTranspose1d(2, True, kernel_size=(3,), stride=(1,), bias=False)" },
    { "Conv2d", "{\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": 3, \"groups\": true}",
      "Conv2d(2, 4, kernel_size=(3, 3), stride=(1, 1))" },
    { "Bilinear", "{\"in1_features\": 4, \"in2_features\": false, \"out_features\": 3}",
      "Bilinear(in1_features=4, in2_features=False, out_features=3, bias=True)" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ops = g_strdup_printf ("{\"op\": \"module\", \"id\": \"m\", \"type\": \"%s\", \"args\": %s}",
                                              cases[i].type, cases[i].args);
      g_autoptr (PsTimeline) tl = run_ops (ops, NULL);
      g_assert_null (ps_timeline_get_error (tl));
      PsModule *m = NULL;
      g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "m", &m, NULL, NULL));
      g_autofree char *repr = ps_module_repr (m);
      g_assert_cmpstr (repr, ==, cases[i].repr);
    }
}

/* Conv2d(kernel_size=[3]) constructs as torch does: a 3-D weight drawn as Conv1d(2, 4, 3)'s (the same
 * shape and fan_in: torch draws the same bits, checked with torch 1.13.1), Conv1d(kernel_size=[])
 * a 2-D weight drawn as Linear(2, 4)'s; the forward refuses with ATen's message. */
static void
test_conv_wrong_rank (void)
{
  static const struct { const char *odd, *twin, *input, *err; int ndim; } cases[] = {
    { "\"Conv2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": [3]}",
      "\"Conv1d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": 3}", "[1, 2, 6, 6]",
      "expected stride to be a single integer value or a list of 1 values to match the convolution dimensions, "
      "but got stride=[1, 1]", 3 },
    { "\"Conv1d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": []}",
      "\"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 4}", "[1, 2, 8]",
      "weight should have at least three dimensions", 2 },
    { "\"Conv1d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": [2, 2]}",
      NULL, "[2, 8]",
      "Expected 4-dimensional input for 4-dimensional weight [4, 2, 2, 2], but got 3-dimensional input of size "
      "[1, 2, 8] instead", 4 },
    { "\"Conv2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": [3], \"padding\": \"same\"}",
      NULL, "[1, 2, 6, 6]",
      "Expected 3-dimensional input for 3-dimensional weight[4, 2, 3], but got 4-dimensional input of size "
      "[1, 2, 6, 6] instead", 3 },
    { "\"ConvTranspose2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 4, \"kernel_size\": [3], \"stride\": [1], "
      "\"padding\": [0], \"dilation\": [1], \"output_padding\": [0]}", NULL, "[1, 2, 6, 6]",
      "Expected 3-dimensional input for 3-dimensional weight [2, 4, 3], but got 4-dimensional input of size "
      "[1, 2, 6, 6] instead", 3 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ops = g_strdup_printf ("{\"op\": \"module\", \"id\": \"m\", \"type\": %s}", cases[i].odd);
      g_autoptr (PsTimeline) tl = run_ops (ops, NULL);
      g_assert_null (ps_timeline_get_error (tl));
      PsModule *m = NULL;
      PsParam *w = NULL;
      g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "m.weight", &m, &w, NULL));
      g_assert_cmpint (w->value->ndim, ==, cases[i].ndim);
      if (cases[i].twin != NULL)
        {
          g_autofree char *ops_t = g_strdup_printf ("{\"op\": \"module\", \"id\": \"m\", \"type\": %s}", cases[i].twin);
          g_autoptr (PsTimeline) tt = run_ops (ops_t, NULL);
          PsModule *mt = NULL;
          PsParam *wt = NULL, *b = NULL, *bt = NULL;
          g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tt), "m.weight", &mt, &wt, NULL));
          g_assert_cmpint (w->value->numel, ==, wt->value->numel);
          g_assert_cmpmem (ps_tensor_cf32 (w->value), w->value->numel * 4, ps_tensor_cf32 (wt->value), wt->value->numel * 4);
          g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "m.bias", &m, &b, NULL));
          g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tt), "m.bias", &mt, &bt, NULL));
          g_assert_cmpmem (ps_tensor_cf32 (b->value), 16, ps_tensor_cf32 (bt->value), 16);
        }
      g_autofree char *fops = g_strdup_printf ("%s, {\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": %s}, "
                                               "\"name\": \"y\"}", ops, cases[i].input);
      g_autoptr (PsTimeline) tf = run_ops (fops, NULL);
      const GError *e = ps_timeline_get_error (tf);
      g_assert_nonnull (e);
      g_test_message ("%s", e->message);
      g_assert_true (g_str_has_prefix (e->message, "op 2 ("));
      g_assert_true (g_str_has_suffix (e->message, cases[i].err));
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/module-args/golden", test_module_args_golden);
  g_test_add_func ("/module-args/generated", test_module_args_generated);
  g_test_add_func ("/module-args/python-values", test_python_values);
  g_test_add_func ("/module-args/conv-wrong-rank", test_conv_wrong_rank);
  g_test_add_func ("/module-args/literal-reprs", test_literal_reprs);
  g_test_add_func ("/module-args/reprs", test_module_args_reprs);
  g_test_add_func ("/module-args/seed-range", test_seed_range_golden);
  g_test_add_func ("/module-args/load-converts-dtype", test_load_converts_dtype);
  return g_test_run ();
}
