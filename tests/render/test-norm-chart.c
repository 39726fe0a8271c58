/* The norm chart (ps-norm-chart.c): one tensor's L2 norm and relative change over checkpoints,
 * gaps counted, cursor, hover, log axis for changes spanning more than 20×. Checked on pixels. */
#include <math.h>
#include <string.h>
#include "ps-norm-chart.h"
#include "ps-chart-axes.h"

static guint32
pixel (cairo_surface_t *s, double x, double y)
{
  cairo_surface_flush (s);
  int stride = cairo_image_surface_get_stride (s);
  const guint8 *d = cairo_image_surface_get_data (s);
  return *(const guint32 *) (d + (int) y * stride + 4 * (int) x);
}

static cairo_surface_t *
render (const PsNormChart *nc, int w, int h)
{
  cairo_surface_t *s = cairo_image_surface_create (CAIRO_FORMAT_ARGB32, w, h);
  cairo_t *cr = cairo_create (s);
  ps_norm_chart_draw (nc, cr, w, h);
  cairo_destroy (cr);
  return s;
}

static void
test_points_and_gaps (void)
{
  const int64_t steps[] = { 0, 1, 2, 3, 5 };
  const double norms[] = { 2.0, 2.5, NAN, 3.5, 4.0 };   /* missing at 2 */
  const double rel[] = { NAN, 0.4, NAN, NAN, 0.2 };
  PsNormChartOptions o;
  ps_norm_chart_options_init (&o);
  o.title = "fc.weight";
  o.x_title = "epoch";
  o.cursor = 4;
  PsNormChart nc = { steps, norms, rel, 5, &o };
  int W = 640, H = 480;
  cairo_surface_t *s = render (&nc, W, H);
  double x[5], y[5];
  for (guint i = 0; i < 5; i++)
    {
      gboolean placed = ps_norm_chart_point (&nc, W, H, 0, i, &x[i], &y[i]);
      g_assert_true (placed == !isnan (norms[i]));
      if (placed && i > 0 && i < 4)
        /* each point inside the frame is drawn in the norm colour (the first and last are on it) */
        g_assert_cmphex (pixel (s, x[i], y[i]) & 0xffffff, ==, PS_NORM_CHART_NORM_COLOR & 0xffffff);
    }
  /* larger norm = higher; x follows the epoch numbers (5 is twice as far from 3 as 1 from 0) */
  g_assert_cmpfloat (y[1], <, y[0]);
  g_assert_cmpfloat (y[4], <, y[3]);
  g_assert_cmpfloat (fabs ((x[4] - x[3]) - 2 * (x[1] - x[0])), <, 1.0);
  double rx, ry;
  g_assert_false (ps_norm_chart_point (&nc, W, H, 1, 0, &rx, &ry));   /* no change at the first */
  g_assert_true (ps_norm_chart_point (&nc, W, H, 1, 1, &rx, &ry));
  g_assert_cmphex (pixel (s, rx, ry) & 0xffffff, ==, PS_NORM_CHART_REL_COLOR & 0xffffff);
  g_assert_cmpfloat (ry, >, y[1]);   /* the lower panel */
  /* the gap between epoch 1 and 3 is not bridged: the midpoint of the segment is background */
  double mx = (x[1] + x[3]) / 2, my = (y[1] + y[3]) / 2;
  g_assert_cmphex (pixel (s, mx, my) & 0xffffff, !=, PS_NORM_CHART_NORM_COLOR & 0xffffff);
  /* … while a drawn segment is */
  g_assert_cmphex (pixel (s, (x[3] + x[4]) / 2, (y[3] + y[4]) / 2) & 0xffffff, ==,
                   PS_NORM_CHART_NORM_COLOR & 0xffffff);
  cairo_surface_destroy (s);

  /* hover: the nearest checkpoint, its values */
  guint idx = 99;
  g_assert_true (ps_norm_chart_hit (&nc, W, H, x[3] + 3, y[3], &idx));
  g_assert_cmpuint (idx, ==, 3);
  g_autofree char *q = ps_norm_chart_query (&nc, W, H, x[1], y[1]);
  g_assert_nonnull (strstr (q, "epoch 1"));
  g_assert_nonnull (strstr (q, "L2 norm 2.5"));
  g_assert_nonnull (strstr (q, "relative change 0.4"));
  g_assert_null (ps_norm_chart_query (&nc, W, H, 2, 2));
}

static void
test_log_axis (void)
{
  const int64_t steps[] = { 0, 1, 2, 3 };
  const double norms[] = { 1, 1, 1, 1 };
  const double small[] = { NAN, 0.5, 0.3, 0.2 };     /* within 20×: linear from 0 */
  const double wide[] = { NAN, 1.0, 0.01, 0.001 };   /* 1000×: log */
  PsNormChartOptions o;
  ps_norm_chart_options_init (&o);
  PsNormChart lin = { steps, norms, small, 4, &o };
  PsNormChart lg = { steps, norms, wide, 4, &o };
  double x, y1, y2, y3;
  g_assert_true (ps_norm_chart_point (&lg, 600, 400, 1, 1, &x, &y1));
  g_assert_true (ps_norm_chart_point (&lg, 600, 400, 1, 2, &x, &y2));
  g_assert_true (ps_norm_chart_point (&lg, 600, 400, 1, 3, &x, &y3));
  /* equal decades, equal distances */
  g_assert_cmpfloat (fabs ((y2 - y1) - 2 * (y3 - y2)), <, 1.0);
  g_assert_true (ps_norm_chart_point (&lin, 600, 400, 1, 1, &x, &y1));
  g_assert_true (ps_norm_chart_point (&lin, 600, 400, 1, 2, &x, &y2));
  g_assert_true (ps_norm_chart_point (&lin, 600, 400, 1, 3, &x, &y3));
  g_assert_cmpfloat (fabs ((y2 - y1) - 2 * (y3 - y2)), <, 1.0);   /* 0.5→0.3 is twice 0.3→0.2 */
  /* nothing at all still draws (empty panels) */
  PsNormChart none = { steps, norms, wide, 0, &o };
  cairo_surface_destroy (render (&none, 300, 200));
  cairo_surface_destroy (render (&lg, 40, 30));   /* too small for panels */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/norm-chart/points-and-gaps", test_points_and_gaps);
  g_test_add_func ("/norm-chart/log-axis", test_log_axis);
  return g_test_run ();
}
