/* What the Explain page says for a tree row (ps-explain-node), headless: nothing selected, the
 * outputs and objects groups, an output, a module (shared: at how many places) and a parameter. */
#include "ps-explain-node.h"
#include "ps-timeline.h"

#include <string.h>
#include "timeline-ops.h"

static void
assert_has (const char *text, const char *part)
{
  if (strstr (text, part) == NULL)
    g_error ("«%s» not in «%s»", part, text);
}

static void
test_kinds (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":3}}");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[\"fc\",\"fc\"]}");
  append (tl, "{\"op\":\"module\",\"id\":\"spare\",\"type\":\"ReLU\"}");
  append (tl, "{\"op\":\"forward\",\"target\":\"model\",\"input\":{\"randn\":[2,3]},\"name\":\"y\"}");
  PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));

  g_autofree char *nothing = ps_explain_node (NULL);
  g_assert_cmpstr (nothing, ==, "Select a parameter or a module in the tree.");

  g_autoptr (PsTreeNode) outputs = ps_tree_node_new_outputs (st->output_names, st->outputs);
  g_autofree char *group = ps_explain_node (outputs);
  g_assert_true (g_str_has_prefix (group, "The outputs of the forward passes so far, by name."));
  g_autoptr (GListModel) outs = ps_tree_node_get_children (outputs);
  g_autoptr (PsTreeNode) y = g_list_model_get_item (outs, 0);
  g_autofree char *out = ps_explain_node (y);
  g_autofree char *out_direct = ps_explain_output ("y", ps_state_get_output (st, "y"));
  g_assert_cmpstr (out, ==, out_direct);

  g_autoptr (PsTreeNode) objects = ps_tree_node_new_objects (st);
  g_autofree char *objs = ps_explain_node (objects);
  g_assert_true (g_str_has_prefix (objs, "Modules that exist but are not in the model (yet)."));

  /* the one Linear at two places: shared, and its explanation says so */
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_state_get_root (st), st->root);
  g_autoptr (GListModel) kids = ps_tree_node_get_children (root);
  g_autoptr (PsTreeNode) fc = g_list_model_get_item (kids, 0);
  g_autofree char *module = ps_explain_node (fc);
  assert_has (module, "Linear(in_features=3, out_features=3, bias=True)");
  assert_has (module, "appears at 2 places");
  g_autofree char *model = ps_explain_node (root);
  g_assert_null (strstr (model, "appears at"));

  g_autoptr (GListModel) fc_kids = ps_tree_node_get_children (fc);
  g_autoptr (PsTreeNode) w = g_list_model_get_item (fc_kids, 0);
  g_autofree char *param = ps_explain_node (w);
  assert_has (param, "0.weight — parameter\n");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain-node/kinds", test_kinds);
  return g_test_run ();
}
