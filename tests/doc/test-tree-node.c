/* The model tree's rows (src/doc/ps-tree-node.c), tested without a display (GTK testsuite's model_to_string pattern). */
#include "ps-tree-node.h"
#include "ps-count-text.h"

#include <locale.h>

static PsModule *
leaf (const char *name, int64_t out, int64_t in)
{
  PsModule *m = ps_module_new_container ("Sequential", name, NULL);
  g_autoptr (PsTensor) w = ps_tensor_new_2d (PS_DTYPE_FLOAT32, out, in, NULL);
  ps_module_register (m, "weight", w, FALSE);
  g_autoptr (PsTensor) rv = ps_tensor_new_1d (PS_DTYPE_FLOAT32, out, NULL);
  ps_module_register (m, "running_var", rv, TRUE);
  ps_module_register (m, "lazy", NULL, FALSE);
  return m;
}

static void
test_shared_places_and_highlight (void)
{
  g_autoptr (PsModule) l = leaf ("L", 5, 10);
  g_autoptr (PsModule) other = leaf ("O", 2, 2);
  g_autoptr (PsModule) s = ps_module_new_container ("Sequential", NULL, NULL);
  ps_module_add_child (s, "0", l, NULL);
  ps_module_add_child (s, "1", other, NULL);
  ps_module_add_child (s, "2", l, NULL);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (s, "model");

  g_autofree char *dump = ps_tree_node_to_string (root);
  g_assert_cmpstr (dump, ==,
                   "model Sequential() 54 parameters + 2 uninitialized\n"
                   "  0 L() 50 parameters + 1 uninitialized [shared]\n"
                   "    weight Parameter [5, 10]\n"
                   "    lazy Parameter uninitialized\n"
                   "    running_var Buffer [5]\n"
                   "  1 O() 4 parameters + 1 uninitialized\n"
                   "    weight Parameter [2, 2]\n"
                   "    lazy Parameter uninitialized\n"
                   "    running_var Buffer [2]\n"
                   "  2 L() 50 parameters + 1 uninitialized [shared]\n"
                   "    weight Parameter [5, 10]\n"
                   "    lazy Parameter uninitialized\n"
                   "    running_var Buffer [5]\n");

  /* Selecting one place highlights both places and their members, nothing else. */
  guint n = ps_tree_node_highlight_module (root, l);
  g_assert_cmpuint (n, ==, 8);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_autoptr (PsTreeNode) first = g_list_model_get_item (kids, 0);
  g_autoptr (PsTreeNode) middle = g_list_model_get_item (kids, 1);
  g_autoptr (PsTreeNode) last = g_list_model_get_item (kids, 2);
  g_assert_true (ps_tree_node_get_highlight (first));
  g_assert_true (ps_tree_node_get_highlight (last));
  g_assert_false (ps_tree_node_get_highlight (middle));
  g_assert_false (ps_tree_node_get_highlight (root));
  g_assert_cmpuint (ps_tree_node_get_n_places (last), ==, 2);
  g_assert_cmpstr (ps_tree_node_get_path (last), ==, "2");
  g_assert_cmpuint (ps_tree_node_highlight_module (root, NULL), ==, 0);
  g_assert_false (ps_tree_node_get_highlight (first));
}

static void
test_leaves_have_no_children (void)
{
  g_autoptr (PsModule) l = leaf ("L", 1, 1);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (l, "l");
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_assert_cmpuint (g_list_model_get_n_items (kids), ==, 3);
  g_autoptr (PsTreeNode) w = g_list_model_get_item (kids, 0);
  g_assert_null (ps_tree_node_get_children (w));
  g_assert_cmpint (ps_tree_node_get_kind (w), ==, PS_TREE_NODE_PARAMETER);
  g_assert_cmpstr (ps_tree_node_get_path (w), ==, "weight");
  g_assert_false (ps_tree_node_get_shared (root));
}

/* Forward outputs: a group with one leaf per output, in order, with shapes; no group without outputs. */
static void
test_outputs_group (void)
{
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GHashTable) outputs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ps_tensor_unref);
  g_assert_null (ps_tree_node_new_outputs (names, outputs));
  g_ptr_array_add (names, "logits");
  g_ptr_array_add (names, "hidden");
  g_hash_table_insert (outputs, "logits", ps_tensor_new_2d (PS_DTYPE_FLOAT32, 8, 3, NULL));
  g_hash_table_insert (outputs, "hidden", ps_tensor_new_1d (PS_DTYPE_FLOAT32, 16, NULL));
  g_autoptr (PsTreeNode) group = ps_tree_node_new_outputs (names, outputs);
  g_assert_nonnull (group);
  g_assert_cmpint (ps_tree_node_get_kind (group), ==, PS_TREE_NODE_OUTPUTS);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (group);
  g_assert_cmpuint (g_list_model_get_n_items (kids), ==, 2);
  g_autoptr (PsTreeNode) first = g_list_model_get_item (kids, 0);
  g_assert_cmpint (ps_tree_node_get_kind (first), ==, PS_TREE_NODE_OUTPUT);
  g_assert_cmpstr (ps_tree_node_get_output_name (first), ==, "logits");
  g_assert_cmpstr (ps_tree_node_get_path (first), ==, "outputs/logits");
  g_assert_cmpstr (ps_tree_node_get_detail (first), ==, "[8, 3]");
  g_assert_true (ps_tree_node_get_tensor (first) == g_hash_table_lookup (outputs, "logits"));
  g_assert_null (ps_tree_node_get_param (first));
  g_assert_false (ps_tree_node_get_shared (first));
  g_assert_null (ps_tree_node_get_children (first));
  g_assert_null (ps_tree_node_get_output_name (group));
  g_autofree char *dump = ps_tree_node_to_string (group);
  g_assert_cmpstr (dump, ==, "Outputs Forward outputs 2 tensors\n  logits Output [8, 3]\n  hidden Output [16]\n");
  /* a name without a tensor is not listed, nor counted in the group's detail; only such names: no group */
  g_ptr_array_insert (names, 1, "missing");
  g_autoptr (PsTreeNode) listed = ps_tree_node_new_outputs (names, outputs);
  g_autofree char *listed_dump = ps_tree_node_to_string (listed);
  g_assert_cmpstr (listed_dump, ==, dump);
  g_autoptr (GPtrArray) only_missing = g_ptr_array_new ();
  g_ptr_array_add (only_missing, "missing");
  g_assert_null (ps_tree_node_new_outputs (only_missing, outputs));
}

/* Counts as people read them: one parameter (not "1 parameters"), thousands grouped (1,001,000 in
 * a locale without a separator of its own, as the plots write them). */
static void
test_counts_read_well (void)
{
  setlocale (LC_NUMERIC, "C");   /* no separator of its own: "," */
  g_autoptr (PsModule) one = ps_module_new_container ("Sequential", "One", NULL);
  g_autoptr (PsTensor) w1 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 1, 1, NULL);
  ps_module_register (one, "weight", w1, FALSE);
  g_autoptr (PsTreeNode) r1 = ps_tree_node_new_root (one, "one");
  g_autofree char *d1 = ps_tree_node_to_string (r1);
  g_assert_true (g_str_has_prefix (d1, "one One() 1 parameter\n"));
  g_autoptr (PsModule) big = ps_module_new_container ("Sequential", "Big", NULL);
  g_autoptr (PsTensor) w2 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 1000, 1001, NULL);
  ps_module_register (big, "weight", w2, FALSE);
  ps_module_register (big, "lazy", NULL, FALSE);
  g_autoptr (PsTreeNode) r2 = ps_tree_node_new_root (big, "big");
  g_autofree char *d2 = ps_tree_node_to_string (r2);
  g_assert_true (g_str_has_prefix (d2, "big Big() 1,001,000 parameters + 1 uninitialized\n"));
  static const struct { gint64 n; const char *text; } cases[] = {
    { 0, "0" }, { 7, "7" }, { 999, "999" }, { 1000, "1,000" }, { -1234567, "-1,234,567" },
    { G_MAXINT64, "9,223,372,036,854,775,807" }, { G_MININT64, "-9,223,372,036,854,775,808" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *t = ps_count_text (cases[i].n);
      g_assert_cmpstr (t, ==, cases[i].text);
    }
}

/* What the plot pages make of a node: its selection kind, and the name its figure looks the tensor
 * up by — the state_dict path ("0.weight") at one step, the module's recipe id ("fc1.weight")
 * across steps and for a module not in the model, an output by its name. */
static void
test_plot_names (void)
{
  PsState *state = ps_state_new (0, PS_FLAVOUR_AVX2, "model");
  PsModule *fc = leaf (NULL, 2, 3);
  ps_state_add_module (state, "fc1", fc);
  PsModule *model = ps_module_new_container ("Sequential", NULL, NULL);
  ps_module_add_child (model, "0", fc, NULL);
  ps_state_add_module (state, "model", model);
  PsModule *loose = leaf (NULL, 1, 1);
  ps_state_add_module (state, "spare", loose);
  g_assert_cmpint (ps_tree_node_get_plot_selection (NULL), ==, PS_PLOT_SELECTION_NONE);

  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (model, "model");
  g_assert_cmpint (ps_tree_node_get_plot_selection (root), ==, PS_PLOT_SELECTION_MODULE);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_autoptr (PsTreeNode) layer = g_list_model_get_item (kids, 0);
  g_autoptr (GListModel) members = ps_tree_node_get_children (layer);
  g_autoptr (PsTreeNode) weight = g_list_model_get_item (members, 0);
  g_assert_cmpstr (ps_tree_node_get_path (weight), ==, "0.weight");
  g_assert_cmpint (ps_tree_node_get_plot_selection (weight), ==, PS_PLOT_SELECTION_TENSOR);
  g_autofree char *stable = ps_tree_node_get_stable_path (weight);
  g_assert_cmpstr (stable, ==, "fc1.weight");
  g_autofree char *at_step = ps_tree_node_get_figure_path (weight, FALSE);
  g_assert_cmpstr (at_step, ==, "0.weight");
  g_autofree char *across = ps_tree_node_get_figure_path (weight, TRUE);
  g_assert_cmpstr (across, ==, "fc1.weight");

  /* a module not in the model: by its id even at one step */
  g_autoptr (PsTreeNode) objects = ps_tree_node_new_objects (state);
  g_assert_cmpint (ps_tree_node_get_plot_selection (objects), ==, PS_PLOT_SELECTION_OBJECTS);
  g_autoptr (GListModel) spares = ps_tree_node_get_children (objects);
  g_autoptr (PsTreeNode) spare = g_list_model_get_item (spares, 0);
  g_autoptr (GListModel) spare_members = ps_tree_node_get_children (spare);
  g_autoptr (PsTreeNode) spare_weight = g_list_model_get_item (spare_members, 0);
  g_assert_cmpstr (ps_tree_node_get_path (spare_weight), ==, "@spare.weight");
  g_autofree char *spare_path = ps_tree_node_get_figure_path (spare_weight, FALSE);
  g_assert_cmpstr (spare_path, ==, "spare.weight");

  /* outputs: the group, and one output by its name */
  g_autoptr (GPtrArray) names = g_ptr_array_new ();
  g_autoptr (GHashTable) outputs = g_hash_table_new_full (g_str_hash, g_str_equal, NULL, (GDestroyNotify) ps_tensor_unref);
  g_ptr_array_add (names, "logits");
  g_ptr_array_add (names, "a/b\\c:d");
  g_hash_table_insert (outputs, "logits", ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL));
  g_hash_table_insert (outputs, "a/b\\c:d", ps_tensor_new_1d (PS_DTYPE_FLOAT32, 2, NULL));
  g_autoptr (PsTreeNode) group = ps_tree_node_new_outputs (names, outputs);
  g_assert_cmpint (ps_tree_node_get_plot_selection (group), ==, PS_PLOT_SELECTION_OUTPUTS);
  g_autoptr (GListModel) outs = ps_tree_node_get_children (group);
  g_autoptr (PsTreeNode) logits = g_list_model_get_item (outs, 0);
  g_assert_cmpint (ps_tree_node_get_plot_selection (logits), ==, PS_PLOT_SELECTION_TENSOR);
  g_autofree char *out_path = ps_tree_node_get_figure_path (logits, TRUE);
  g_assert_cmpstr (out_path, ==, "logits");

  /* what an export offers to write */
  g_autofree char *root_name = ps_tree_node_export_name (root, 3, ".png");
  g_assert_cmpstr (root_name, ==, "model-step3.png");
  g_autofree char *weight_name = ps_tree_node_export_name (weight, 0, ".npy");
  g_assert_cmpstr (weight_name, ==, "0.weight-step0.npy");
  g_autofree char *out_name = ps_tree_node_export_name (logits, 12, ".csv");
  g_assert_cmpstr (out_name, ==, "logits-step12.csv");
  g_autoptr (PsTreeNode) odd = g_list_model_get_item (outs, 1);
  g_autofree char *odd_name = ps_tree_node_export_name (odd, 2, ".png");
  g_assert_cmpstr (odd_name, ==, "a-b-c-d-step2.png");   /* no folders, no drive letters */
  g_autofree char *none_name = ps_tree_node_export_name (NULL, 1, ".svg");
  g_assert_cmpstr (none_name, ==, "figure-step1.svg");

  ps_module_unref (fc);
  ps_module_unref (model);
  ps_module_unref (loose);
  ps_state_unref (state);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tree-node/shared-places-and-highlight", test_shared_places_and_highlight);
  g_test_add_func ("/tree-node/leaves", test_leaves_have_no_children);
  g_test_add_func ("/tree-node/outputs-group", test_outputs_group);
  g_test_add_func ("/tree-node/counts-read-well", test_counts_read_well);
  g_test_add_func ("/tree-node/plot-names", test_plot_names);
  return g_test_run ();
}
