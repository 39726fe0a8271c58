/* The model tree's rules (ps-model-tree), headless: the count line under the tree, the row
 * selected when the selected one is gone, the row a new module selects. */
#include "ps-model-tree.h"
#include "ps-timeline.h"

#include "timeline-ops.h"

static PsState *
last (PsTimeline *tl)
{
  return ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
}

static void
test_count_text (void)
{
  g_autofree char *empty = ps_model_tree_count_text (NULL, FALSE);
  g_assert_true (g_str_has_prefix (empty, "No model yet: type a PyTorch line above (Ctrl+K)"));
  g_autofree char *objects = ps_model_tree_count_text (NULL, TRUE);
  g_assert_true (g_str_has_prefix (objects, "No model yet: the modules constructed so far are listed under"));

  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  g_autofree char *one = ps_model_tree_count_text (ps_state_get_root (last (tl)), FALSE);
  g_assert_cmpstr (one, ==, "16 parameters (shared ones counted once); the state dict lists 2 entries");
  append (tl, "{\"op\":\"module\",\"id\":\"lazy\",\"type\":\"LazyLinear\",\"args\":{\"out_features\":2}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"1\",\"child\":\"lazy\"}");
  g_autofree char *lazy = ps_model_tree_count_text (ps_state_get_root (last (tl)), FALSE);
  g_assert_cmpstr (lazy, ==, "16 parameters (shared ones counted once); the state dict lists 4 entries; 2 uninitialized (lazy)");
  /* one parameter, one entry: the singular */
  g_autoptr (PsTimeline) t1 = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (t1, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Linear\",\"args\":{\"in_features\":1,\"out_features\":1,\"bias\":false}}");
  g_autofree char *single = ps_model_tree_count_text (ps_state_get_root (last (t1)), FALSE);
  g_assert_cmpstr (single, ==, "1 parameter (shared ones counted once); the state dict lists 1 entry");
}

static void
test_default_path (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_assert_null (ps_model_tree_default_path (NULL, NULL));
  /* no model: the first module on its own, its first parameter with values */
  append (tl, "{\"op\":\"module\",\"id\":\"lazy\",\"type\":\"LazyLinear\",\"args\":{\"out_features\":2}}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  g_autoptr (PsTreeNode) objects = ps_tree_node_new_objects (last (tl));
  g_autofree char *none = ps_model_tree_default_path (NULL, objects);   /* the first object is lazy */
  g_assert_null (none);
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[\"lazy\",\"fc\"]}");
  g_autofree char *first = ps_model_tree_default_path (ps_state_get_root (last (tl)), NULL);
  g_assert_cmpstr (first, ==, "1.weight");   /* 0 is lazy: no values */

  g_autoptr (PsTimeline) t2 = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (t2, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  g_autoptr (PsTreeNode) objs = ps_tree_node_new_objects (last (t2));
  g_autofree char *object = ps_model_tree_default_path (NULL, objs);
  g_assert_cmpstr (object, ==, "@fc.weight");
}

static void
test_module_path (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  append (tl, "{\"op\":\"module\",\"id\":\"act\",\"type\":\"ReLU\"}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"1\",\"child\":\"act\"}");
  PsState *st = last (tl);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_state_get_root (st), st->root);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_autoptr (PsTreeNode) fc = g_list_model_get_item (kids, 0);
  g_autoptr (PsTreeNode) act = g_list_model_get_item (kids, 1);
  g_autofree char *p_root = ps_model_tree_module_path (root);
  g_autofree char *p_fc = ps_model_tree_module_path (fc);
  g_autofree char *p_act = ps_model_tree_module_path (act);
  g_assert_cmpstr (p_root, ==, "");          /* a container: its own row */
  g_assert_cmpstr (p_fc, ==, "0.weight");    /* a layer with parameters: the first one */
  g_assert_cmpstr (p_act, ==, "1");          /* no parameters: its row */
  /* the model itself a layer: its parameter's name alone */
  g_autoptr (PsTimeline) t1 = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (t1, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Linear\",\"args\":{\"in_features\":1,\"out_features\":1}}");
  PsState *s1 = last (t1);
  g_autoptr (PsTreeNode) lin = ps_tree_node_new_root (ps_state_get_root (s1), s1->root);
  g_autofree char *p_lin = ps_model_tree_module_path (lin);
  g_assert_cmpstr (p_lin, ==, "weight");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/model-tree/count-text", test_count_text);
  g_test_add_func ("/model-tree/default-path", test_default_path);
  g_test_add_func ("/model-tree/module-path", test_module_path);
  return g_test_run ();
}
