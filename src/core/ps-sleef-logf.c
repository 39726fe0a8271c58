/* ps-sleef-logf.c — Sleef 3.5.1's xlogf_u1 (Sleef_logf8_u10avx2, what ATen's
 * Vectorized<float>::log() calls) in scalar C. log_softmax and the BCE losses depend on its exact
 * bits: glibc's logf differs on ~1 % of inputs.
 *
 * m = d·2^-e in [0.75, 1.5), x = (m − 1)/(m + 1) as a double-float, log d = e·ln2 + 2x + x³·P(x²)
 * with the double-float helpers of Sleef's df.h in their FMA form. */
#include "ps-sleef.h"

#include <math.h>
#include <stdint.h>
#include <string.h>

typedef struct { float x, y; } Df;

static inline float
bits_f (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

static inline uint32_t
f_bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static inline Df
df_add2_ff (float x, float y)
{
  float s = x + y;
  float v = s - x;
  return (Df) { s, (x - (s - v)) + (y - v) };
}

static inline Df
df_add_dfdf (Df x, Df y)   /* |x| >= |y| */
{
  float s = x.x + y.x;
  return (Df) { s, (((x.x - s) + y.x) + x.y) + y.y };
}

static inline Df
df_add_dff (Df x, float y)
{
  float s = x.x + y;
  return (Df) { s, ((x.x - s) + y) + x.y };
}

static inline Df
df_mul_dff (Df x, float y)
{
  float s = x.x * y;
  return (Df) { s, fmaf (x.y, y, fmaf (x.x, y, -s)) };
}

static inline Df
df_div (Df n, Df d)
{
  float t = 1.0f / d.x;
  float s = n.x * t;
  float u = fmaf (t, n.x, -s);
  float v = fmaf (-d.y, t, fmaf (-d.x, t, 1.0f));
  return (Df) { s, fmaf (s, v, fmaf (n.y, t, u)) };
}

PS_FMA_CLONES float
ps_sleef_logf (float d)
{
  const float flt_min = 1.17549435e-38f;
  int o = d < flt_min;
  if (o)
    d = d * (18446744073709551616.0f);   /* 2^64 */
  float d0 = d;
  int32_t e = (int32_t) ((f_bits (d * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
  float m = bits_f (f_bits (d) + (uint32_t) ((uint32_t) (-e) << 23));
  if (o)
    e -= 64;
  Df s = df_mul_dff ((Df) { 0.69314718246459960938f, -1.904654323148236017e-09f }, (float) e);
  Df x = df_div (df_add2_ff (-1.0f, m), df_add2_ff (1.0f, m));
  float x2 = x.x * x.x;
  float t = 0.3027294874e+0f;
  t = fmaf (t, x2, 0.3996108174e+0f);
  t = fmaf (t, x2, 0.6666694880e+0f);
  s = df_add_dfdf (s, (Df) { x.x * 2.0f, x.y * 2.0f });
  s = df_add_dff (s, (x2 * x.x) * t);
  float r = s.x + s.y;
  if (isinf (d0) && d0 > 0)
    r = INFINITY;
  if (d0 < 0.0f || isnan (d0))
    r = NAN;
  if (d0 == 0.0f)
    r = -INFINITY;
  return r;
}
