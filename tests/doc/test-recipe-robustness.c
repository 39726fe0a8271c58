/* Bad recipes give a clear error, never a crash, critical or abort (G_DEBUG=fatal-criticals in
 * the test environment makes criticals fatal): the fuzzer's regression inputs in
 * tests/data/recipe-crashers/ and hand-written bad recipes (huge, negative and zero sizes, deep
 * nesting, cycles, many ops, mismatching forward inputs for every layer family, bad randint,
 * init of an int64 buffer, odd ids). For each failing op: the message names the op number and the
 * problem, the steps before it are kept, and the op left the generator and every value as they
 * were. */
#include "ps-timeline.h"
#include "timeline-test-util.h"

#include <string.h>

/* Tensors are limited as in the fuzzer (fuzz/fuzz-recipe.c) so a regression input that allocates
 * a lot there fails the same way here. */
#define FUZZ_MAX_BYTES ((guint64) 64 << 20)

static char *
data_path (const char *name)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  return g_build_filename (dir, name, NULL);
}

/* What the fuzzer does with one input (minus its own asserts): load, and replay when it loads. */
static void
replay_bytes (const char *data, gsize len, char **message)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (data, len, &error);
  g_assert_true ((r == NULL) == (error != NULL));
  if (r == NULL)
    {
      g_assert_cmpstr (error->message, !=, "");
      *message = g_strdup (error->message);
      return;
    }
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, "/nonexistent-test-dir");
  guint n = ps_timeline_get_n_steps (tl);
  const GError *e = ps_timeline_get_error (tl);
  g_assert_cmpuint (n, <=, r->ops->len);
  if (n < r->ops->len)
    {
      g_assert_nonnull (e);
      g_autofree char *prefix = g_strdup_printf ("op %u (", n + 1);
      g_assert_true (g_str_has_prefix (e->message, prefix));
      *message = g_strdup (e->message);
    }
  else
    *message = NULL;
}

static void
test_crashers (void)
{
  g_autofree char *dir = data_path ("recipe-crashers");
  g_autoptr (GDir) d = g_dir_open (dir, 0, NULL);
  g_assert_nonnull (d);
  const char *name;
  guint n = 0;
  ps_tensor_set_max_bytes (FUZZ_MAX_BYTES);
  while ((name = g_dir_read_name (d)) != NULL)
    {
      g_autofree char *p = g_build_filename (dir, name, NULL);
      g_autofree char *raw = NULL;
      gsize len;
      g_assert_true (g_file_get_contents (p, &raw, &len, NULL));
      g_autofree char *msg = NULL;
      replay_bytes (raw, len, &msg);
      g_test_message ("%s: %s", name, msg ? msg : "ok");
      n++;
    }
  ps_tensor_set_max_bytes (0);
  g_assert_cmpuint (n, >, 0);
}

/* ---- hand-written bad recipes ---- */

static void
assert_same_values (GPtrArray *a, GPtrArray *b)
{
  g_assert_cmpuint (a->len, ==, b->len);
  for (guint i = 0; i < a->len; i++)
    {
      PsTensor *x = g_ptr_array_index (a, i), *y = g_ptr_array_index (b, i);
      g_assert_true ((x == NULL) == (y == NULL));
      if (x != NULL)
        g_assert_true (ps_tensor_equal (x, y));
    }
}

static char *
recipe_json (const char *ops)
{
  return g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 7, \"ops\": [%s]}", ops);
}

/* Loads the recipe made of `ops` and expects op `failing` to fail, at load (structure) or on
 * replay (meaning), with a message starting "op N (" and containing every needle. On replay:
 * steps 1…N−1 are kept with the values and generator a replay of only those steps gives, and
 * applying op N again to the last good state fails and changes nothing. */
static void
expect_failure (const char *ops, guint failing, const char *const *needles)
{
  g_autofree char *json = recipe_json (ops);
  g_autofree char *prefix = g_strdup_printf ("op %u (", failing);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  const char *msg;
  g_autoptr (PsTimeline) tl = NULL;
  if (r == NULL)
    msg = error->message;
  else
    {
      tl = ps_timeline_new_from_recipe (r, -1, NULL);
      const GError *e = ps_timeline_get_error (tl);
      if (e == NULL)
        g_error ("expected op %u to fail, but the recipe replayed: %s", failing, ops);
      msg = e->message;
    }
  g_test_message ("%s", msg);
  if (!g_str_has_prefix (msg, prefix))
    g_error ("expected an error at op %u, got: %s", failing, msg);
  for (guint i = 0; needles != NULL && needles[i] != NULL; i++)
    if (strstr (msg, needles[i]) == NULL)
      g_error ("error does not mention '%s': %s", needles[i], msg);
  if (tl == NULL)
    return;

  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, failing - 1);
  g_assert_cmpuint (ps_timeline_get_n_pending (tl), ==, r->ops->len - (failing - 1));
  PsState *last = ps_timeline_get_last_state (tl);
  g_assert_cmpuint (last->step, ==, failing - 1);

  /* The kept steps are exactly a replay of ops 1…N−1. */
  g_autoptr (PsTimeline) ref = ps_timeline_new_from_recipe (r, (int) failing - 1, NULL);
  g_assert_null (ps_timeline_get_error (ref));
  PsState *ref_last = ps_timeline_get_last_state (ref);
  g_assert_true (ps_generator_equal (&last->gen, &ref_last->gen));
  g_autoptr (GPtrArray) kept = state_values (last);
  g_autoptr (GPtrArray) expected = state_values (ref_last);
  assert_same_values (kept, expected);

  /* Applying the failing op again leaves the state alone. */
  PsGenerator gen_before = last->gen;
  g_autoptr (GError) again = NULL;
  const PsOp *op = g_ptr_array_index (r->ops, failing - 1);
  g_autoptr (PsState) after = ps_op_apply (last, op, failing, &again);
  g_assert_null (after);
  g_assert_nonnull (again);
  g_assert_cmpstr (again->message, ==, msg);
  g_assert_true (ps_generator_equal (&last->gen, &gen_before));
  g_autoptr (GPtrArray) now = state_values (last);
  assert_same_values (now, kept);
}

static void
expect_success (const char *ops)
{
  g_autofree char *json = recipe_json (ops);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s: %s", ops, ps_timeline_get_error (tl)->message);
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, r->ops->len);
}

#define NEEDLES(...) ((const char *const[]) { __VA_ARGS__, NULL })
/* A first op that draws, so "unchanged generator" is tested against a moved one. */
#define PRE "{\"op\": \"module\", \"id\": \"pre\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}}, "

static void
test_huge_shapes (void)
{
  /* The product of the dims overflows int64. */
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 4}},"
                  "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [4294967296, 4294967296, 4]}}",
                  3, NEEDLES ("input"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 1099511627776, \"out_features\": 1099511627776}}",
                  2, NEEDLES ("overflows"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Conv2d\", \"args\": {\"in_channels\": 65536, \"out_channels\": 65536, \"kernel_size\": [65536, 65536]}}",
                  2, NEEDLES ("overflows"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"e\", \"type\": \"Embedding\", \"args\": {\"num_embeddings\": 9223372036854775807, \"embedding_dim\": 9223372036854775807}}",
                  2, NEEDLES ("overflows"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"l\", \"type\": \"LSTM\", \"args\": {\"input_size\": 4294967296, \"hidden_size\": 4294967296}}",
                  2, NEEDLES ("op 2"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"a\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 4294967296, \"num_heads\": 1}}",
                  2, NEEDLES ("op 2"));
  /* Within int64 but far above the tensor limit. */
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 4}},"
                  "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"zeros\": [1048576, 1048576, 4]}}",
                  3, NEEDLES ("input"));
}

static void
test_negative_sizes (void)
{
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": -1, \"out_features\": 5}}",
                  2, NEEDLES ("negative dimension"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"c\", \"type\": \"Conv2d\", \"args\": {\"in_channels\": 1, \"out_channels\": 1, \"kernel_size\": -3}}",
                  2, NEEDLES ("negative dimension"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 2}},"
                  "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [-1, 3]}}",
                  3, NEEDLES ("input"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"r\", \"type\": \"GRU\", \"args\": {\"input_size\": 3, \"hidden_size\": -2}}",
                  2, NEEDLES ("hidden_size"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"d\", \"type\": \"Dropout\", \"args\": {\"p\": -0.5}}",
                  2, NEEDLES ("p"));
}

static void
test_zero_sizes (void)
{
  /* torch accepts these (zero-element parameters, empty batches): so must we, without crashing. */
  expect_success (PRE "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 0}},"
                  "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [0, 3]}}");
  expect_success ("{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 3, \"out_features\": 4}},"
                  "{\"op\": \"forward\", \"target\": \"fc\", \"input\": {\"randn\": [0, 3]}}");
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"a\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 4, \"num_heads\": 0}}",
                  2, NEEDLES ("num_heads"));
}

static void
test_deep_nesting (void)
{
  /* 100 000 nested arrays as an input value: an error, not a stack overflow. */
  GString *s = g_string_new (PRE "{\"op\": \"forward\", \"target\": \"pre\", \"input\": {\"value\": ");
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, '[');
  g_string_append_c (s, '1');
  for (int i = 0; i < 100000; i++)
    g_string_append_c (s, ']');
  g_string_append (s, "}}");
  g_autofree char *json = recipe_json (s->str);
  g_string_free (s, TRUE);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_null (r);
  g_assert_nonnull (error);
  g_test_message ("%s", error->message);

  /* 300 containers each holding the previous one: fine, and a forward runs through all. */
  GString *ops = g_string_new ("{\"op\": \"module\", \"id\": \"m0\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}}");
  for (int i = 1; i <= 300; i++)
    g_string_append_printf (ops, ", {\"op\": \"module\", \"id\": \"m%d\", \"type\": \"Sequential\", \"children\": [\"m%d\"]}", i, i - 1);
  g_string_append (ops, ", {\"op\": \"forward\", \"target\": \"m300\", \"input\": {\"randn\": [1, 2]}}");
  g_string_append (ops, ", {\"op\": \"init\", \"target\": \"m300");
  for (int i = 0; i < 300; i++)
    g_string_append (ops, ".0");
  g_string_append (ops, ".weight\", \"fn\": \"normal_\"}");
  g_string_append (ops, ", {\"op\": \"forward\", \"target\": \"m300\", \"input\": {\"randn\": [1, 3]}}");
  expect_failure (ops->str, 304, NEEDLES ("1x3", "2x2"));
  g_string_free (ops, TRUE);
}

static void
test_cycles (void)
{
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Sequential\"},"
                  "{\"op\": \"module\", \"id\": \"b\", \"type\": \"Sequential\", \"children\": [\"a\"]},"
                  "{\"op\": \"attach\", \"parent\": \"a\", \"name\": \"back\", \"child\": \"b\"}",
                  4, NEEDLES ("cycle"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"a\", \"type\": \"Sequential\"},"
                  "{\"op\": \"attach\", \"parent\": \"a\", \"name\": \"self\", \"child\": \"a\"}",
                  3, NEEDLES ("cycle"));
  /* Dangling and duplicate ids. */
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"s\", \"type\": \"Sequential\", \"children\": [\"nope\"]}",
                  2, NEEDLES ("nope"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"pre\", \"type\": \"ReLU\"}", 2, NEEDLES ("pre"));
}

static void
test_many_ops (void)
{
  GString *ops = g_string_new (PRE "{\"op\": \"init\", \"target\": \"pre.weight\", \"fn\": \"normal_\"}");
  for (int i = 2; i < 10000; i++)
    g_string_append (ops, ", {\"op\": \"init\", \"target\": \"pre.weight\", \"fn\": \"normal_\"}");
  g_string_append (ops, ", {\"op\": \"init\", \"target\": \"pre.nothing\", \"fn\": \"normal_\"}");
  expect_failure (ops->str, 10001, NEEDLES ("nothing"));
  g_string_free (ops, TRUE);
}

static void
test_forward_mismatch (void)
{
  static const struct { const char *module; const char *input; const char *needle; } cases[] = {
    { "\"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 2}", "{\"randn\": [3, 5]}", "3x5" },
    { "\"Bilinear\", \"args\": {\"in1_features\": 4, \"in2_features\": 4, \"out_features\": 2}", "{\"randn\": [3, 5]}", "" },
    { "\"Conv1d\", \"args\": {\"in_channels\": 2, \"out_channels\": 2, \"kernel_size\": 3}", "{\"randn\": [1, 3, 8]}", "channels" },
    { "\"Conv1d\", \"args\": {\"in_channels\": 2, \"out_channels\": 2, \"kernel_size\": 9}", "{\"randn\": [1, 2, 8]}", "Kernel size" },
    { "\"Conv2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 2, \"kernel_size\": 3}", "{\"randn\": [2, 8]}", "" },
    { "\"Conv3d\", \"args\": {\"in_channels\": 1, \"out_channels\": 1, \"kernel_size\": 2}", "{\"randn\": [1, 1, 1, 4, 4]}", "" },
    { "\"ConvTranspose2d\", \"args\": {\"in_channels\": 2, \"out_channels\": 1, \"kernel_size\": 2}", "{\"randn\": [1, 3, 4, 4]}", "" },
    { "\"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}", "{\"randn\": [3]}", "" },
    { "\"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}", "{\"value\": [0, 5]}", "" },
    { "\"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}", "{\"value\": [-1]}", "" },
    { "\"LayerNorm\", \"args\": {\"normalized_shape\": [3, 4]}", "{\"randn\": [2, 4, 3]}", "" },
    { "\"GroupNorm\", \"args\": {\"num_groups\": 2, \"num_channels\": 4}", "{\"randn\": [2, 6, 3]}", "" },
    { "\"BatchNorm1d\", \"args\": {\"num_features\": 3}", "{\"randn\": [2, 4]}", "" },
    { "\"BatchNorm1d\", \"args\": {\"num_features\": 3}", "{\"randn\": [1, 3]}", "" },
    { "\"BatchNorm2d\", \"args\": {\"num_features\": 3}", "{\"randn\": [2, 3, 4]}", "" },
    { "\"RNN\", \"args\": {\"input_size\": 3, \"hidden_size\": 2}", "{\"randn\": [4, 1, 5]}", "" },
    { "\"LSTM\", \"args\": {\"input_size\": 3, \"hidden_size\": 2}", "{\"randn\": [3]}", "" },
    { "\"GRU\", \"args\": {\"input_size\": 3, \"hidden_size\": 2, \"batch_first\": true}", "{\"randn\": [1, 2, 3, 4]}", "" },
    { "\"LSTMCell\", \"args\": {\"input_size\": 3, \"hidden_size\": 2}", "{\"randn\": [2, 4]}", "" },
    { "\"GRUCell\", \"args\": {\"input_size\": 3, \"hidden_size\": 2}", "{\"randn\": [2, 3, 3]}", "" },
    { "\"MultiheadAttention\", \"args\": {\"embed_dim\": 4, \"num_heads\": 2}", "{\"randn\": [3, 1, 5]}", "" },
    { "\"PReLU\", \"args\": {\"num_parameters\": 3}", "{\"randn\": [2, 4]}", "" },
    { "\"Softmax\", \"args\": {\"dim\": 3}", "{\"randn\": [2, 4]}", "Dimension out of range" },
    { "\"Flatten\", \"args\": {\"start_dim\": 2}", "{\"randn\": [2]}", "" },
    { "\"Linear\", \"args\": {\"in_features\": 4, \"out_features\": 2}", "{\"randint\": {\"high\": 3, \"size\": [2, 4]}}", "" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *ops = g_strdup_printf (PRE "{\"op\": \"module\", \"id\": \"m\", \"type\": %s},"
                                              "{\"op\": \"forward\", \"target\": \"m\", \"input\": %s}",
                                              cases[i].module, cases[i].input);
      expect_failure (ops, 3, NEEDLES (cases[i].needle));
    }
}

static void
test_randint (void)
{
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"e\", \"type\": \"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}},"
                  "{\"op\": \"forward\", \"target\": \"e\", \"input\": {\"randint\": {\"low\": 3, \"high\": 3, \"size\": [2]}}}",
                  3, NEEDLES ("from", "to"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"e\", \"type\": \"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}},"
                  "{\"op\": \"forward\", \"target\": \"e\", \"input\": {\"randint\": {\"low\": 4, \"high\": -9223372036854775808, \"size\": [2]}}}",
                  3, NEEDLES ("from", "to"));
  /* The full int64 range: high − low overflows. */
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"e\", \"type\": \"Embedding\", \"args\": {\"num_embeddings\": 5, \"embedding_dim\": 2}},"
                  "{\"op\": \"forward\", \"target\": \"e\", \"input\": {\"randint\": {\"low\": -9223372036854775808, \"high\": 9223372036854775807, \"size\": [2]}}}",
                  3, NEEDLES ("op 3"));
}

static void
test_init_buffer (void)
{
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 3}},"
                  "{\"op\": \"init\", \"target\": \"bn.num_batches_tracked\", \"fn\": \"normal_\"}",
                  3, NEEDLES ("float32", "int64"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"bn\", \"type\": \"BatchNorm1d\", \"args\": {\"num_features\": 3}},"
                  "{\"op\": \"init\", \"target\": \"bn.num_batches_tracked\", \"fn\": \"orthogonal_\"}",
                  3, NEEDLES ("float32", "int64"));
  /* Lazy parameters have no value yet. */
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"lz\", \"type\": \"LazyLinear\", \"args\": {\"out_features\": 3}},"
                  "{\"op\": \"init\", \"target\": \"lz.weight\", \"fn\": \"normal_\"}",
                  3, NEEDLES ("lz.weight"));
  /* Fan-based inits need 2 dims. */
  expect_failure (PRE "{\"op\": \"init\", \"target\": \"pre.bias\", \"fn\": \"xavier_uniform_\"}",
                  2, NEEDLES ("dimensions"));
}

static void
test_odd_ids (void)
{
  /* Unicode is a fine id; a dot, an empty id and a control character are not. */
  expect_success ("{\"op\": \"module\", \"id\": \"\xe6\x97\xa5\xe6\x9c\xac\", \"type\": \"ReLU\"}");
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"a.b\", \"type\": \"ReLU\"}", 2, NEEDLES ("id"));
  expect_failure (PRE "{\"op\": \"module\", \"id\": \"\", \"type\": \"ReLU\"}", 2, NEEDLES ("id"));
  expect_failure (PRE "{\"op\": \"forward\", \"target\": \"\xe6\x97\xa5\", \"input\": {\"randn\": [1]}}", 2, NEEDLES ("\xe6\x97\xa5"));
  expect_failure (PRE "{\"op\": \"forward\", \"target\": \"pre..weight\", \"input\": {\"randn\": [1]}}", 2, NEEDLES ("pre"));

  /* Invalid UTF-8 and NUL bytes in the document: an error. */
  static const char bad[] = "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"ops\": "
                            "[{\"op\": \"module\", \"id\": \"\xff\xfe\", \"type\": \"ReLU\"}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (bad, sizeof bad - 1, &error);
  if (r != NULL)
    {
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
      g_assert_nonnull (ps_timeline_get_error (tl));
    }
  g_autoptr (GError) error2 = NULL;
  static const char nul[] = "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"ops\": []}\0junk";
  g_autoptr (PsRecipe) r2 = ps_recipe_load_from_data (nul, sizeof nul - 1, &error2);
  g_assert_null (r2);
  g_assert_nonnull (error2);
}

/* Doubles such as 1e30 (json-glib 1.6 wrote them as "1e+30.0") survive save, load and copy. */
static void
test_exponent_doubles (void)
{
  static const char json[] =
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 0, \"description\": \"keep 1e+30.0 in text\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"fc\", \"type\": \"Linear\", \"args\": {\"in_features\": 2, \"out_features\": 2}},"
    "{\"op\": \"init\", \"target\": \"fc.weight\", \"fn\": \"uniform_\", \"args\": {\"a\": -1e30, \"b\": 1e+22}},"
    "{\"op\": \"init\", \"target\": \"fc.bias\", \"fn\": \"constant_\", \"args\": {\"val\": 1e-300}}]}";
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (json, -1, &error);
  g_assert_no_error (error);
  gsize len;
  g_autofree char *saved = ps_recipe_to_data (r, &len);
  g_assert_cmpuint (len, ==, strlen (saved));
  g_autoptr (PsRecipe) again = ps_recipe_load_from_data (saved, len, &error);
  g_assert_no_error (error);
  g_assert_cmpstr (again->description, ==, "keep 1e+30.0 in text");
  g_autoptr (JsonObject) op1 = ps_op_to_json (g_ptr_array_index (again->ops, 1));
  JsonObject *args = json_object_get_object_member (op1, "args");
  g_assert_cmpfloat (json_object_get_double_member (args, "a"), ==, -1e30);
  g_assert_cmpfloat (json_object_get_double_member (args, "b"), ==, 1e22);
  g_autoptr (PsRecipe) copy = ps_recipe_copy (r);
  g_assert_cmpuint (copy->ops->len, ==, 3);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (again, -1, NULL);
  g_assert_null (ps_timeline_get_error (tl));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/recipe-robustness/crashers", test_crashers);
  g_test_add_func ("/recipe-robustness/huge-shapes", test_huge_shapes);
  g_test_add_func ("/recipe-robustness/negative-sizes", test_negative_sizes);
  g_test_add_func ("/recipe-robustness/zero-sizes", test_zero_sizes);
  g_test_add_func ("/recipe-robustness/deep-nesting", test_deep_nesting);
  g_test_add_func ("/recipe-robustness/cycles", test_cycles);
  g_test_add_func ("/recipe-robustness/many-ops", test_many_ops);
  g_test_add_func ("/recipe-robustness/forward-mismatch", test_forward_mismatch);
  g_test_add_func ("/recipe-robustness/randint", test_randint);
  g_test_add_func ("/recipe-robustness/init-buffer", test_init_buffer);
  g_test_add_func ("/recipe-robustness/odd-ids", test_odd_ids);
  g_test_add_func ("/recipe-robustness/exponent-doubles", test_exponent_doubles);
  return g_test_run ();
}
