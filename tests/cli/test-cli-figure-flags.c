/* The values of the picture flags heatmap/histogram and animate/contact-sheet share: --colormap
 * (the render layer's names, ps_colormap_by_name) and --range. */
#include "ps-cli-private.h"

static void
test_colormap (void)
{
  g_autoptr (GError) error = NULL;
  PsColormapKind k = PS_COLORMAP_DIVERGING;
  g_assert_true (ps_cli_parse_colormap ("viridis", &k, &error));
  g_assert_no_error (error);
  g_assert_cmpint (k, ==, PS_COLORMAP_VIRIDIS);
  g_assert_true (ps_cli_parse_colormap ("grayscale", &k, &error));
  g_assert_cmpint (k, ==, PS_COLORMAP_GRAY);
  g_assert_true (ps_cli_parse_colormap ("diverging", &k, &error));
  g_assert_cmpint (k, ==, PS_COLORMAP_DIVERGING);
  g_assert_false (ps_cli_parse_colormap ("jet", &k, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "--colormap must be diverging, viridis or grayscale, got 'jet'");
  g_assert_cmpint (k, ==, PS_COLORMAP_DIVERGING);   /* unchanged */
}

static void
test_range (void)
{
  g_autoptr (GError) error = NULL;
  PsHeatmapRange r = PS_HEATMAP_RANGE_FIXED;
  g_assert_true (ps_cli_parse_range ("robust", &r, &error));
  g_assert_cmpint (r, ==, PS_HEATMAP_RANGE_ROBUST);
  g_assert_true (ps_cli_parse_range ("minmax", &r, &error));
  g_assert_cmpint (r, ==, PS_HEATMAP_RANGE_MINMAX);
  g_assert_true (ps_cli_parse_range ("symmetric", &r, &error));
  g_assert_cmpint (r, ==, PS_HEATMAP_RANGE_SYMMETRIC);
  g_assert_no_error (error);
  g_assert_false (ps_cli_parse_range ("wide", &r, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, "--range must be symmetric, robust or minmax, got 'wide'");
  g_assert_cmpint (r, ==, PS_HEATMAP_RANGE_SYMMETRIC);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/cli-figure-flags/colormap", test_colormap);
  g_test_add_func ("/cli-figure-flags/range", test_range);
  return g_test_run ();
}
