/* The op builders behind the app's commands (ps-edit), headless: targets from a selection, unique
 * ids, output names, Add Layer's attach target, the article's init loop, forward shapes. */
#include "ps-edit.h"
#include "ps-error.h"
#include "ps-timeline.h"

#include <string.h>
#include "timeline-ops.h"

static void
append_built (PsTimeline *tl, JsonObject *op)
{
  g_autoptr (GError) error = NULL;
  g_assert_nonnull (op);
  g_assert_true (ps_timeline_append_op (tl, op, &error));
  g_assert_no_error (error);
  json_object_unref (op);
}

static PsState *
last (PsTimeline *tl)
{
  return ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
}

/* model = Sequential(Linear(3, 4) as "0", ReLU as "1") */
static PsTimeline *
small_model (void)
{
  PsTimeline *tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  append (tl, "{\"op\":\"module\",\"id\":\"act\",\"type\":\"ReLU\"}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"1\",\"child\":\"act\"}");
  return tl;
}

static void
test_targets (void)
{
  g_autoptr (PsTimeline) tl = small_model ();
  PsState *st = last (tl);
  PsEditSelection none = { NULL, NULL, FALSE };
  PsEditSelection root = { NULL, "", FALSE };
  PsEditSelection fc = { NULL, "0", FALSE };
  PsEditSelection w = { NULL, "0.weight", TRUE };
  PsEditSelection obj = { "fc", "weight", TRUE };   /* the objects view: fc by its id */
  struct { PsEditSelection *sel; const char *module, *exact; } cases[] = {
    { &none, "model", NULL }, { &root, "model", "model" }, { &fc, "model.0", "model.0" },
    { &w, "model.0", "model.0.weight" }, { &obj, "fc", "fc.weight" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *m = ps_edit_target (st, cases[i].sel, TRUE);
      g_autofree char *e = ps_edit_target (st, cases[i].sel, FALSE);
      g_assert_cmpstr (m, ==, cases[i].module);
      g_assert_cmpstr (e, ==, cases[i].exact);
    }
  /* nothing to act on in a document without its model */
  g_autoptr (PsTimeline) empty = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_assert_null (ps_edit_target (last (empty), &none, TRUE));
  g_assert_null (ps_edit_module (last (empty), &none));
  /* dialogs say what a command applies to */
  g_autofree char *d_root = ps_edit_describe (st, &none);
  g_assert_cmpstr (d_root, ==, "the whole model “model” (Sequential)");
  g_autofree char *d_fc = ps_edit_describe (st, &fc);
  g_assert_cmpstr (d_fc, ==, "“model.0” (Linear) only, not the whole model");
  /* a parameter selected: commands run the model, and say so (Ctrl+F used to run only its layer) */
  g_autofree char *d_w = ps_edit_describe (st, &w);
  g_assert_cmpstr (d_w, ==, "the whole model “model” (Sequential)");
  g_autofree char *cmd_w = ps_edit_command_target (st, &w);
  g_assert_cmpstr (cmd_w, ==, "model");
  g_autofree char *cmd_obj = ps_edit_command_target (st, &obj);
  g_assert_cmpstr (cmd_obj, ==, "fc");
  g_autoptr (JsonObject) fwd = ps_edit_forward_op (st, &w, "randn", "1, 3", NULL);
  g_assert_cmpstr (json_object_get_string_member (fwd, "target"), ==, "model");
}

static void
test_ids_and_names (void)
{
  g_autoptr (PsTimeline) tl = small_model ();
  g_autofree char *id = ps_edit_unique_id (last (tl), "Linear");
  g_assert_cmpstr (id, ==, "linear1");
  append (tl, "{\"op\":\"module\",\"id\":\"linear1\",\"type\":\"Linear\",\"args\":{\"in_features\":1,\"out_features\":1}}");
  g_autofree char *id2 = ps_edit_unique_id (last (tl), "Linear");
  g_assert_cmpstr (id2, ==, "linear2");
  g_autofree char *y = ps_edit_output_name (last (tl));
  g_assert_cmpstr (y, ==, "y");
  PsEditSelection none = { NULL, NULL, FALSE };
  g_autoptr (GError) error = NULL;
  append_built (tl, ps_edit_forward_op (last (tl), &none, "randn", "2, 3", &error));
  g_autofree char *y2 = ps_edit_output_name (last (tl));
  g_assert_cmpstr (y2, ==, "y2");
  g_assert_cmpint (ps_state_get_output (last (tl), "y")->shape[1], ==, 4);
}

/* Add Layer: the attach goes to the container nearest the selection. With a parameter selected
 * it used to go nowhere (the module was constructed but never attached). */
static void
test_attach_target (void)
{
  g_autoptr (PsTimeline) tl = small_model ();
  PsState *st = last (tl);
  PsEditSelection w = { NULL, "0.weight", TRUE };
  PsEditSelection relu = { NULL, "1", FALSE };
  PsEditSelection none = { NULL, NULL, FALSE };
  PsEditSelection *sels[] = { &w, &relu, &none };
  for (guint i = 0; i < G_N_ELEMENTS (sels); i++)
    {
      g_autoptr (JsonObject) at = ps_edit_attach_op (st, sels[i], "new", NULL);
      g_assert_nonnull (at);
      g_assert_cmpstr (json_object_get_string_member (at, "parent"), ==, "model");
      g_assert_cmpstr (json_object_get_string_member (at, "name"), ==, "2");
      g_assert_cmpstr (json_object_get_string_member (at, "child"), ==, "new");
    }
  g_autoptr (JsonObject) named = ps_edit_attach_op (st, &w, "new", "head");
  g_assert_cmpstr (json_object_get_string_member (named, "name"), ==, "head");
  /* a document whose model is a Linear: no container to attach to */
  g_autoptr (PsTimeline) lin = ps_timeline_new (0, PS_FLAVOUR_AVX2, "fc");
  append (lin, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  g_assert_null (ps_edit_attach_op (last (lin), &none, "x", NULL));
}

/* The first container in a document without its model becomes the model; a user class names
 * its children by their ids (the article's example 2). */
static void
test_module_op (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autoptr (JsonObject) args = parse_op ("{\"in_features\":10,\"out_features\":5}");
  append_built (tl, ps_edit_module_op (last (tl), "Linear", "", args, NULL, NULL));
  g_assert_nonnull (ps_state_get_module (last (tl), "linear1"));
  g_autoptr (JsonObject) args2 = parse_op ("{\"in_features\":5,\"out_features\":2}");
  append_built (tl, ps_edit_module_op (last (tl), "Linear", "", args2, NULL, NULL));
  const char *kids[] = { "linear1", "linear2", NULL };
  JsonObject *seq = ps_edit_module_op (last (tl), "Sequential", "", NULL, kids, "CustomModel");
  g_assert_cmpstr (json_object_get_string_member (seq, "id"), ==, "model");
  g_assert_cmpstr (json_object_get_string_member (seq, "class"), ==, "CustomModel");
  append_built (tl, seq);
  PsModule *root = ps_state_get_root (last (tl));
  g_assert_nonnull (root);
  g_assert_cmpstr (root->display_class, ==, "CustomModel");
  g_assert_cmpuint (root->children->len, ==, 2);
  g_assert_cmpstr (g_ptr_array_index (root->child_names, 1), ==, "linear2");
  /* a second container is not the model */
  JsonObject *other = ps_edit_module_op (last (tl), "ModuleList", NULL, NULL, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (other, "id"), ==, "modulelist1");
  json_object_unref (other);
}

/* The article's loop as one op, and the weights equal the scenario's (which PyTorch made). */
static void
test_init_loop (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"linear1\",\"type\":\"Linear\",\"args\":{\"in_features\":10,\"out_features\":5}}");
  append (tl, "{\"op\":\"module\",\"id\":\"linear2\",\"type\":\"Linear\",\"args\":{\"in_features\":5,\"out_features\":2}}");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"class\":\"CustomModel\","
              "\"children\":{\"linear1\":\"linear1\",\"linear2\":\"linear2\"}}");
  PsEditSelection none = { NULL, NULL, FALSE };
  JsonObject *op = ps_edit_init_op (last (tl), &none, "xavier_uniform_", NULL, NULL, "zeros_");
  g_assert_cmpstr (json_object_get_string_member (op, "op"), ==, "init_modules");
  g_assert_cmpstr (json_object_get_string_member (op, "target"), ==, "model");
  g_assert_cmpstr (json_object_get_string_member (op, "match"), ==, "Linear");
  append_built (tl, op);
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "examples", "article-2-custom-init.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) ref = ps_timeline_new_from_recipe (r, 4, NULL);
  const char *targets[] = { "linear1.weight", "linear1.bias", "linear2.weight", "linear2.bias" };
  for (guint i = 0; i < G_N_ELEMENTS (targets); i++)
    {
      PsParam *a = NULL, *b = NULL;
      g_assert_true (ps_state_resolve (last (tl), targets[i], NULL, &a, NULL));
      g_assert_true (ps_state_resolve (ps_timeline_get_state (ref, 4), targets[i], NULL, &b, NULL));
      g_assert_true (ps_tensor_equal (a->value, b->value));
    }
  /* a parameter selected: init of just it */
  PsEditSelection b = { NULL, "linear1.bias", TRUE };
  g_autoptr (JsonObject) one = ps_edit_init_op (last (tl), &b, "ones_", NULL, NULL, NULL);
  g_assert_cmpstr (json_object_get_string_member (one, "op"), ==, "init");
  g_assert_cmpstr (json_object_get_string_member (one, "target"), ==, "model.linear1.bias");
}

static void
test_forward_shapes (void)
{
  g_autoptr (PsTimeline) tl = small_model ();
  PsEditSelection none = { NULL, NULL, FALSE };
  const char *good[] = { "1, 3", "(1, 3)", "[1, 3]", " 1,3 " };
  for (guint i = 0; i < G_N_ELEMENTS (good); i++)
    {
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonObject) op = ps_edit_forward_op (last (tl), &none, "randn", good[i], &error);
      g_assert_no_error (error);
      JsonArray *shape = json_object_get_array_member (json_object_get_object_member (op, "input"), "randn");
      g_assert_cmpuint (json_array_get_length (shape), ==, 2);
      g_assert_cmpint (json_array_get_int_element (shape, 1), ==, 3);
    }
  const char *bad[] = { "1, ten", "", "1, -3", "1.5, 3", "(1, 3" };
  for (guint i = 0; i < G_N_ELEMENTS (bad); i++)
    {
      g_autoptr (GError) error = NULL;
      g_assert_null (ps_edit_forward_op (last (tl), &none, "randn", bad[i], &error));
      g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
    }
  g_autofree char *guess = ps_edit_guess_input_shape (last (tl), &none, NULL);
  g_assert_cmpstr (guess, ==, "1, 3");
}

/* The Forward dialog's default for an Embedding: randint(0, num_embeddings), every row reachable. */
static void
test_forward_embedding_indices (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "emb");
  append (tl, "{\"op\":\"module\",\"id\":\"emb\",\"type\":\"Embedding\","
              "\"args\":{\"num_embeddings\":1000,\"embedding_dim\":8}}");
  PsEditSelection none = { NULL, NULL, FALSE };
  PsExampleInput ex = { PS_DTYPE_FLOAT32 };
  g_autofree char *shape = ps_edit_guess_input_shape (last (tl), &none, &ex);
  g_assert_cmpint (ex.dtype, ==, PS_DTYPE_INT64);
  g_autoptr (GError) error = NULL;
  JsonObject *op = ps_edit_forward_op (last (tl), &none, "randint", shape, &error);
  g_assert_no_error (error);
  JsonObject *ri = json_object_get_object_member (json_object_get_object_member (op, "input"), "randint");
  g_assert_cmpint (json_object_get_int_member (ri, "low"), ==, 0);
  g_assert_cmpint (json_object_get_int_member (ri, "high"), ==, 1000);
  append_built (tl, op);   /* and it runs */
  /* a layer without an index input keeps randint(0, 10) */
  g_autoptr (PsTimeline) tl2 = small_model ();
  g_autoptr (JsonObject) op2 = ps_edit_forward_op (last (tl2), &none, "randint", "1, 3", &error);
  ri = json_object_get_object_member (json_object_get_object_member (op2, "input"), "randint");
  g_assert_cmpint (json_object_get_int_member (ri, "high"), ==, 10);
}

static void
test_restructure (void)
{
  g_autoptr (PsTimeline) tl = small_model ();
  PsState *st = last (tl);
  PsEditSelection root = { NULL, "", FALSE };
  PsEditSelection w = { NULL, "0.weight", TRUE };
  PsEditSelection fc = { NULL, "0", FALSE };
  PsEditSelection relu = { NULL, "1", FALSE };
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_edit_rename_op (st, &root, "x"));
  g_assert_null (ps_edit_move_op (st, &w, 1));
  g_assert_null (ps_edit_move_op (st, &fc, -1));
  g_assert_null (ps_edit_move_op (st, &relu, 1));
  g_assert_null (ps_edit_detach_op (st, &w, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_autoptr (JsonObject) mv = ps_edit_move_op (st, &relu, -1);
  g_assert_cmpint (json_object_get_int_member (mv, "index"), ==, 0);
  g_autoptr (JsonObject) rn = ps_edit_rename_op (st, &fc, "first");
  g_assert_cmpstr (json_object_get_string_member (rn, "name"), ==, "0");
  g_assert_cmpstr (json_object_get_string_member (rn, "new_name"), ==, "first");
  g_autoptr (JsonObject) reuse = ps_edit_reuse_op (st, &fc, NULL);
  g_assert_cmpstr (json_object_get_string_member (reuse, "child"), ==, "fc");
  g_assert_cmpstr (json_object_get_string_member (reuse, "name"), ==, "2");
  append_built (tl, ps_edit_detach_op (st, &relu, NULL));
  g_assert_cmpuint (ps_state_get_root (last (tl))->children->len, ==, 1);
  g_autoptr (JsonObject) mode = ps_edit_mode_op (last (tl), &fc);
  g_assert_false (json_object_get_boolean_member (mode, "train"));
}

/* The output a forward wrote (the app selects it and says its shape): a new name, or a new tensor
 * under a name the step before had; none when every output is the same tensor. */
static void
test_new_output (void)
{
  g_autoptr (PsTensor) x = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL);
  g_autoptr (PsTensor) y = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL);
  g_autoptr (PsTensor) y2 = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL);
  PsState *before = ps_state_new (0, PS_FLAVOUR_AVX2, NULL);
  ps_state_set_output (before, "x", x);
  ps_state_set_output (before, "y", y);
  PsState *same = ps_state_clone (before, NULL);
  g_assert_null (ps_state_find_new_output (same, before));
  PsState *renewed = ps_state_clone (before, NULL);
  ps_state_set_output (renewed, "y", y2);
  g_assert_cmpstr (ps_state_find_new_output (renewed, before), ==, "y");
  PsState *added = ps_state_clone (before, NULL);
  ps_state_set_output (added, "z", y2);
  g_assert_cmpstr (ps_state_find_new_output (added, before), ==, "z");
  ps_state_unref (before);
  ps_state_unref (same);
  ps_state_unref (renewed);
  ps_state_unref (added);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/edit/targets", test_targets);
  g_test_add_func ("/edit/new-output", test_new_output);
  g_test_add_func ("/edit/ids-and-names", test_ids_and_names);
  g_test_add_func ("/edit/attach-target", test_attach_target);
  g_test_add_func ("/edit/module-op", test_module_op);
  g_test_add_func ("/edit/init-loop", test_init_loop);
  g_test_add_func ("/edit/forward-shapes", test_forward_shapes);
  g_test_add_func ("/edit/forward-embedding-indices", test_forward_embedding_indices);
  g_test_add_func ("/edit/restructure", test_restructure);
  return g_test_run ();
}
