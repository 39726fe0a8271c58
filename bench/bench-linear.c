/* bench-linear — Linear(4096 → 4096) forward on a (256, 4096) input: the module call as the app
 * runs it (output allocation, bias pre-fill, OpenBLAS sgemm with ATen's arguments). Prints the
 * median and an FNV-1a hash of the output bits; bench/bench_linear_torch.py runs this program and
 * torch's nn.Linear on the same seed in the same run, and prints the ratio (target ≤ 1.05×) and
 * whether the outputs are bit-identical.
 *
 * Usage: bench-linear [batch] [in] [out] [repeats]  */
#include <stdio.h>
#include <stdlib.h>
#include "ps-module.h"
#include "ps-ops.h"
#include "bench-util.h"

int
main (int argc, char **argv)
{
  int64_t batch = argc > 1 ? g_ascii_strtoll (argv[1], NULL, 10) : 256;
  int64_t in = argc > 2 ? g_ascii_strtoll (argv[2], NULL, 10) : 4096;
  int64_t out = argc > 3 ? g_ascii_strtoll (argv[3], NULL, 10) : 4096;
  int reps = argc > 4 ? atoi (argv[4]) : 15;
  if (reps < 1)
    reps = 1;
  g_autoptr (GError) error = NULL;

  /* torch.manual_seed(0); m = nn.Linear(in, out); x = torch.empty(batch, in).uniform_(-1, 1) */
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "in_features", in);
  ps_args_set_int (args, "out_features", out);
  g_autoptr (PsModule) m = ps_module_new ("Linear", args, &gen, &error);
  if (m == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, batch, in, &error);
  if (x == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  ps_generator_uniform_f32 (&gen, ps_tensor_f32 (x), (size_t) x->numel, -1.0, 1.0);

  double *t = g_new (double, reps);
  guint64 hash = 0;
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
      if (r == 0)
        {
          hash = 0xcbf29ce484222325ull;
          const guint8 *p = y->data;
          for (gsize i = 0; i < ps_tensor_nbytes (y); i++)
            hash = (hash ^ p[i]) * 0x100000001b3ull;
        }
    }
  qsort (t, (size_t) reps, sizeof (double), cmp_double);
  double med = reps % 2 ? t[reps / 2] : 0.5 * (t[reps / 2 - 1] + t[reps / 2]);
  double gflops = 2.0 * (double) batch * (double) in * (double) out / (med * 1e6);
  printf ("paramscope Linear(%" G_GINT64_FORMAT "->%" G_GINT64_FORMAT ") x(%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT
          ")  median %8.3f ms  min %8.3f ms  %.1f GFLOP/s  (OpenBLAS threads %d)\n",
          in, out, batch, in, med, t[0], gflops, ps_ops_blas_threads ());
  printf ("RESULT median_ms=%.4f min_ms=%.4f hash=%016" G_GINT64_MODIFIER "x\n", med, t[0], hash);
  g_free (t);
  return 0;
}
