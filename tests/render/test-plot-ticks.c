/* Histogram count ticks: whole counts only. For a small parameter (a bias of 5 values) the y axis
 * used to read 0, 1, 1, 2, 2 … because ticks every 0.5 were rounded to counts. */
#include "ps-plot.h"
#include "ps-histogram-plot.h"

#include <math.h>

static void
test_small_counts (void)
{
  for (int hi = 1; hi <= 12; hi++)
    for (int max_ticks = 3; max_ticks <= 12; max_ticks++)
      {
        double ticks[PS_PLOT_MAX_TICKS], step;
        int n = ps_plot_count_ticks (hi, max_ticks, ticks, &step);
        g_assert_cmpint (n, >=, 2);
        g_assert_cmpint (n, <=, MAX (max_ticks, 2) + 1);
        g_assert_cmpfloat (ticks[0], ==, 0);
        for (int i = 0; i < n; i++)
          {
            g_assert_cmpfloat (ticks[i], ==, floor (ticks[i]));   /* a whole count */
            if (i > 0)
              g_assert_cmpfloat (ticks[i], >, ticks[i - 1]);    /* no label twice */
          }
        g_assert_cmpfloat (ticks[n - 1] + step, >=, hi);          /* the top is covered */
      }
  /* the histogram asks for its top count × 1.08: no tick above that (a "5" was drawn over the
   * subtitle for counts <= 4) */
  for (int top = 1; top <= 40; top++)
    for (int max_ticks = 3; max_ticks <= 12; max_ticks++)
      {
        double ticks[PS_PLOT_MAX_TICKS], step, hi = top * 1.08;
        int n = ps_plot_count_ticks (hi, max_ticks, ticks, &step);
        g_assert_cmpint (n, >=, 2);
        g_assert_cmpfloat (ticks[n - 1], <=, hi);
        g_assert_cmpfloat (ticks[n - 1] + step, >=, hi);
      }
  /* large counts keep the nice ticks */
  double ticks[PS_PLOT_MAX_TICKS], step;
  int n = ps_plot_count_ticks (1000, 6, ticks, &step);
  g_assert_cmpfloat (step, ==, 200);
  g_assert_cmpint (n, ==, 6);
}

/* The drawn histogram of 4 values with counts 1..3 (a bias): its count labels are 0, 1, 2, 3 (or a
 * subset) and every one lies inside the plot frame, at every plot size. */
static void
test_histogram_labels (void)
{
  for (int top = 1; top <= 4; top++)
    {
      PsHistogram *h = ps_histogram_new (4, 0, 1, PS_DTYPE_FLOAT32, NULL);
      g_assert_nonnull (h);
      for (int b = 0; b < 4; b++)
        h->counts[b] = MIN (b + 1, top);
      PsHistogramPlotOptions o;
      ps_histogram_plot_options_init (&o);
      o.title = "0.bias";
      o.subtitle = "step 1 · 4 values";
      PsHistogramPlot p = { h, &o };
      for (double height = 200; height <= 900; height += 35)
        {
          double ticks[PS_PLOT_MAX_TICKS], ys[PS_PLOT_MAX_TICKS], y0, y1;
          int n = ps_histogram_plot_y_ticks (&p, 640, height, ticks, ys, &y0, &y1);
          g_assert_cmpint (n, >=, 2);
          g_assert_cmpfloat (ticks[0], ==, 0);
          for (int i = 0; i < n; i++)
            {
              g_assert_cmpfloat (ticks[i], <=, top);
              g_assert_cmpfloat (ticks[i], ==, floor (ticks[i]));
              g_assert_cmpfloat (ys[i], >=, y0 - 0.5);
              g_assert_cmpfloat (ys[i], <=, y1 + 0.5);
            }
          g_assert_cmpfloat (ticks[n - 1], >=, top - 1);     /* the top is labelled near it */
        }
      ps_histogram_free (h);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot/count-ticks", test_small_counts);
  g_test_add_func ("/plot/histogram-count-labels", test_histogram_labels);
  return g_test_run ();
}
