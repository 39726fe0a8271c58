/* ps-erfinv.c — see ps-erfinv.h. */
#include "ps-erfinv.h"

#include <math.h>

static const float erfinv_a[4] = { 0.886226899f, -1.645349621f, 0.914624893f, -0.140543331f };
static const float erfinv_b[4] = { -2.118377725f, 1.442710462f, -0.329097515f, 0.012229801f };
static const float erfinv_c[4] = { -1.970840454f, -1.624906493f, 3.429567803f, 1.641345311f };
static const float erfinv_d[2] = { 3.543889200f, 1.637067800f };

/* p*z + q with or without the contraction GCC applied in torch's AVX2 build. */
static inline float
horner (gboolean fused, float p, float z, float q)
{
  return fused ? fmaf (p, z, q) : p * z + q;
}

float
ps_erfinv_f32 (float y, PsFlavour flavour)
{
  const gboolean f = flavour == PS_FLAVOUR_AVX2;
  const float *a = erfinv_a, *b = erfinv_b, *c = erfinv_c, *d = erfinv_d;
  float y_abs = fabsf (y);
  if (y_abs > 1.0f)
    return NAN;
  if (y_abs == 1.0f)
    return copysignf (INFINITY, y);

  float x, z, num, dem;
  if (y_abs <= 0.7f)
    {
      z = y * y;
      num = horner (f, horner (f, horner (f, a[3], z, a[2]), z, a[1]), z, a[0]);
      dem = horner (f, horner (f, horner (f, horner (f, b[3], z, b[2]), z, b[1]), z, b[0]), z, 1.0f);
      x = y * num;
      x = x / dem;
    }
  else
    {
      z = sqrtf (-logf ((1.0f - y_abs) / 2.0f));
      num = horner (f, horner (f, horner (f, c[3], z, c[2]), z, c[1]), z, c[0]);
      dem = horner (f, horner (f, d[1], z, d[0]), z, 1.0f);
      x = copysignf (num, y) / dem;
    }
  /* two Newton steps; K = 2.0f / (float) sqrt(pi) is a float division as in the template */
  const float k = 2.0f / (float) sqrt (M_PI);
  x = x - (erff (x) - y) / (k * expf (-x * x));
  x = x - (erff (x) - y) / (k * expf (-x * x));
  return x;
}
