/* bench-gelu — GELU(approximate='none') forward and backward on a 4096×4096 float32 tensor the way
 * torch 1.13 runs them: oneDNN's eltwise_gelu_erf through libdnnl (ps-onednn.h), with torch's
 * intra-op thread count. The forward is the module call, the backward ps_onednn_gelu_backward, each
 * with its output allocated in the timed region (as torch allocates it). Prints medians and a hash of both results;
 * bench/bench_gelu_torch.py runs this and torch in the same run and prints ratios.
 *
 * Usage: bench-gelu [repeats] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ps-module.h"
#include "ps-onednn.h"
#include "ps-threads.h"
#include "bench-util.h"

int
main (int argc, char **argv)
{
  int reps = argc > 1 ? atoi (argv[1]) : 11;
  if (reps < 1)
    reps = 1;
  g_autoptr (GError) error = NULL;
  /* torch.manual_seed(0); x = torch.randn(4096, 4096); gy = torch.randn(4096, 4096) */
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  int64_t shape[2] = { 4096, 4096 };
  g_autoptr (PsTensor) x = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, shape, &error);
  g_autoptr (PsTensor) gy = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, shape, &error);
  ps_generator_normal_f32 (&gen, ps_tensor_f32 (x), (size_t) x->numel, 0.0, 1.0, TRUE);
  ps_generator_normal_f32 (&gen, ps_tensor_f32 (gy), (size_t) gy->numel, 0.0, 1.0, TRUE);
  g_autoptr (PsModule) m = ps_module_new ("GELU", NULL, &gen, &error);
  if (m == NULL)
    {
      fprintf (stderr, "%s\n", error->message);
      return 1;
    }
  double *tf = g_new (double, reps), *tb = g_new (double, reps);
  guint64 hf = 0, hb = 0;
  for (int r = -2; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
      gint64 t1 = g_get_monotonic_time ();
      g_autoptr (PsTensor) gx = ps_tensor_new_empty (PS_DTYPE_FLOAT32, 2, shape, &error);
      if (y == NULL || gx == NULL || !ps_onednn_gelu_backward (2, shape, ps_tensor_cf32 (gy), ps_tensor_cf32 (x),
                                                 ps_tensor_f32 (gx), &error))
        {
          fprintf (stderr, "%s\n", error->message);
          return 1;
        }
      gint64 t2 = g_get_monotonic_time ();
      if (r >= 0)
        {
          tf[r] = (double) (t1 - t0) / 1000.0;
          tb[r] = (double) (t2 - t1) / 1000.0;
        }
      if (r == 0)
        {
          hf = bits_hash (ps_tensor_cf32 (y), (gsize) y->numel);
          hb = bits_hash (ps_tensor_cf32 (gx), (gsize) gx->numel);
        }
    }
  printf ("paramscope GELU 4096x4096  forward median %8.3f ms  backward median %8.3f ms  (intra-op threads %d, "
          "oneDNN ISA %s)\n", median (tf, reps), median (tb, reps), ps_threads_intra_op (), ps_onednn_isa ());
  printf ("RESULT fwd_ms=%.4f bwd_ms=%.4f fwd_hash=%016" G_GINT64_MODIFIER "x bwd_hash=%016" G_GINT64_MODIFIER "x\n",
          median (tf, reps), median (tb, reps), hf, hb);
  g_free (tf);
  g_free (tb);
  return 0;
}
