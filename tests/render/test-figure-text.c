/* What a figure page says to assistive technologies (ps-figure-text), headless: the name from the
 * page and the figure, the numbers of one tensor (shape, count, range, mean, std) with their
 * context, and the figure's title for small multiples. */
#include "ps-figure-text.h"
#include "ps-timeline.h"

#include "timeline-ops.h"

static void
test_texts (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  append (tl, "{\"op\":\"module\",\"id\":\"model\",\"type\":\"Sequential\",\"children\":[]}");
  append (tl, "{\"op\":\"module\",\"id\":\"fc\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":2}}");
  append (tl, "{\"op\":\"attach\",\"parent\":\"model\",\"name\":\"0\",\"child\":\"fc\"}");
  append (tl, "{\"op\":\"init\",\"target\":\"model.0.weight\",\"fn\":\"ones_\"}");
  append (tl, "{\"op\":\"init\",\"target\":\"model.0.bias\",\"fn\":\"zeros_\"}");
  PsFigureOptions o;
  ps_figure_options_init (&o);
  o.step = 5;
  g_autoptr (PsFigure) w = ps_figure_new (tl, "0.weight", &o, NULL);
  g_assert_nonnull (w);
  g_autofree char *label = NULL, *description = NULL;
  ps_figure_text (w, "Heatmap", "fc.weight", "Step 5", &label, &description);
  g_assert_cmpstr (label, ==, "Heatmap of fc.weight");
  g_assert_cmpstr (description, ==, "Step 5: shape [2, 3], 6 values from 1 to 1, mean 1, std 0");

  /* no context, no name: the figure's title names it */
  g_autoptr (PsFigure) b = ps_figure_new (tl, "0.bias", &o, NULL);
  g_autofree char *label2 = NULL, *description2 = NULL;
  ps_figure_text (b, NULL, NULL, NULL, &label2, &description2);
  g_autofree char *want = g_strdup_printf (" of %s", ps_figure_get_title (b));
  g_assert_cmpstr (label2, ==, want);
  g_assert_cmpstr (description2, ==, "shape [2], 2 values from 0 to 0, mean 0, std 0");

  /* several tensors: their figure's title */
  const char *paths[] = { "0.weight", "0.bias" };
  g_autoptr (PsFigure) many = ps_figure_new_multiples (tl, paths, 2, &o, TRUE, NULL);
  g_assert_nonnull (many);
  g_autofree char *label3 = NULL, *description3 = NULL;
  ps_figure_text (many, "Compare", "2 parameters", "Step 5", &label3, &description3);
  g_autofree char *want3 = g_strdup_printf ("Step 5: %s", ps_figure_get_title (many));
  g_assert_cmpstr (label3, ==, "Compare of 2 parameters");
  g_assert_cmpstr (description3, ==, want3);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/figure-text/texts", test_texts);
  return g_test_run ();
}
