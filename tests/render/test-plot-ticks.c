/* Histogram count ticks: whole counts only. For a small parameter (a bias of 5 values) the y axis
 * used to read 0, 1, 1, 2, 2 … because ticks every 0.5 were rounded to counts. */
#include "ps-plot.h"

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
  /* large counts keep the nice ticks */
  double ticks[PS_PLOT_MAX_TICKS], step;
  int n = ps_plot_count_ticks (1000, 6, ticks, &step);
  g_assert_cmpfloat (step, ==, 200);
  g_assert_cmpint (n, ==, 6);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/plot/count-ticks", test_small_counts);
  return g_test_run ();
}
