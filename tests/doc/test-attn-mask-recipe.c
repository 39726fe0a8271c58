/* test-attn-mask-recipe.c — the forward op's MultiheadAttention keywords (key_padding_mask,
 * attn_mask, need_weights, average_attn_weights; docs/recipe-format.md) in recipes:
 *   - the recipes in tests/data/attn-mask exported as PyTorch scripts equal the golden NAME.export.py,
 *     and those scripts, run by torch 1.13 (tests/golden/run_export.py → NAME.export.json), computed
 *     our outputs, our parameters after masked training steps (forward with a loss, backward,
 *     Adam step) and left the generator where we do (masks drawn by randn, attention dropout);
 *     the bf-* recipes train a batch_first MultiheadAttention with six losses (its output is a
 *     transposed view in torch: the losses reduce in (L, N, E) memory order; tests/golden/
 *     gen_attn_batch_first.py), every step's loss and the parameters bit-exact;
 *   - a recipe saved and loaded again keeps the masks (booleans stay booleans);
 *   - bad masks fail their op with torch's message and change nothing; masks on a target other than
 *     MultiheadAttention are Python's TypeError; mixing booleans and numbers is a parse error.
 * PS_EXPORT_WRITE=1 rewrites the golden scripts instead. */
#include <string.h>
#include "ps-op.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "train-export.h"

static const char *const recipes[] = { "forward", "dissected", "train", "bf-mse", "bf-mse-sum", "bf-l1", "bf-smooth-l1",
                                         "bf-huber", "bf-bce-logits" };

static char *
data_dir (void)
{
  return g_build_filename (g_getenv ("PS_TEST_DATA"), "attn-mask", NULL);
}

static void
test_export (void)
{
  g_autofree char *dir = data_dir ();
  gboolean write = g_getenv ("PS_EXPORT_WRITE") != NULL;
  guint checked = 0;
  for (guint i = 0; i < G_N_ELEMENTS (recipes); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", recipes[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      checked += tg_export_check (path, dir, recipes[i], write);
    }
  if (!write)
    g_test_message ("%u parameters, every output and the generator equal to torch's", checked);
}

/* The masked outputs differ from the unmasked ones (the masks are used), and the masks survive a
 * save/load round trip. */
static void
test_round_trip (void)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *path = g_build_filename (dir, "forward.recipe.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_assert_cmpint (ps_recipe_required_version (recipe), ==, 3);
  g_autofree char *data = ps_recipe_to_data (recipe, NULL);
  g_assert_nonnull (strstr (data, "\"key_padding_mask\""));
  g_assert_nonnull (strstr (data, "false"));   /* booleans stay booleans */
  g_assert_nonnull (strstr (data, "true"));
  g_autoptr (PsRecipe) again = ps_recipe_load_from_data (data, -1, &error);
  g_assert_no_error (error);
  g_autofree char *data2 = ps_recipe_to_data (again, NULL);
  g_assert_cmpstr (data, ==, data2);

  /* the same first forward without its mask */
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
  g_assert_null (ps_timeline_get_error (tl));
  PsTensor *masked = ps_state_get_output (ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl)), "y_kpm");
  g_autoptr (GString) r = g_string_new (
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 7, \"root\": \"m\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 8, \"num_heads\": 2}},"
    "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [5, 3, 8]}, \"name\": \"y_kpm\"}]}");
  g_autoptr (PsRecipe) pr = ps_recipe_load_from_data (r->str, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) ptl = ps_timeline_new_from_recipe (pr, -1, dir);
  g_assert_null (ps_timeline_get_error (ptl));
  PsTensor *unmasked = ps_state_get_output (ps_timeline_get_state (ptl, 2), "y_kpm");
  g_assert_true (masked != NULL && unmasked != NULL && masked->numel == unmasked->numel);
  g_assert_cmpint (memcmp (masked->data, unmasked->data, ps_tensor_nbytes (masked)), !=, 0);
}

/* The train op's fixed masks are typed (PsOpMask, parsed once at load): the op holds them as specs
 * (booleans, shape, values), a copy owns its own, and saving writes the masks the file gave. */
static void
test_train_masks_typed (void)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *path = g_build_filename (dir, "train.recipe.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  const PsOp *train = NULL;
  for (guint i = 0; i < recipe->ops->len; i++)
    if (strcmp (ps_op_get_kind (recipe->ops->pdata[i]), "train") == 0)
      train = recipe->ops->pdata[i];
  g_assert_nonnull (train);
  g_assert_true (ps_op_has_field (train, "key_padding_mask") && ps_op_has_field (train, "attn_mask"));
  const PsOpMask *kp = &train->u.train.key_padding_mask, *am = &train->u.train.attn_mask;
  g_assert_true (kp->is_bool && am->is_bool);
  g_assert_cmpint (kp->spec.kind, ==, PS_INPUT_VALUE);
  g_assert_cmpint (kp->spec.ndim, ==, 2);
  g_assert_cmpint (kp->spec.shape[0], ==, 6);
  g_assert_cmpint (kp->spec.shape[1], ==, 4);
  g_assert_cmpint (am->spec.shape[0], ==, 4);
  g_assert_cmpint (am->spec.shape[1], ==, 4);
  /* the causal mask: row i hides the columns after i */
  for (int i = 0; i < 4; i++)
    for (int j = 0; j < 4; j++)
      g_assert_cmpint (g_array_index (am->spec.exact_ints, int64_t, i * 4 + j), ==, j > i);
  g_autoptr (PsOp) copy = ps_op_copy (train);
  g_assert_true (copy->u.train.attn_mask.spec.exact_ints != am->spec.exact_ints);
  g_assert_cmpmem (copy->u.train.attn_mask.spec.exact_ints->data, 16 * sizeof (int64_t), am->spec.exact_ints->data,
                   16 * sizeof (int64_t));

  /* saved as the file gave them */
  g_autoptr (JsonParser) given = json_parser_new ();
  g_assert_true (json_parser_load_from_file (given, path, NULL));
  JsonArray *ops = json_object_get_array_member (json_node_get_object (json_parser_get_root (given)), "ops");
  JsonObject *given_train = NULL;
  for (guint i = 0; i < json_array_get_length (ops); i++)
    if (strcmp (json_object_get_string_member (json_array_get_object_element (ops, i), "op"), "train") == 0)
      given_train = json_array_get_object_element (ops, i);
  g_autoptr (JsonObject) saved = ps_op_to_json (train);
  g_assert_true (json_node_equal (json_object_get_member (saved, "key_padding_mask"),
                                  json_object_get_member (given_train, "key_padding_mask")));
  g_assert_true (json_node_equal (json_object_get_member (saved, "attn_mask"),
                                  json_object_get_member (given_train, "attn_mask")));
}

/* A forward op with these extra members on MultiheadAttention(8, 2) (or `type`) over randn(5, 3, 8):
 * its timeline's error message, or NULL when it ran. The state before it is unchanged either way
 * (checked: the generator and the parameters of step 1). */
static char *
run_one (const char *type, const char *extra)
{
  g_autofree char *json = g_strdup_printf (
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 3, \"root\": \"m\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"%s\", \"args\": %s},"
    "{\"op\": \"forward\", \"target\": \"m\", \"input\": {\"randn\": [5, 3, 8]}, \"name\": \"y\", %s}]}",
    type, strcmp (type, "Linear") == 0 ? "{\"in_features\": 8, \"out_features\": 8}" : "{\"embed_dim\": 8, \"num_heads\": 2}",
    extra);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (json, -1, &error);
  if (recipe == NULL)
    return g_strdup (error->message);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, NULL);
  const GError *e = ps_timeline_get_error (tl);
  if (e == NULL)
    return NULL;
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 1);
  g_assert_null (ps_state_get_output (ps_timeline_get_state (tl, 1), "y"));
  return g_strdup (e->message);
}

static void
expect_error (const char *type, const char *extra, const char *message)
{
  g_autofree char *got = run_one (type, extra);
  if (got == NULL || strstr (got, message) == NULL)
    g_error ("%s: expected an error with \"%s\", got %s", extra, message, got ? got : "none");
}

static void
test_errors (void)
{
  expect_error ("MultiheadAttention", "\"key_padding_mask\": {\"zeros\": [3, 4]}",
                "op 2 (forward): expecting key_padding_mask shape of (3, 5), but got torch.Size([3, 4])");
  expect_error ("MultiheadAttention", "\"key_padding_mask\": {\"value\": [[0, 1, 0, 0, 0], [0, 0, 0, 0, 0], [0, 0, 0, 0, 0]]}",
                "only bool and floating types of key_padding_mask are supported");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"value\": [[1, 2], [3, 4]]}",
                "Only float, byte, and bool types are supported for attn_mask, not torch.int64");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"ones\": [5, 4]}",
                "The shape of the 2D attn_mask is torch.Size([5, 4]), but should be (5, 5).");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"ones\": [5, 5, 5]}",
                "The shape of the 3D attn_mask is torch.Size([5, 5, 5]), but should be (6, 5, 5).");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"ones\": [5]}",
                "For batched (3-D) `query`, expected `attn_mask` to be `None`, 2-D or 3-D but found 1-D tensor instead");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"zeros\": [5, 5]}, \"key_padding_mask\": {\"randn\": [3, 5]}",
                "Mask tensor can take 0 and 1 values only");
  expect_error ("Linear", "\"attn_mask\": {\"zeros\": [5, 5]}",
                "Linear.forward() got an unexpected keyword argument 'attn_mask'");
  expect_error ("Linear", "\"need_weights\": false", "Linear.forward() got an unexpected keyword argument 'need_weights'");
  expect_error ("MultiheadAttention", "\"attn_mask\": {\"value\": [[true, 0]]}",
                "field 'attn_mask': 'value' mixes booleans and numbers");
  expect_error ("MultiheadAttention", "\"need_weights\": 1", "need_weights");
  /* a train op's masks are fixed: a drawn one is refused when the recipe loads */
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (
    "{\"format\": \"paramscope-recipe\", \"version\": 3, \"seed\": 3, \"root\": \"m\", \"ops\": ["
    "{\"op\": \"module\", \"id\": \"m\", \"type\": \"MultiheadAttention\", \"args\": {\"embed_dim\": 2, \"num_heads\": 1}},"
    "{\"op\": \"dataset\", \"id\": \"d\", \"type\": \"xor\"},"
    "{\"op\": \"optimizer\", \"id\": \"o\", \"type\": \"SGD\", \"params\": \"m\", \"args\": {\"lr\": 0.1}},"
    "{\"op\": \"train\", \"model\": \"m\", \"optimizer\": \"o\", \"data\": \"d\", \"loss\": {\"type\": \"MSELoss\"},"
    " \"steps\": 1, \"attn_mask\": {\"randn\": [1, 1]}}]}", -1, &error);
  g_assert_null (r);
  g_assert_nonnull (strstr (error->message, "op 4 (train): field 'attn_mask': a train op's mask is the same for every batch"));
  g_autofree char *ok = run_one ("MultiheadAttention", "\"attn_mask\": {\"zeros\": [5, 5]}, \"need_weights\": false");
  g_assert_null (ok);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attn-mask-recipe/export", test_export);
  g_test_add_func ("/attn-mask-recipe/round-trip", test_round_trip);
  g_test_add_func ("/attn-mask-recipe/errors", test_errors);
  g_test_add_func ("/attn-mask-recipe/train-masks-typed", test_train_masks_typed);
  return g_test_run ();
}
