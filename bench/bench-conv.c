/* bench-conv — Conv2d(64 → 64, 3×3, padding 1) forward on an (8, 64, 56, 56) input: the module call
 * as the app runs it (output allocation, then torch 1.13's backend: at this size oneDNN through
 * libdnnl, set up as torch/ideep does it, with torch's intra-op thread count). Prints the median;
 * bench/bench_conv_torch.py runs this program and torch's nn.Conv2d on the same seed in the same run
 * and prints the ratio (target ≤ 1.0×) and a hash of both outputs (bit-identical when both run the
 * same libdnnl with the same ISA and thread count); with a third argument the output is written
 * there (raw float32) for the script to compare.
 *
 * Usage: bench-conv [repeats] [batch] [out.f32] */
#include <stdio.h>
#include <stdlib.h>
#include "ps-module.h"
#include "ps-ops.h"
#include "bench-util.h"

int
main (int argc, char **argv)
{
  int reps = argc > 1 ? atoi (argv[1]) : 10;
  int64_t batch = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 8;
  const char *dump = argc > 3 ? argv[3] : NULL;
  if (reps < 1)
    reps = 1;
  g_autoptr (GError) error = NULL;

  /* torch.manual_seed(0); m = nn.Conv2d(64, 64, 3, padding=1); x = torch.randn(batch, 64, 56, 56) */
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "in_channels", 64);
  ps_args_set_int (args, "out_channels", 64);
  ps_args_set_int (args, "kernel_size", 3);
  ps_args_set_int (args, "padding", 1);
  g_autoptr (PsModule) m = ps_module_new ("Conv2d", args, &gen, &error);
  if (m == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  int64_t shape[4] = { batch, 64, 56, 56 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, &error);
  if (x == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  ps_generator_normal_f32 (&gen, ps_tensor_f32 (x), (size_t) x->numel, 0.0, 1.0, TRUE);

  double *t = g_new (double, reps);
  for (int r = -2; r < reps; r++)   /* two warm-up calls start OpenBLAS's threads */
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
      gint64 t1 = g_get_monotonic_time ();
      if (y == NULL)
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      if (r >= 0)
        t[r] = (double) (t1 - t0) / 1000.0;
      if (r == 0 && dump != NULL)
        {
          FILE *f = fopen (dump, "wb");
          if (f == NULL || fwrite (y->data, 1, ps_tensor_nbytes (y), f) != ps_tensor_nbytes (y))
            {
              fprintf (stderr, "cannot write %s\n", dump);
              return 1;
            }
          fclose (f);
        }
    }
  qsort (t, (size_t) reps, sizeof (double), cmp_double);
  double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
  double gflops = 2.0 * (double) batch * 64 * 56 * 56 * 64 * 9 / (med * 1e6);
  printf ("paramscope Conv2d(64->64, 3x3, pad 1) x(%" G_GINT64_FORMAT ", 64, 56, 56)  median %8.3f ms  min %8.3f ms"
          "  %.1f GFLOP/s  (OpenBLAS threads %d)\n", batch, med, t[0], gflops, ps_ops_blas_threads ());
  printf ("RESULT median_ms=%.4f min_ms=%.4f\n", med, t[0]);
  g_free (t);
  return 0;
}
