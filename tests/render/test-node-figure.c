/* The main window's plot pages for a tree row (ps-node-figure), headless: the sentence instead of
 * a picture, the path a figure looks its tensor up by (state_dict path, stable id across steps, an
 * output's name), the figure's name and context, and Compare's small multiples (same-named
 * parameters, or one parameter at each step where it changed). */
#include "ps-node-figure.h"
#include "ps-timeline.h"

#include <string.h>
#include "timeline-ops.h"

/* model = Sequential(fc1 = Linear(3, 4), act = ReLU, fc2 = Linear(4, 2)); fc2 re-initialized at
 * step 8; y = model(randn(2, 3)) */
static PsTimeline *
model (void)
{
  PsTimeline *tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc1\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc1\"}");
  append (tl, "{\"op\":\"module\",\"id\":\"act\",\"type\":\"ReLU\"}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"1\",\"child\":\"act\"}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc2\",\"type\":\"Linear\",\"args\":{\"in_features\":4,\"out_features\":2}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"2\",\"child\":\"fc2\"}");
  append (tl, "{\"op\":\"init\",\"target\":\"model.2.weight\",\"fn\":\"zeros_\"}");
  append (tl, "{\"op\":\"forward\",\"target\":\"model\",\"input\":{\"randn\":[2,3]},\"name\":\"y\"}");
  return tl;
}

static PsTreeNode *
child (PsTreeNode *node, guint i)
{
  g_autoptr (GListModel) kids = ps_tree_node_get_children (node);
  return g_list_model_get_item (kids, i);
}

static void
options (PsFigureOptions *o, guint step)
{
  ps_figure_options_init (o);
  o->step = step;
}

static void
test_plan (void)
{
  g_autoptr (PsTimeline) tl = model ();
  PsState *st = ps_timeline_get_state (tl, 9);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_state_get_root (st), st->root);
  g_autoptr (PsTreeNode) fc1 = child (root, 0);
  g_autoptr (PsTreeNode) w = child (fc1, 0);
  char *path = (char *) "unchanged";

  /* nothing selected, a module: a sentence, no path */
  g_autofree char *none = ps_node_figure_plan (NULL, TRUE, -1, FALSE, &path);
  g_assert_cmpstr (none, ==, "Select a parameter or buffer in the tree to see its values.");
  g_assert_null (path);
  g_autofree char *module = ps_node_figure_plan (fc1, TRUE, -1, FALSE, &path);
  g_assert_true (g_str_has_prefix (module, "“0” is a module."));
  g_assert_null (path);

  /* a parameter: its state_dict path on one step, its stable id across steps */
  g_autofree char *ok = ps_node_figure_plan (w, TRUE, -1, FALSE, &path);
  g_assert_null (ok);
  g_assert_cmpstr (path, ==, "0.weight");
  g_free (path);
  g_autofree char *across = ps_node_figure_plan (w, TRUE, 5, TRUE, &path);
  g_assert_null (across);
  g_assert_cmpstr (path, ==, "fc1.weight");
  g_free (path);
  /* Difference from a step before the parameter existed: why not */
  g_autofree char *early = ps_node_figure_plan (w, TRUE, 1, TRUE, &path);
  g_assert_nonnull (strstr (early, "did not exist yet at step 1: it was created at step 2"));
  g_assert_null (path);

  /* an output: by its name */
  g_autoptr (PsTreeNode) outs = ps_tree_node_new_outputs (st->output_names, st->outputs);
  g_autoptr (PsTreeNode) y = child (outs, 0);
  g_autofree char *out = ps_node_figure_plan (y, TRUE, -1, FALSE, &path);
  g_assert_null (out);
  g_assert_cmpstr (path, ==, "y");
  g_free (path);
}

static void
test_figure (void)
{
  g_autoptr (PsTimeline) tl = model ();
  PsState *st = ps_timeline_get_state (tl, 9);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (ps_state_get_root (st), st->root);
  g_autoptr (PsTreeNode) fc1 = child (root, 0);
  g_autoptr (PsTreeNode) w = child (fc1, 0);
  PsFigureOptions o;
  options (&o, 9);
  g_autofree char *what = NULL, *context = NULL, *message = NULL;
  g_autoptr (PsFigure) fig = ps_node_figure_new (tl, w, "0.weight", &o, &what, &context, &message);
  g_assert_nonnull (fig);
  g_assert_null (message);
  g_assert_cmpstr (what, ==, "0.weight");
  g_assert_cmpstr (context, ==, "Step 9");
  g_assert_true (ps_tensor_equal (ps_figure_get_tensor (fig), ps_tree_node_get_tensor (w)));
  /* a path the state does not have: the figure's error, no figure */
  g_autofree char *what2 = NULL, *context2 = NULL, *message2 = NULL;
  g_assert_null (ps_node_figure_new (tl, w, "no.such", &o, &what2, &context2, &message2));
  g_assert_nonnull (message2);
  g_assert_null (what2);
}

static void
test_compare (void)
{
  g_autoptr (PsTimeline) tl = model ();
  PsState *st = ps_timeline_get_state (tl, 9);
  PsModule *r = ps_state_get_root (st);
  g_autoptr (PsTreeNode) root = ps_tree_node_new_root (r, st->root);
  g_autoptr (PsTreeNode) fc2 = child (root, 2);
  g_autoptr (PsTreeNode) w2 = child (fc2, 0);
  PsFigureOptions o;
  options (&o, 9);

  /* the weights of both Linears, side by side */
  g_autofree char *what = NULL, *context = NULL, *message = NULL;
  g_autoptr (PsFigure) same = ps_node_figure_compare (tl, r, w2, &o, FALSE, TRUE, &what, &context, &message);
  g_assert_nonnull (same);
  g_assert_cmpuint (ps_figure_get_n_parts (same), ==, 2);
  g_assert_cmpstr (what, ==, "2 parameters named weight");
  g_assert_cmpstr (context, ==, "Step 9");

  /* fc2's weight at each step where it changed: constructed (6), zeroed (8) */
  g_autofree char *what2 = NULL, *context2 = NULL, *message2 = NULL;
  g_autoptr (PsFigure) steps = ps_node_figure_compare (tl, r, w2, &o, TRUE, TRUE, &what2, &context2, &message2);
  g_assert_nonnull (steps);
  g_assert_cmpuint (ps_figure_get_n_parts (steps), ==, 2);
  g_assert_cmpstr (what2, ==, "2.weight at 2 steps");
  g_assert_cmpstr (context2, ==, "Each step where it changed");

  /* a module: not comparable */
  g_autofree char *what3 = NULL, *context3 = NULL, *message3 = NULL;
  g_assert_null (ps_node_figure_compare (tl, r, fc2, &o, FALSE, TRUE, &what3, &context3, &message3));
  g_assert_true (g_str_has_prefix (message3, "Select a parameter of the model: Compare shows it"));
  g_assert_null (what3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/node-figure/plan", test_plan);
  g_test_add_func ("/node-figure/figure", test_figure);
  g_test_add_func ("/node-figure/compare", test_compare);
  return g_test_run ();
}
