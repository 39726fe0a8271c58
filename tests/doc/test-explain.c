/* The Explain and Difference texts (ps-explain), headless: exactly what the app shows beside the plots. */
#include "ps-explain.h"

#include <string.h>
#include "timeline-ops.h"

#define assert_has(text, part) G_STMT_START { \
  if (strstr ((text), (part)) == NULL) \
    g_error ("“%s” not in:\n%s", (part), (text)); } G_STMT_END

static void
test_texts (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  append (tl, "{\"op\":\"forward\",\"target\":\"model\",\"input\":{\"randn\":[2,3]},\"name\":\"y\"}");
  PsState *st = ps_timeline_get_state (tl, 4);
  PsParam *w = NULL;
  PsModule *fc = NULL;
  g_assert_true (ps_state_resolve (st, "model.0.weight", &fc, &w, NULL));

  g_autofree char *pt = ps_explain_param ("0.weight", w);
  assert_has (pt, "0.weight — parameter\n");
  assert_has (pt, "shape [4, 3], float32\n");
  assert_has (pt, "created at step 2");
  assert_has (pt, "kaiming_uniform_(");
  assert_has (pt, "fan_in = 3, fan_out = 4\n");
  assert_has (pt, "count 12 ");
  assert_has (pt, "expected std ");

  g_autofree char *mt = ps_explain_module (fc, 1);
  assert_has (mt, "Linear(in_features=3, out_features=4, bias=True)\n\n16 parameters — training mode\n");
  g_assert_null (strstr (mt, "Shared"));
  g_autofree char *shared = ps_explain_module (fc, 2);
  assert_has (shared, "appears at 2 places");

  g_autofree char *ot = ps_explain_output ("y", ps_state_get_output (st, "y"));
  assert_has (ot, "y — forward output\nshape [2, 4], float32\n\ncount 8 ");

  g_autofree char *same = ps_explain_changes (tl, 4, 4);
  assert_has (same, "Comparing step 4 with itself");
  g_autofree char *nothing = ps_explain_changes (tl, 2, 3);   /* attach: no value changed */
  assert_has (nothing, "Nothing changed between step 2 and step 3.");
  g_autofree char *added = ps_explain_changes (tl, 1, 2);
  assert_has (added, "2 tensors differ between step 1 and step 2:");
  assert_has (added, "fc.weight (added)");
}

/* The story panel's text at each step of the article's example 2: the teaching note and what the
 * step did; at step 0 the recipe's description and what to do next. */
static void
test_story (void)
{
  g_autofree char *path = g_test_build_filename (G_TEST_DIST, "..", "examples", "article-2-custom-init.json", NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_file (path, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, NULL);
  g_autofree char *h0 = NULL, *b0 = NULL, *h1 = NULL, *b1 = NULL, *h4 = NULL, *b4 = NULL;
  ps_explain_story (tl, 0, &h0, &b0);
  g_assert_cmpstr (h0, ==, "Step 0 of 5");
  assert_has (b0, "A custom init loop overwrites the defaults");
  assert_has (b0, "torch.manual_seed(0).");
  ps_explain_story (tl, 1, &h1, &b1);
  g_assert_cmpstr (h1, ==, "Step 1 of 5");
  assert_has (b1, "self.linear1 = nn.Linear(10, 5): default kaiming_uniform_ init, drawn now.\n");
  assert_has (b1, "linear1");
  ps_explain_story (tl, 4, &h4, &b4);
  assert_has (b4, "for m in self.modules()");
  assert_has (b4, "xavier_uniform_");
  /* an empty document says how to begin */
  g_autoptr (PsTimeline) empty = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autofree char *he = NULL, *be = NULL;
  ps_explain_story (empty, 0, &he, &be);
  assert_has (be, "Type a PyTorch line (Ctrl+K), add a layer");
}

/* Errors say "Step N" (as the title and timeline do), not "op N (kind)", and no JSON field names. */
static void
test_error_text (void)
{
  static const struct { const char *in, *out; } cases[] = {
    { "op 5 (forward): mat1 and mat2 shapes cannot be multiplied (1x10 and 5x2)",
      "Step 5: mat1 and mat2 shapes cannot be multiplied (1x10 and 5x2)" },
    { "op 2 (module): field 'args': Linear: in_features must be positive", "Step 2: Linear: in_features must be positive" },
    { "Could not open x.json: No such file", "Could not open x.json: No such file" },
    { "op x: odd", "op x: odd" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      g_autofree char *t = ps_explain_error (cases[i].in);
      g_assert_cmpstr (t, ==, cases[i].out);
    }
}

/* What a plot page says instead of a picture (the main window's update_plot asks this). */
static void
test_plot_message (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":4}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  append (tl, "{\"op\":\"module\",\"id\":\"lazy\",\"type\":\"LazyLinear\",\"args\":{\"out_features\":2}}");
  PsState *st = ps_timeline_get_state (tl, 4);
  PsParam *w = NULL, *lw = NULL;
  PsModule *m = NULL;
  g_assert_true (ps_state_resolve (st, "model.0.weight", &m, &w, NULL));
  g_assert_true (ps_state_resolve (st, "lazy.weight", &m, &lw, NULL));
  g_assert_cmpint (w->created_step, ==, 2);
  g_assert_null (lw->value);

  g_autofree char *none = ps_explain_plot_message (PS_PLOT_SELECTION_NONE, NULL, NULL, FALSE, -1);
  g_assert_true (g_str_has_prefix (none, "No model yet.\nType a PyTorch line (Ctrl+K)"));
  g_autofree char *pick = ps_explain_plot_message (PS_PLOT_SELECTION_NONE, NULL, NULL, TRUE, -1);
  g_assert_cmpstr (pick, ==, "Select a parameter or buffer in the tree to see its values.");
  g_autofree char *outs = ps_explain_plot_message (PS_PLOT_SELECTION_OUTPUTS, NULL, NULL, TRUE, -1);
  g_assert_cmpstr (outs, ==, "Select one of the outputs to see its values.");
  g_autofree char *objs = ps_explain_plot_message (PS_PLOT_SELECTION_OBJECTS, NULL, NULL, TRUE, -1);
  g_assert_cmpstr (objs, ==, "Select a parameter of one of these modules to see its values.");
  g_autofree char *mod = ps_explain_plot_message (PS_PLOT_SELECTION_MODULE, "fc", NULL, TRUE, -1);
  g_assert_cmpstr (mod, ==, "“fc” is a module.\nSelect one of its parameters (e.g. its weight) to see values.");
  g_autofree char *lazy = ps_explain_plot_message (PS_PLOT_SELECTION_TENSOR, "lazy.weight", lw, TRUE, 0);
  g_assert_true (g_str_has_prefix (lazy, "Uninitialized (lazy): "));
  /* a parameter with values: drawn; on the Difference page only when it existed at the step subtracted */
  g_assert_null (ps_explain_plot_message (PS_PLOT_SELECTION_TENSOR, "fc.weight", w, TRUE, -1));
  g_assert_null (ps_explain_plot_message (PS_PLOT_SELECTION_TENSOR, "fc.weight", w, TRUE, 2));
  g_autofree char *later = ps_explain_plot_message (PS_PLOT_SELECTION_TENSOR, "fc.weight", w, TRUE, 1);
  g_assert_cmpstr (later, ==, "fc.weight did not exist yet at step 1: it was created at step 2.\n"
                              "Choose a later step under “Shown step minus” to compare.");
  /* an output (no parameter): drawn */
  g_assert_null (ps_explain_plot_message (PS_PLOT_SELECTION_TENSOR, NULL, NULL, TRUE, 0));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/explain/texts", test_texts);
  g_test_add_func ("/explain/story", test_story);
  g_test_add_func ("/explain/error-text", test_error_text);
  g_test_add_func ("/explain/plot-message", test_plot_message);
  return g_test_run ();
}
