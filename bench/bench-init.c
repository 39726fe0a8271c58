/* bench-init.c — kaiming_uniform_ and normal_ on a 4096×4096 float32 tensor.
 *
 * Prints one JSON line per function: median/min wall time over the repetitions and a hash of
 * the result's bits after the first repetition from manual_seed(0), so the driver
 * (bench/bench_init_torch.py) can check that torch produced the very same bits.
 * Usage: bench-init [reps] [rows] [cols] [flavour] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ps-init.h"
#include "bench-util.h"

int
main (int argc, char **argv)
{
  int reps = argc > 1 ? atoi (argv[1]) : 11;
  int64_t rows = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 4096;
  int64_t cols = argc > 3 ? g_ascii_strtoll (argv[3], NULL, 10) : 4096;
  PsFlavour flavour = PS_FLAVOUR_AVX2;
  if (argc > 4 && !ps_flavour_from_name (argv[4], &flavour, NULL))
    return 2;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, rows, cols, &error);
  if (t == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  const char *fns[] = { "kaiming_uniform_", "normal_" };
  for (gsize k = 0; k < G_N_ELEMENTS (fns); k++)
    {
      g_autofree double *times = g_new (double, reps);
      uint64_t hash = 0;
      PsGenerator gen;
      ps_generator_init (&gen, 0, flavour);
      for (int r = 0; r < reps; r++)
        {
          gint64 t0 = g_get_monotonic_time ();
          if (!ps_init_apply (t, fns[k], NULL, &gen, NULL, &error))
            {
              fprintf (stderr, "%s\n", error->message);
              return 1;
            }
          times[r] = (g_get_monotonic_time () - t0) / 1e3;
          if (r == 0)
            hash = bits_hash (ps_tensor_cf32 (t), (size_t) t->numel);
        }
      qsort (times, reps, sizeof (double), cmp_double);
      printf ("{\"fn\": \"%s\", \"rows\": %" G_GINT64_FORMAT ", \"cols\": %" G_GINT64_FORMAT
              ", \"flavour\": \"%s\", \"median_ms\": %.3f, \"min_ms\": %.3f, \"bits_hash\": \"%016" G_GINT64_MODIFIER "x\"}\n",
              fns[k], rows, cols, ps_flavour_name (flavour), times[reps / 2], times[0], hash);
    }
  return 0;
}
