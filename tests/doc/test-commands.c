/* Which of the main window's commands are enabled (ps-commands), headless: the rule the window
 * applies to its actions — steps, undo/redo, a model or none, busy while a job runs, and rename /
 * move only for a child of a container at the last step. */
#include "ps-commands.h"
#include "async-test-util.h"

static void
apply (PsDocument *doc, const char *json)
{
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_document_apply_op_json (doc, json, &error));
  g_assert_no_error (error);
}

/* model = Sequential(Linear(3, 4) as "0", ReLU as "1"); fc2 = Linear(2, 2) on its own */
static PsDocument *
small_document (void)
{
  PsDocument *doc = ps_document_new ();
  apply (doc, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  apply (doc, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  apply (doc, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  apply (doc, "{\"op\":\"module\",\"id\":\"act\",\"type\":\"ReLU\"}");
  apply (doc, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"1\",\"child\":\"act\"}");
  return doc;
}

static gboolean
on (PsDocument *doc, const PsEditSelection *sel, const char *name)
{
  return ps_commands_get_enabled (doc, sel, name);
}

static void
test_empty (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  PsCommandState states[PS_COMMANDS_MAX];
  guint n = ps_commands_get_states (doc, NULL, states);
  g_assert_cmpuint (n, ==, 27);
  for (guint i = 0; i < n; i++)
    {
      /* idle at step 0 of nothing: only what needs neither a model nor another step */
      gboolean want = g_strv_contains ((const char *const[]) { "replay", "reseed", "reseed-to", "set-seed", "add-layer",
                                                               "reuse-module", "remove-module", "open", "open-recent",
                                                               "scenario", "new", "save", "save-as", NULL },
                                       states[i].name);
      g_assert_cmpint (states[i].enabled, ==, want);
    }
  g_assert_false (on (doc, NULL, "no-such-command"));
}

static void
test_steps_and_model (void)
{
  g_autoptr (PsDocument) doc = small_document ();
  g_assert_cmpuint (ps_document_get_n_steps (doc), ==, 5);
  /* at the last step: back, not forward; a model: its commands */
  g_assert_true (on (doc, NULL, "first-step"));
  g_assert_true (on (doc, NULL, "step-back"));
  g_assert_false (on (doc, NULL, "step-forward"));
  g_assert_false (on (doc, NULL, "last-step"));
  g_assert_true (on (doc, NULL, "undo"));
  g_assert_false (on (doc, NULL, "redo"));
  for (guint i = 0; i < 4; i++)
    g_assert_true (on (doc, NULL, (const char *[]) { "reset-parameters", "initialize", "forward", "toggle-train" }[i]));
  /* at step 0: forward only, and nothing is a model yet */
  ps_document_set_current_step (doc, 0);
  g_assert_false (on (doc, NULL, "first-step"));
  g_assert_false (on (doc, NULL, "step-back"));
  g_assert_true (on (doc, NULL, "step-forward"));
  g_assert_true (on (doc, NULL, "last-step"));
  g_assert_false (on (doc, NULL, "forward"));
  ps_document_set_current_step (doc, 5);
  g_assert_true (ps_document_undo (doc));
  g_assert_true (on (doc, NULL, "redo"));
}

static void
test_restructure (void)
{
  g_autoptr (PsDocument) doc = small_document ();
  PsEditSelection first = { NULL, "0", FALSE }, second = { NULL, "1", FALSE };
  PsEditSelection root = { NULL, "", FALSE }, weight = { NULL, "0.weight", TRUE };
  /* a child of the Sequential: renamed, moved where there is room */
  g_assert_true (on (doc, &first, "rename-module"));
  g_assert_false (on (doc, &first, "move-up"));
  g_assert_true (on (doc, &first, "move-down"));
  g_assert_true (on (doc, &second, "move-up"));
  g_assert_false (on (doc, &second, "move-down"));
  g_autofree char *name = NULL;
  guint index = 9, n = 9;
  g_assert_true (ps_commands_selected_child (ps_document_get_current_state (doc), &second, &name, &index, &n));
  g_assert_cmpstr (name, ==, "1");
  g_assert_cmpuint (index, ==, 1);
  g_assert_cmpuint (n, ==, 2);
  /* not a child: the root, a parameter, nothing of the model */
  for (guint i = 0; i < 3; i++)
    {
      const PsEditSelection *sel = (const PsEditSelection *[]) { &root, &weight, NULL }[i];
      g_assert_false (on (doc, sel, "rename-module"));
      g_assert_false (on (doc, sel, "move-up"));
      g_assert_false (on (doc, sel, "move-down"));
    }
  /* the selection follows a renamed module */
  g_autofree char *renamed = ps_commands_renamed_path ("0", "head");
  g_autofree char *deep = ps_commands_renamed_path ("0.blocks.1", "last");
  g_assert_cmpstr (renamed, ==, "head");
  g_assert_cmpstr (deep, ==, "0.blocks.last");
  /* a step earlier: steps are appended, so nothing restructures there */
  ps_document_set_current_step (doc, 4);
  g_assert_false (on (doc, &first, "rename-module"));
  g_assert_false (on (doc, &first, "move-down"));
}

/* a module held by a plain module (no container): not renamed or moved through its parent */
static void
test_not_a_container (void)
{
  g_autoptr (PsDocument) doc = ps_document_new ();
  apply (doc, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  apply (doc, "{\"op\":\"module\",\"id\":\"attn\",\"type\":\"MultiheadAttention\",\"args\":{\"embed_dim\":4,\"num_heads\":1}}");
  apply (doc, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"attn\"}");
  PsEditSelection proj = { NULL, "0.out_proj", FALSE }, attn = { NULL, "0", FALSE };
  g_assert_true (ps_module_n_children (ps_state_get_module (ps_document_get_current_state (doc), "attn")) > 0);
  g_assert_false (on (doc, &proj, "rename-module"));
  g_assert_false (ps_commands_selected_child (ps_document_get_current_state (doc), &proj, NULL, NULL, NULL));
  g_assert_true (on (doc, &attn, "rename-module"));
}

/* while a job runs: nothing that changes the document, Cancel instead */
static void
test_busy (void)
{
  g_autoptr (PsDocument) doc = small_document ();
  PsEditSelection first = { NULL, "0", FALSE };
  g_autoptr (GAsyncResult) result = NULL;
  ps_document_replay_async (doc, NULL, store_result, &result);
  g_assert_true (ps_document_get_busy (doc));
  PsCommandState states[PS_COMMANDS_MAX];
  guint n = ps_commands_get_states (doc, &first, states);
  for (guint i = 0; i < n; i++)
    {
      gboolean want = g_str_equal (states[i].name, "cancel-job") || g_str_equal (states[i].name, "first-step")
                      || g_str_equal (states[i].name, "step-back");
      g_assert_cmpint (states[i].enabled, ==, want);
    }
  g_assert_true (ps_document_replay_finish (doc, wait_result (&result), NULL));
  g_assert_false (on (doc, &first, "cancel-job"));
  g_assert_true (on (doc, &first, "rename-module"));
}

/* the tree's nodes as selections: the outputs and the objects group are nothing of the model */
static void
test_selection_of_node (void)
{
  g_autoptr (PsDocument) doc = small_document ();
  PsState *st = ps_document_get_current_state (doc);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_state_get_root (st), st->root);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_autoptr (PsTreeNode) fc = g_list_model_get_item (kids, 0);
  g_autoptr (GListModel) fc_kids = ps_tree_node_get_children (fc);
  g_autoptr (PsTreeNode) w = g_list_model_get_item (fc_kids, 0);
  PsEditSelection sel = { "x", "x", TRUE };
  g_assert_false (ps_commands_selection (NULL, &sel));
  g_assert_null (sel.path);
  g_assert_null (sel.base);
  g_assert_true (ps_commands_selection (fc, &sel));
  g_assert_cmpstr (sel.path, ==, "0");
  g_assert_false (sel.is_param);
  g_assert_true (ps_commands_selection (w, &sel));
  g_assert_cmpstr (sel.path, ==, "0.weight");
  g_assert_true (sel.is_param);
  g_assert_true (ps_commands_selection (root, &sel));
  g_assert_cmpstr (sel.path, ==, "");
  apply (doc, "{\"op\":\"module\",\"id\":\"lone\",\"type\":\"Linear\",\"args\":{\"in_features\":2,\"out_features\":2}}");
  g_autoptr (PsTreeNode) objects = ps_tree_node_new_objects (ps_document_get_current_state (doc));
  g_assert_nonnull (objects);
  g_assert_false (ps_commands_selection (objects, &sel));
  g_autoptr (GListModel) objs = ps_tree_node_get_children (objects);
  g_autoptr (PsTreeNode) lone = g_list_model_get_item (objs, 0);
  g_assert_true (ps_commands_selection (lone, &sel));
  g_assert_cmpstr (sel.base, ==, "lone");
  g_assert_cmpstr (sel.path, ==, "");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/commands/empty", test_empty);
  g_test_add_func ("/commands/steps-and-model", test_steps_and_model);
  g_test_add_func ("/commands/restructure", test_restructure);
  g_test_add_func ("/commands/not-a-container", test_not_a_container);
  g_test_add_func ("/commands/busy", test_busy);
  g_test_add_func ("/commands/selection-of-node", test_selection_of_node);
  return g_test_run ();
}
