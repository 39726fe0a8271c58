/* bench-colorize — colorizing a 4096×4096 float32 tensor into a 1024×1024 surface (4×4
 * max-magnitude pooling + LUT) against reading the tensor once (an OR-reduction over its
 * words, vectorized). Target: colorize <= 2× the read. Prints medians.
 *
 * Usage: bench-colorize [side] [target] [repeats] */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "ps-heatmap.h"
#include "bench-util.h"

#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
__attribute__ ((target ("avx2"))) static guint32
read_once_avx2 (const guint32 *x, gsize n)
{
  __m256i a = _mm256_setzero_si256 (), b = a;
  gsize i = 0;
  for (; i + 16 <= n; i += 16)
    {
      a = _mm256_or_si256 (a, _mm256_loadu_si256 ((const __m256i *) (x + i)));
      b = _mm256_or_si256 (b, _mm256_loadu_si256 ((const __m256i *) (x + i + 8)));
    }
  guint32 t[8];
  _mm256_storeu_si256 ((__m256i *) t, _mm256_or_si256 (a, b));
  guint32 r = 0;
  for (int k = 0; k < 8; k++)
    r |= t[k];
  for (; i < n; i++)
    r |= x[i];
  return r;
}
#endif

static guint32
read_once (const guint32 *x, gsize n)
{
#if defined(__x86_64__) && defined(__GNUC__)
  if (__builtin_cpu_supports ("avx2"))
    return read_once_avx2 (x, n);
#endif
  guint32 r = 0;
  for (gsize i = 0; i < n; i++)
    r |= x[i];
  return r;
}

int
main (int argc, char **argv)
{
  int64_t side = argc > 1 ? atoi (argv[1]) : 4096;
  int64_t target = argc > 2 ? atoi (argv[2]) : 1024;
  int reps = argc > 3 ? atoi (argv[3]) : 9;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, side, side, &error);
  guint64 s = 1;
  float *x = ps_tensor_f32 (t);
  for (int64_t i = 0; i < t->numel; i++)
    {
      s = s * 6364136223846793005ull + 1442695040888963407ull;
      x[i] = (float) (((double) (s >> 40) * 0x1.0p-24 - 0.5) * 0.1);
    }
  PsHeatmapGrid g;
  ps_heatmap_grid_of (t, &g);
  int64_t k = (side + target - 1) / target;
  const PsColormap *cm = ps_colormap_get (PS_COLORMAP_DIVERGING);
  double *tr = g_new (double, reps), *tc = g_new (double, reps), *tn = g_new (double, reps);
  int64_t side_out = (side + k - 1) / k;
  cairo_surface_t *dst = cairo_image_surface_create (CAIRO_FORMAT_RGB24, side_out, side_out);
  guint32 sink = 0;
  for (int r = 0; r < reps; r++)
    {
      gint64 t0 = g_get_monotonic_time ();
      sink ^= read_once ((const guint32 *) x, (gsize) t->numel);
      gint64 t1 = g_get_monotonic_time ();
      tr[r] = (t1 - t0) / 1e3;
      t0 = g_get_monotonic_time ();
      if (!ps_heatmap_colorize_into (dst, t, &g, NULL, k, k, cm, -0.05, 0.05))
        return 1;
      t1 = g_get_monotonic_time ();
      tc[r] = (t1 - t0) / 1e3;
      sink ^= *(guint32 *) cairo_image_surface_get_data (dst);
      t0 = g_get_monotonic_time ();
      cairo_surface_t *img = ps_heatmap_colorize (t, &g, NULL, k, k, cm, -0.05, 0.05);
      t1 = g_get_monotonic_time ();
      tn[r] = (t1 - t0) / 1e3;
      sink ^= *(guint32 *) cairo_image_surface_get_data (img);
      cairo_surface_destroy (img);
    }
  qsort (tr, reps, sizeof (double), cmp_double);
  qsort (tc, reps, sizeof (double), cmp_double);
  qsort (tn, reps, sizeof (double), cmp_double);
  printf ("tensor %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT " float32 (%.0f MiB) -> %" G_GINT64_FORMAT
          "x%" G_GINT64_FORMAT " surface (pooling %" G_GINT64_FORMAT "x%" G_GINT64_FORMAT "), %d repeats\n",
          side, side, side * side * 4.0 / (1 << 20), (side + k - 1) / k, (side + k - 1) / k, k, k, reps);
  printf ("read once (OR-reduction)  median %7.2f ms\n", tr[reps / 2]);
  printf ("colorize into a surface  median %7.2f ms   ratio %.2fx (target <= 2x)\n", tc[reps / 2],
          tc[reps / 2] / tr[reps / 2]);
  printf ("colorize into a new surface median %7.2f ms (includes the kernel's first touch of %"
          G_GINT64_FORMAT " fresh pixels)\n", tn[reps / 2], side_out * side_out);
  printf ("(sink %08x)\n", sink);
  cairo_surface_destroy (dst);
  g_free (tn);
  g_free (tr);
  g_free (tc);
  return 0;
}
