/* bench-stats — statistics + a 256-bin histogram of 64M float32 values in one pass, against one
 * memcpy of the same bytes (target: <= 1.5x). Prints medians; bench/bench_stats_numpy.py runs
 * this program and numpy.histogram on the same data and prints the ratio (target: >= 5x).
 *
 * Usage: bench-stats [n_elements] [repeats]  */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <math.h>
#include "ps-stats.h"
#include "ps-histogram.h"
#include "bench-util.h"

int
main (int argc, char **argv)
{
  gsize n = argc > 1 ? g_ascii_strtoull (argv[1], NULL, 10) : (gsize) 64 << 20;
  int reps = argc > 2 ? atoi (argv[2]) : 7;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, &error);
  g_autoptr (PsTensor) dst = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, &error);
  if (t == NULL || dst == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  /* Sum of 4 uniforms: a bell shape in [-2, 2), like an init. Same recipe in the numpy script. */
  guint64 s = 12345;
  float *x = ps_tensor_f32 (t);
  for (gsize i = 0; i < n; i++)
    {
      double acc = 0;
      for (int k = 0; k < 4; k++)
        {
          s = s * 6364136223846793005ull + 1442695040888963407ull;
          acc += (double) (s >> 40) * 0x1.0p-24;
        }
      x[i] = (float) (acc - 2.0);
    }
  memset (ps_tensor_f32 (dst), 0, n * 4);

  double *tm = g_new (double, reps), *ts = g_new (double, reps), *th = g_new (double, reps),
         *tf = g_new (double, reps);
  PsStats st;
  int64_t check = 0;
  for (int r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      memcpy (ps_tensor_f32 (dst), x, n * 4);
      gint64 t1 = g_get_monotonic_time ();
      tm[r] = (t1 - t0) / 1e3;

      t0 = g_get_monotonic_time ();
      PsHistogram *h = ps_histogram_new (256, -2.0, 2.0, PS_DTYPE_FLOAT32, &error);
      ps_stats_init (&st);
      ps_histogram_add_with_stats (h, t, &st, &error);
      ps_stats_finish (&st);
      t1 = g_get_monotonic_time ();
      tf[r] = (t1 - t0) / 1e3;
      check += h->counts[128];
      ps_histogram_free (h);

      t0 = g_get_monotonic_time ();
      ps_stats_compute (t, &st);
      t1 = g_get_monotonic_time ();
      ts[r] = (t1 - t0) / 1e3;

      t0 = g_get_monotonic_time ();
      h = ps_histogram_compute (t, 256, -2.0, 2.0, &error);
      t1 = g_get_monotonic_time ();
      th[r] = (t1 - t0) / 1e3;
      ps_histogram_free (h);
    }
  double mm = median (tm, reps), mf = median (tf, reps), ms = median (ts, reps),
         mh = median (th, reps);
  printf ("n=%" G_GSIZE_FORMAT " (%.0f MiB) repeats=%d\n", n, n * 4.0 / (1 << 20), reps);
  printf ("memcpy                      median %8.2f ms\n", mm);
  printf ("stats only                  median %8.2f ms\n", ms);
  printf ("histogram only (256 bins)   median %8.2f ms\n", mh);
  printf ("stats + histogram, one pass median %8.2f ms   ratio to memcpy %.2fx (target <= 1.5x)\n",
          mf, mf / mm);
  printf ("mean %.6f std %.6f (check %" G_GINT64_FORMAT ")\n", st.mean, st.std, check);
  printf ("RESULT fused_ms=%.3f memcpy_ms=%.3f\n", mf, mm);
  g_free (tm); g_free (ts); g_free (th); g_free (tf);
  return 0;
}
