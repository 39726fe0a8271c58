/* Recipe loading: every class of malformed recipe is rejected with a message naming the op index
 * and the field; load → save → load round-trips. Semantic errors (dangling ids, cycles …) are
 * covered by test-op.c because they need the document state. */
#include "ps-recipe.h"
#include "ps-op.h"
#include "ps-timeline.h"
#include "ps-export-pytorch.h"

#include <math.h>
#include <string.h>
#include <glib/gstdio.h>

#define HEAD "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "

typedef struct {
  const char *json;
  const char *message;    /* expected substring of the error */
} BadCase;

static const BadCase bad_cases[] = {
  { "{not json", "not valid JSON" },
  { "[1, 2]", "expected a JSON object at the top level" },
  { "{\"format\": \"other\", \"version\": 1, \"seed\": 0, \"ops\": []}", "recipe: field 'format': expected \"paramscope-recipe\"" },
  { "{\"format\": \"paramscope-recipe\", \"version\": 5, \"seed\": 0, \"ops\": []}", "recipe: field 'version': version 5 is not supported (this build reads up to 4)" },
  { "{\"format\": \"paramscope-recipe\", \"version\": 1, \"ops\": []}", "recipe: field 'seed': missing" },
  { HEAD "\"seed2\": 1, \"ops\": []}", "recipe: field 'seed2': unknown field" },
  { HEAD "\"ops\": {}}", "recipe: field 'ops': expected an array" },
  { HEAD "\"flavour\": \"sse\", \"ops\": []}", "recipe: field 'flavour'" },
  { HEAD "\"root\": \"m\", \"ops\": []}", "recipe: field 'root': no op creates a module with id 'm'" },
  { HEAD "\"ops\": [3]}", "op 1: expected an object, got an integer" },
  { HEAD "\"ops\": [{\"id\": \"x\"}]}", "op 1 (?): field 'op': missing" },
  { HEAD "\"ops\": [{\"op\": \"frobnicate\"}]}", "op 1 (frobnicate): field 'op': unknown op 'frobnicate'" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\"}, {\"op\": \"module\", \"idd\": \"t\", \"type\": \"Sequential\"}]}",
    "op 2 (module): field 'idd': unknown field" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": 3, \"type\": \"Sequential\"}]}", "op 1 (module): field 'id': expected a string, got an integer" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\"}]}", "op 1 (module): field 'type': missing" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"a.b\", \"type\": \"Sequential\"}]}", "op 1 (module): field 'id': 'a.b' is not a valid id" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequentiall\"}]}", "op 1 (module): field 'type': unknown module type 'Sequentiall'" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"args\": {\"x\": 1}}]}", "op 1 (module): field 'args': a Sequential takes no args" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [1]}]}", "op 1 (module): field 'children': element 0 must be a module id" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": \"a\"}]}", "op 1 (module): field 'children': expected an array" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": {\"a.b\": \"x\"}}]}", "op 1 (module): field 'children': 'a.b' is not a valid child name" },
  { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"description\": 5}]}", "op 1 (module): field 'description': expected a string" },
  { HEAD "\"ops\": [{\"op\": \"init\", \"target\": \"m.w\", \"fn\": \"xavier_uniformm_\"}]}", "op 1 (init): field 'fn': unknown init function 'xavier_uniformm_'" },
  { HEAD "\"ops\": [{\"op\": \"init\", \"target\": \"m.w\", \"fn\": \"xavier_uniform_\", \"args\": {\"gian\": 1}}]}",
    "op 1 (init): field 'fn': xavier_uniform_: unknown argument 'gian'" },
  { HEAD "\"ops\": [{\"op\": \"init\", \"target\": \"m.w\", \"fn\": \"xavier_uniform_\", \"args\": {\"gain\": \"big\"}}]}",
    "op 1 (init): field 'fn': xavier_uniform_: argument 'gain'" },
  { HEAD "\"ops\": [{\"op\": \"init\", \"target\": \"m.w\", \"fn\": \"xavier_uniform_\", \"args\": {\"gain\": [1.5]}}]}",
    "op 1 (init): field 'fn': argument 'gain': element 0 must be an integer" },
  { HEAD "\"ops\": [{\"op\": \"init\", \"fn\": \"zeros_\"}]}", "op 1 (init): field 'target': missing" },
  { HEAD "\"ops\": [{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear\"}]}", "op 1 (init_modules): give at least one of 'weight' and 'bias'" },
  { HEAD "\"ops\": [{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear r\", \"bias\": {\"fn\": \"zeros_\"}}]}", "op 1 (init_modules): field 'match': 'Linear r' is not a class name" },
  { HEAD "\"ops\": [{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear\", \"bias\": {\"fn\": \"zeros_\", \"gain\": 1}}]}", "op 1 (init_modules): field 'bias': unknown field 'gain'" },
  { HEAD "\"ops\": [{\"op\": \"init_modules\", \"target\": \"m\", \"match\": \"Linear\", \"weight\": {\"fn\": \"zero_\"}}]}", "op 1 (init_modules): field 'weight': unknown init function 'zero_'" },
  /* a string seed is int(s), as torch.manual_seed does: "1" is seed 1 (tests/doc/test-module-args) */
  { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": \"1.5\"}]}", "op 1 (manual_seed): field 'seed': seed: invalid literal for int() with base 10: '1.5'" },
  { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": [1]}]}", "op 1 (manual_seed): field 'seed': expected an integer, got an array" },
  { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": \"nan\"}]}", "op 1 (manual_seed): field 'seed': seed nan: cannot convert float NaN to integer" },
  { HEAD "\"ops\": [{\"op\": \"mode\", \"target\": \"m\", \"train\": 0}]}", "op 1 (mode): field 'train': expected a boolean" },
  { HEAD "\"ops\": [{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"\", \"child\": \"c\"}]}", "op 1 (attach): field 'name'" },
  { HEAD "\"ops\": [{\"op\": \"detach\", \"parent\": \"m\"}]}", "op 1 (detach): field 'name': missing" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [1, -2]}}]}", "op 1 (forward): field 'input': shape element 1 must be a non-negative integer" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [1], \"rand\": [1]}}]}", "op 1 (forward): field 'input': give only one of" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randm\": [1]}}]}", "op 1 (forward): field 'input': unknown member 'randm'" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"value\": [[1, 2], [3]]}}]}", "op 1 (forward): field 'input': 'value' is ragged" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"value\": [1.5], \"dtype\": \"int64\"}}]}", "op 1 (forward): field 'input': 'value' has non-integer numbers" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randint\": {\"low\": 5, \"high\": 5, \"size\": [2]}}}]}", "op 1 (forward): field 'input': 'randint': random_ expects 'from' to be less than 'to'" },
  { HEAD "\"ops\": [{\"op\": \"forward\", \"target\": \"m\"}]}", "op 1 (forward): field 'input': missing" },
  { HEAD "\"ops\": [{\"op\": \"load\", \"target\": \"m\", \"file\": \"w.safetensors\", \"sha256\": \"abc\"}]}", "op 1 (load): field 'sha256': expected 64 hexadecimal digits" },
};

static void
test_malformed (void)
{
  for (guint i = 0; i < G_N_ELEMENTS (bad_cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_data (bad_cases[i].json, -1, &error);
      if (r != NULL || error == NULL || strstr (error->message, bad_cases[i].message) == NULL)
        g_error ("case %u: expected an error containing \"%s\", got %s", i, bad_cases[i].message,
                 error ? error->message : "success");
      g_assert_true (error->domain == PS_ERROR);
    }
}

static void
test_accepts_valid_and_extensions (void)
{
  const char *json = HEAD "\"root\": \"s\", \"flavour\": \"default\", \"description\": \"hi\", \"x-app\": {\"zoom\": 2},"
    "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"x-note\": 1, \"description\": \"d\"},"
    "{\"op\": \"forward\", \"target\": \"s\", \"input\": {\"value\": [[1, 2], [3, 4]]}},"
    "{\"op\": \"load\", \"target\": \"s\", \"file\": \"w.safetensors\", \"strict\": true}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (r->flavour, ==, PS_FLAVOUR_DEFAULT);
  g_assert_cmpstr (r->description, ==, "hi");
  g_assert_cmpstr (r->root, ==, "s");
  g_assert_cmpuint (r->ops->len, ==, 3);
  g_assert_cmpstr (ps_op_get_kind (g_ptr_array_index (r->ops, 2)), ==, "load");

  /* extensions survive a save */
  g_autofree char *data = ps_recipe_to_data (r, NULL);
  g_assert_nonnull (strstr (data, "\"x-app\""));
  g_assert_nonnull (strstr (data, "\"x-note\""));
  g_autoptr (PsRecipe) r2 = ps_recipe_load_from_data (data, -1, &error);
  g_assert_no_error (error);
  g_autofree char *data2 = ps_recipe_to_data (r2, NULL);
  g_assert_cmpstr (data, ==, data2);
}

static void
test_input_parsing (void)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, "{\"value\": [[1, 2, 3], [4, 5, 6]]}", -1, NULL));
  PsInputSpec spec;
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_recipe_parse_input (json_parser_get_root (p), &spec, &error));
  g_assert_cmpint (spec.ndim, ==, 2);
  g_assert_cmpint (spec.shape[0], ==, 2);
  g_assert_cmpint (spec.shape[1], ==, 3);
  g_assert_cmpint (spec.dtype, ==, PS_DTYPE_INT64);   /* torch.tensor of ints is int64 */
  g_assert_cmpint (g_array_index (spec.values, int64_t, 5), ==, 6);   /* int64 values kept exactly */
  ps_input_spec_clear (&spec);

  g_assert_true (json_parser_load_from_data (p, "{\"value\": [0.5, 2], \"dtype\": \"float32\"}", -1, NULL));
  g_assert_true (ps_recipe_parse_input (json_parser_get_root (p), &spec, &error));
  g_assert_cmpint (spec.dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpint (spec.numel, ==, 2);
  ps_input_spec_clear (&spec);

  g_assert_true (json_parser_load_from_data (p, "{\"randint\": {\"high\": 10, \"size\": [3, 4]}}", -1, NULL));
  g_assert_true (ps_recipe_parse_input (json_parser_get_root (p), &spec, &error));
  g_assert_cmpint (spec.low, ==, 0);
  g_assert_cmpint (spec.high, ==, 10);
  g_assert_cmpint (spec.numel, ==, 12);
  g_autofree char *d = ps_input_spec_describe (&spec);
  g_assert_cmpstr (d, ==, "randint(0, 10, [3, 4])");
  ps_input_spec_clear (&spec);
}

static void
test_round_trip_files (void)
{
  const char *names[] = { "article-1-construction.json", "article-2-custom-init.json", "article-3-shared.json",
                          "lazy.json", "demo.json", "init-schemes.json", "empty.json" };
  g_autofree char *tmpdir = g_dir_make_tmp ("ps-recipe-XXXXXX", NULL);
  for (guint i = 0; i < G_N_ELEMENTS (names); i++)
    {
      g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "examples", names[i], NULL);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_file (path, &error);
      g_assert_no_error (error);
      g_autofree char *out = g_build_filename (tmpdir, names[i], NULL);
      g_assert_true (ps_recipe_save_to_file (r, out, &error));
      g_assert_no_error (error);
      g_autoptr (PsRecipe) r2 = ps_recipe_load_from_file (out, &error);
      g_assert_no_error (error);
      g_autofree char *a = ps_recipe_to_data (r, NULL);
      g_autofree char *b = ps_recipe_to_data (r2, NULL);
      g_assert_cmpstr (a, ==, b);
      g_assert_cmpint (r2->seed, ==, r->seed);
      g_assert_cmpuint (r2->ops->len, ==, r->ops->len);
      /* saving over an existing file replaces it atomically (no temp file left behind) */
      g_assert_true (ps_recipe_save_to_file (r2, out, &error));
      g_unlink (out);
    }
  g_autoptr (GDir) dir = g_dir_open (tmpdir, 0, NULL);
  g_assert_null (g_dir_read_name (dir));
  g_rmdir (tmpdir);
}

static void
test_copy_is_deep (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": 3}]}", -1, &error);
  g_assert_no_error (error);
  PsRecipe *c = ps_recipe_copy (r);
  const PsOp *op = g_ptr_array_index (c->ops, 0);
  g_assert_true (op != g_ptr_array_index (r->ops, 0));   /* its own typed op, not a shared one */
  g_clear_pointer (&r, ps_recipe_free);
  g_assert_cmpint (op->u.seed.seed, ==, 3);
  ps_recipe_free (c);
}

static void
test_append_validates (void)
{
  g_autoptr (PsRecipe) r = ps_recipe_new (0);
  g_autoptr (JsonObject) op = json_object_new ();
  json_object_set_string_member (op, "op", "manual_seed");
  g_autoptr (GError) error = NULL;
  g_assert_false (ps_recipe_append_op (r, op, &error));
  g_assert_nonnull (strstr (error->message, "op 1 (manual_seed): field 'seed': missing"));
  g_assert_cmpuint (r->ops->len, ==, 0);
  g_clear_error (&error);
  json_object_set_int_member (op, "seed", -1);
  g_assert_true (ps_recipe_append_op (r, op, &error));
  g_assert_cmpuint (r->ops->len, ==, 1);
}

/* Saving writes version 1 unless a version-2 op (rename, move, attach with an index) is used. */
static void
test_version_2_ops (void)
{
  static const struct { const char *op; int version; } cases[] = {
    { "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"x\", \"child\": \"m\"}", 1 },
    { "{\"op\": \"attach\", \"parent\": \"m\", \"name\": \"x\", \"child\": \"m\", \"index\": 0}", 2 },
    { "{\"op\": \"rename\", \"parent\": \"m\", \"name\": \"x\", \"new_name\": \"y\"}", 2 },
    { "{\"op\": \"move\", \"parent\": \"m\", \"name\": \"x\", \"index\": 3}", 2 },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *json = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, "
                                               "\"ops\": [%s]}", cases[i].op);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
      g_assert_no_error (error);
      g_assert_cmpint (ps_recipe_required_version (r), ==, cases[i].version);
      gsize len;
      g_autofree char *saved = ps_recipe_to_data (r, &len);
      g_autofree char *want = g_strdup_printf ("\"version\" : %d", cases[i].version);
      g_assert_nonnull (strstr (saved, want));
      g_autoptr (PsRecipe) back = ps_recipe_load_from_data (saved, (gssize) len, &error);
      g_assert_no_error (error);
      g_assert_cmpuint (back->ops->len, ==, 1);
    }
}

/* The "note" op (version 3): a step that only explains. It changes nothing, needs version 3,
 * round-trips, shows in the timeline and becomes a comment in the PyTorch export. */
static void
test_note_op (void)
{
  static const char json[] = HEAD "\"ops\": ["
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"note\", \"text\": \"The weights above come from kaiming_uniform_.\", \"x-tool\": {\"k\": [1, 2.5]}},"
    "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [1, 2]}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_recipe_required_version (r), ==, 3);
  g_autofree char *saved = ps_recipe_to_data (r, NULL);
  g_assert_nonnull (strstr (saved, "\"version\" : 3"));
  g_assert_nonnull (strstr (saved, "\"x-tool\""));
  g_autoptr (PsRecipe) back = ps_recipe_load_from_data (saved, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = ps_recipe_to_data (back, NULL);
  g_assert_cmpstr (saved, ==, again);

  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 3);
  g_assert_cmpstr (ps_timeline_get_description (tl, 2), ==, "note: The weights above come from kaiming_uniform_.");
  /* nothing changed, nothing drawn */
  PsState *s1 = ps_timeline_get_state (tl, 1), *s2 = ps_timeline_get_state (tl, 2);
  g_assert_true (ps_generator_equal (&s1->gen, &s2->gen));
  g_assert_true (ps_state_get_module (s1, "fc") == ps_state_get_module (s2, "fc"));
  /* the same draws as without the note */
  static const char plain[] = HEAD "\"ops\": ["
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [1, 2]}, \"name\": \"output3\"}]}";
  g_autoptr (PsRecipe) rp = ps_recipe_load_from_data (plain, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) tp = ps_timeline_new_from_recipe (rp, -1, NULL);
  PsTensor *y = ps_state_get_output (ps_timeline_get_last_state (tl), "output3");
  PsTensor *yp = ps_state_get_output (ps_timeline_get_last_state (tp), "output3");
  g_assert_nonnull (y);
  g_assert_nonnull (yp);
  g_assert_cmpmem (ps_tensor_f32 (y), 8, ps_tensor_f32 (yp), 8);

  g_autofree char *py = ps_export_pytorch (r, &error);
  g_assert_no_error (error);
  g_assert_nonnull (strstr (py, "\n# Step 2\n# The weights above come from kaiming_uniform_.\n\n# Step 3\n"));

  static const char *const bad[] = {
    HEAD "\"ops\": [{\"op\": \"note\", \"text\": \"  \"}]}", "op 1 (note): field 'text': must not be empty",
    HEAD "\"ops\": [{\"op\": \"note\"}]}", "op 1 (note): field 'text': missing",
    HEAD "\"ops\": [{\"op\": \"note\", \"text\": 1}]}", "op 1 (note): field 'text': expected a string, got an integer",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i += 2)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (PsRecipe) rb = ps_recipe_load_from_data (bad[i], -1, &e);
      g_assert_null (rb);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->message, ==, bad[i + 1]);
    }
}

/* The "scale" op (version 4): `with torch.no_grad(): t.mul_(factor)`. Each float32 value times
 * (float) factor (tests/data/recipes/scale-init: bit-exact with torch, NaN and inf factors too); an
 * int64 buffer times an integer, wrapping; a float factor on it, a module or a lazy parameter fail
 * and change nothing; it draws nothing, saves as version 4, describes and exports. */
static void
test_scale_op (void)
{
  static const char json[] = HEAD "\"ops\": ["
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 3}},"
    "{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": 1.6666666666666667, \"description\": \"makemore\"},"
    "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 3}},"
    "{\"op\": \"forward\", \"target\": \"bn\", \"input\": {\"randn\": [2, 3]}},"
    "{\"op\": \"scale\", \"target\": \"bn.num_batches_tracked\", \"factor\": 9007199254740992},"
    "{\"op\": \"scale\", \"target\": \"bn.num_batches_tracked\", \"factor\": -4611686018427387904},"
    "{\"op\": \"scale\", \"target\": \"fc.bias\", \"factor\": \"nan\"},"
    "{\"op\": \"scale\", \"target\": \"bn.num_batches_tracked\", \"factor\": 0.5}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_recipe_required_version (r), ==, 4);
  g_autofree char *saved = ps_recipe_to_data (r, NULL);
  g_assert_nonnull (strstr (saved, "\"version\" : 4"));
  g_assert_nonnull (strstr (saved, "\"factor\" : 9007199254740992"));
  g_assert_nonnull (strstr (saved, "\"factor\" : \"nan\""));
  g_autoptr (PsRecipe) back = ps_recipe_load_from_data (saved, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = ps_recipe_to_data (back, NULL);
  g_assert_cmpstr (saved, ==, again);

  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  /* the float factor on the int64 buffer fails as torch does; the steps before it stand */
  g_assert_nonnull (ps_timeline_get_error (tl));
  g_assert_cmpstr (ps_timeline_get_error (tl)->message, ==,
                   "op 8 (scale): result type Float can't be cast to the desired output type Long");
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 7);   /* ops applied */
  PsState *s1 = ps_timeline_get_state (tl, 1), *s2 = ps_timeline_get_state (tl, 2);
  PsParam *w1 = NULL, *w2 = NULL, *b1 = NULL, *b2 = NULL;
  g_assert_true (ps_state_resolve (s1, "fc.weight", NULL, &w1, NULL));
  g_assert_true (ps_state_resolve (s2, "fc.weight", NULL, &w2, NULL));
  g_assert_true (ps_state_resolve (s1, "fc.bias", NULL, &b1, NULL));
  g_assert_true (ps_state_resolve (s2, "fc.bias", NULL, &b2, NULL));
  const float f = (float) 1.6666666666666667;
  for (int i = 0; i < 12; i++)
    {
      float want = ps_tensor_cf32 (w1->value)[i] * f;
      g_assert_cmpmem (&ps_tensor_cf32 (w2->value)[i], 4, &want, 4);
    }
  g_assert_true (b2->value == b1->value);                 /* only the target changed */
  g_assert_true (ps_generator_equal (&s1->gen, &s2->gen));  /* nothing drawn */
  g_assert_cmpint (w2->written_step, ==, 2);
  g_assert_cmpstr (ps_timeline_get_description (tl, 2), ==,
                   "fc.weight [3, 4] ~ U(−0.833, 0.833), scaled by 1.6666666666666667");
  /* 1 · 2^53 · −2^62 = −2^115 wraps to 0, as torch's int64 product */
  PsParam *nb = NULL;
  g_assert_true (ps_state_resolve (ps_timeline_get_state (tl, 5), "bn.num_batches_tracked", NULL, &nb, NULL));
  g_assert_cmpint (ps_tensor_ci64 (nb->value)[0], ==, G_GINT64_CONSTANT (9007199254740992));
  g_assert_true (ps_state_resolve (ps_timeline_get_state (tl, 6), "bn.num_batches_tracked", NULL, &nb, NULL));
  g_assert_cmpint (ps_tensor_ci64 (nb->value)[0], ==, 0);
  g_assert_true (ps_state_resolve (ps_timeline_get_state (tl, 7), "fc.bias", NULL, &b2, NULL));
  for (int i = 0; i < 3; i++)
    g_assert_true (isnan (ps_tensor_cf32 (b2->value)[i]));

  g_autoptr (GError) pe = NULL;
  g_autofree char *py = ps_export_pytorch (r, &pe);
  g_assert_no_error (pe);
  g_assert_nonnull (strstr (py, "\n# makemore\nwith torch.no_grad():\n    fc.weight.mul_(1.6666666666666667)\n"));
  g_assert_nonnull (strstr (py, "    bn.num_batches_tracked.mul_(-4611686018427387904)\n"));
  g_assert_nonnull (strstr (py, "    fc.bias.mul_(float(\"nan\"))\n"));

  /* refused when loaded */
  static const char *const bad[] = {
    HEAD "\"ops\": [{\"op\": \"scale\", \"target\": \"fc.weight\"}]}", "op 1 (scale): field 'factor': missing",
    HEAD "\"ops\": [{\"op\": \"scale\", \"factor\": 2}]}", "op 1 (scale): field 'target': missing",
    HEAD "\"ops\": [{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": true}]}",
    "op 1 (scale): field 'factor': expected a number, got a boolean",
    HEAD "\"ops\": [{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": \"big\"}]}",
    "op 1 (scale): field 'factor': expected a number, got 'big' (the strings a number may be are \"nan\", \"inf\" and \"-inf\")",
    HEAD "\"ops\": [{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": 9007199254740993}]}",
    "op 1 (scale): field 'factor': integer 9007199254740993 has no exact float value (write it as a float)",
    HEAD "\"ops\": [{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": 9223372036854775807}]}",
    "op 1 (scale): field 'factor': integer 9223372036854775807 has no exact float value (write it as a float)",
  };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i += 2)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (PsRecipe) rb = ps_recipe_load_from_data (bad[i], -1, &e);
      g_assert_null (rb);
      g_assert_nonnull (e);
      g_assert_cmpstr (e->message, ==, bad[i + 1]);
    }
  /* refused when applied, changing nothing */
  static const char *const fails[] = {
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 3}},"
    "{\"op\": \"scale\", \"target\": \"fc\", \"factor\": 2}]}",
    "op 2 (scale): field 'target': 'fc' is a module, not a parameter or buffer",
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"LazyLinear\", \"args\": {\"out_features\": 3}},"
    "{\"op\": \"scale\", \"target\": \"fc.weight\", \"factor\": 2}]}",
    "op 2 (scale): field 'target': Attempted to use an uninitialized parameter 'fc.weight': run a forward first to materialize it",
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 3}},"
    "{\"op\": \"scale\", \"target\": \"fc.weigth\", \"factor\": 2}]}",
    "op 2 (scale): field 'target': ",
  };
  for (guint i = 0; i < G_N_ELEMENTS (fails); i += 2)
    {
      g_autoptr (GError) e = NULL;
      g_autoptr (PsRecipe) rf = ps_recipe_load_from_data (fails[i], -1, &e);
      g_assert_no_error (e);
      g_autoptr (PsTimeline) tf = ps_timeline_new_from_recipe (rf, -1, NULL);
      g_assert_nonnull (ps_timeline_get_error (tf));
      g_assert_true (g_str_has_prefix (ps_timeline_get_error (tf)->message, fails[i + 1]));
      g_assert_cmpuint (ps_timeline_get_n_steps (tf), ==, 1);
    }
}

/* A number beyond the range of a double (1e400 reads as infinity, as in Python's json) loads, copies
 * and saves (as 1e999, which reads back as the same infinity) wherever it is: an ignored "x-"
 * field keeps it, an argument gets what torch does with float('inf') when the op runs (tested in
 * test-cli-reliability against torch's own answers). Nothing aborts. */
static void
test_number_out_of_range (void)
{
  static const char *const docs[] = {
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"uniform_\", \"args\": {\"a\": -1e400, \"b\": 1}}]}",
    HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": 1, \"x-a\": [1e999]}]}",
    HEAD "\"x-b\": {\"c\": -1e400}, \"ops\": []}",
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"value\": [1e400, 1]}}]}",
    HEAD "\"x-big\": [1e308, {\"n\": -1e308}], \"ops\": [{\"op\": \"manual_seed\", \"seed\": 1, \"x-a\": {\"b\": [1e308]}}]}",
  };
  for (guint i = 0; i < G_N_ELEMENTS (docs); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_data (docs[i], -1, &error);
      g_assert_no_error (error);
      g_autoptr (PsRecipe) c = ps_recipe_copy (r);
      g_autofree char *a = ps_recipe_to_data (r, NULL);
      g_autofree char *b = ps_recipe_to_data (c, NULL);
      g_assert_cmpstr (a, ==, b);
      g_assert_null (strstr (a, "inf"));          /* no "inf.0", which no reader accepts */
      g_autoptr (PsRecipe) back = ps_recipe_load_from_data (b, -1, &error);
      g_assert_no_error (error);
      g_autofree char *again = ps_recipe_to_data (back, NULL);
      g_assert_cmpstr (again, ==, a);
      if (strstr (docs[i], "1e400") != NULL || strstr (docs[i], "1e999") != NULL)
        g_assert_nonnull (strstr (a, "1e999"));
    }
}

/* NaN has no JSON number: a recipe writes it as the string "nan", which reads back as NaN wherever a
 * float is expected (keyword arguments, forward values; "inf" and "-inf" too), so a recipe holding
 * a NaN saves as valid JSON and loads again (docs/recipe-format.md). */
static void
test_nan_round_trip (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (
    HEAD "\"root\": \"fc\", \"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", "
    "\"args\": {\"in_features\": 2, \"out_features\": 2}}]}", -1, &error);
  g_assert_no_error (error);
  /* as the app builds an op: a JSON node holding a NaN double */
  JsonObject *op = json_object_new (), *args = json_object_new ();
  json_object_set_string_member (op, "op", "init");
  json_object_set_string_member (op, "target", "fc.weight");
  json_object_set_string_member (op, "fn", "constant_");
  json_object_set_double_member (args, "val", NAN);
  json_object_set_object_member (op, "args", args);
  g_assert_true (ps_recipe_append_op (r, op, &error));
  g_assert_no_error (error);
  json_object_unref (op);
  g_autofree char *text = ps_recipe_to_data (r, NULL);
  g_assert_nonnull (strstr (text, "\"nan\""));
  /* valid JSON for any reader (json-glib itself, without Paramscope's pass) */
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, text, -1, &error));
  g_assert_no_error (error);
  g_autoptr (PsRecipe) back = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_autofree char *again = ps_recipe_to_data (back, NULL);
  g_assert_cmpstr (again, ==, text);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (back, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
  PsModule *m = NULL;
  PsParam *w = NULL;
  g_assert_true (ps_state_resolve (ps_timeline_get_last_state (tl), "fc.weight", &m, &w, NULL));
  for (int64_t i = 0; i < w->value->numel; i++)
    g_assert_true (isnan (ps_tensor_cf32 (w->value)[i]));

  /* forward values: "nan", "inf", "-inf" are floats; the saved recipe writes NaN back as "nan" */
  g_autoptr (PsRecipe) f = ps_recipe_load_from_data (
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", "
    "\"args\": {\"in_features\": 3, \"out_features\": 1}}, {\"op\": \"forward\", \"target\": \"fc\", "
    "\"input\": {\"value\": [[\"nan\", \"inf\", \"-inf\"]]}, \"name\": \"y\"}]}", -1, &error);
  g_assert_no_error (error);
  g_autofree char *ftext = ps_recipe_to_data (f, NULL);
  g_assert_nonnull (strstr (ftext, "\"nan\""));
  g_assert_nonnull (strstr (ftext, "1e999"));
  g_assert_true (json_parser_load_from_data (p, ftext, -1, &error));
  g_assert_no_error (error);
  /* any other string is still a string (and no float) */
  g_autoptr (PsRecipe) bad = ps_recipe_load_from_data (
    HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", "
    "\"args\": {\"in_features\": 3, \"out_features\": 1}}, {\"op\": \"forward\", \"target\": \"fc\", "
    "\"input\": {\"value\": [\"NaN\"]}}]}", -1, &error);
  g_assert_null (bad);
  g_assert_nonnull (strstr (error->message, "'value' elements must be numbers"));
}

/* Integers are read as 64-bit values, signed or unsigned: above 2^63-1 only a seed takes them (as
 * torch.manual_seed does, up to 2^64-1); elsewhere, and beyond 64 bits, a clear error that does not
 * call the (valid) JSON invalid. */
static void
test_unsigned_integers (void)
{
  static const struct { const char *json, *message; } cases[] = {
    { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": 18446744073709551615}]}", NULL },
    { "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 9223372036854775808, \"ops\": []}", NULL },
    { HEAD "\"ops\": [{\"op\": \"module\", \"id\": \"s\", \"type\": \"Softmax\", \"args\": {\"dim\": 18446744073709551615}}]}",
      "op 1 (module): integer 18446744073709551615 at /ops/0/args/dim is out of range" },
    { HEAD "\"x-a\": {\"seed\": 9223372036854775808}, \"ops\": []}", "recipe: integer 9223372036854775808 at /x-a/seed" },
    { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": 1, \"x-n\": [0, 9223372036854775808]}]}",
      "integer 9223372036854775808 at /ops/0/x-n/1" },
    { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": 18446744073709551616}]}",
      "recipe: integer 18446744073709551616 at /ops/0/seed is out of range: from -2^63 to 2^64-1" },
    { HEAD "\"ops\": [{\"op\": \"manual_seed\", \"seed\": -9223372036854775809}]}",
      "Overflow when unpacking long" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (PsRecipe) r = ps_recipe_load_from_data (cases[i].json, -1, &error);
      if (cases[i].message == NULL)
        {
          g_assert_no_error (error);
          continue;
        }
      g_assert_null (r);
      if (strstr (error->message, cases[i].message) == NULL)
        g_error ("case %u: got \"%s\", expected \"%s\"", i, error->message, cases[i].message);
      g_assert_false (g_str_has_prefix (error->message, "recipe is not valid JSON"));
    }
  /* the seed as torch takes it: 2^64-1 is -1 (manual_seed(-1) == manual_seed(2**64 - 1)) */
  g_autoptr (PsRecipe) a = ps_recipe_load_from_data (cases[0].json, -1, NULL);
  PsOp *op = g_ptr_array_index (a->ops, 0);
  g_assert_cmpint (op->u.seed.seed, ==, -1);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recipe/malformed", test_malformed);
  g_test_add_func ("/recipe/valid-and-extensions", test_accepts_valid_and_extensions);
  g_test_add_func ("/recipe/input", test_input_parsing);
  g_test_add_func ("/recipe/round-trip-files", test_round_trip_files);
  g_test_add_func ("/recipe/copy-is-deep", test_copy_is_deep);
  g_test_add_func ("/recipe/append-validates", test_append_validates);
  g_test_add_func ("/recipe/version-2-ops", test_version_2_ops);
  g_test_add_func ("/recipe/note-op", test_note_op);
  g_test_add_func ("/recipe/scale-op", test_scale_op);
  g_test_add_func ("/recipe/number-out-of-range", test_number_out_of_range);
  g_test_add_func ("/recipe/nan-round-trip", test_nan_round_trip);
  g_test_add_func ("/recipe/unsigned-integers", test_unsigned_integers);
  return g_test_run ();
}
