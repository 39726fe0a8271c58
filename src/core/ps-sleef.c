/* ps-sleef.c — see ps-sleef.h. */
#include "ps-sleef.h"
#include "ps-cpu.h"
#include "ps-threads.h"

#include <math.h>
#include <sleef.h>
#include <stdint.h>
#include <string.h>

/* sleef.h declares the FMA variants only when this file is compiled with FMA enabled
 * (FP_FAST_FMA); libsleef.so.3 always exports them, and they are only called when the CPU has FMA. */
#ifndef FP_FAST_FMA
float Sleef_expf1_u10purecfma (float);
float Sleef_tanhf1_u10purecfma (float);
float Sleef_logf1_u10purecfma (float);
float Sleef_log1pf1_u10purecfma (float);
float Sleef_erff1_u10purecfma (float);
#endif

static inline float
f32_bits (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

static inline uint32_t
u32_bits (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

gboolean
ps_sleef_available (void)
{
  return (ps_cpu_hw_features () & PS_CPU_FMA) != 0;
}

float
ps_sleef_expf (float x)
{
  return ps_sleef_available () ? Sleef_expf1_u10purecfma (x) : ps_sleef_expf_port (x);
}

float
ps_sleef_tanhf (float x)
{
  return ps_sleef_available () ? Sleef_tanhf1_u10purecfma (x) : ps_sleef_tanhf_port (x);
}

float
ps_sleef_logf (float x)
{
  return ps_sleef_available () ? Sleef_logf1_u10purecfma (x) : ps_sleef_logf_port (x);
}

float
ps_sleef_log1pf (float x)
{
  return ps_sleef_available () ? Sleef_log1pf1_u10purecfma (x) : log1pf (x);
}

float
ps_sleef_erff (float x)
{
  return ps_sleef_available () ? Sleef_erff1_u10purecfma (x) : erff (x);
}

/* ---------- whole arrays, as ATen's vec::map ----------
 *
 * ATen's Vectorized<float>::tanh() is Sleef_tanhf8_u10 in the AVX2 build and Sleef_tanhf16_u10 in
 * the AVX512 one (the dispatchers of the same libsleef.so.3, which pick the ISA variant as they do
 * for torch); vec::map runs the last partial vector on a zero-filled copy. Which build runs is
 * ATen's capability (ps-threads.h), checked against this CPU (the dispatchers would otherwise pick
 * a variant without FMA). Elsewhere: the element-by-element functions above. */
#if defined(__x86_64__) && defined(__GNUC__) && !defined(__clang__)
#define PS_SLEEF_VECTOR 1
#pragma GCC push_options
#pragma GCC target ("avx2,fma")
#include <immintrin.h>
__m256 Sleef_tanhf8_u10 (__m256);

static void
tanhf_map8 (const float *in, float *out, int64_t n)
{
  int64_t i = 0;
  for (; i + 8 <= n; i += 8)
    _mm256_storeu_ps (out + i, Sleef_tanhf8_u10 (_mm256_loadu_ps (in + i)));
  if (i < n)
    {
      float buf[8] = { 0 };
      memcpy (buf, in + i, (size_t) (n - i) * sizeof (float));
      _mm256_storeu_ps (buf, Sleef_tanhf8_u10 (_mm256_loadu_ps (buf)));
      memcpy (out + i, buf, (size_t) (n - i) * sizeof (float));
    }
}
#pragma GCC pop_options

#pragma GCC push_options
#pragma GCC target ("avx512f,fma")
__m512 Sleef_tanhf16_u10 (__m512);

static void
tanhf_map16 (const float *in, float *out, int64_t n)
{
  int64_t i = 0;
  for (; i + 16 <= n; i += 16)
    _mm512_storeu_ps (out + i, Sleef_tanhf16_u10 (_mm512_loadu_ps (in + i)));
  if (i < n)
    {
      float buf[16] = { 0 };
      memcpy (buf, in + i, (size_t) (n - i) * sizeof (float));
      _mm512_storeu_ps (buf, Sleef_tanhf16_u10 (_mm512_loadu_ps (buf)));
      memcpy (out + i, buf, (size_t) (n - i) * sizeof (float));
    }
}
#pragma GCC pop_options
#endif

/* 0: element by element, 8: AVX2 (f8), 16: AVX512 (f16) */
static int
vector_width (void)
{
  static gsize once = 0;
  static int width = 0;
  if (g_once_init_enter (&once))
    {
#ifdef PS_SLEEF_VECTOR
      const guint hw = ps_cpu_features ();
      const char *cap = ps_threads_aten_capability ();
      const gboolean fma = (hw & (PS_CPU_AVX2 | PS_CPU_FMA)) == (PS_CPU_AVX2 | PS_CPU_FMA);
      if (fma && strcmp (cap, "AVX512") == 0 && (hw & PS_CPU_AVX512F))
        width = 16;
      else if (fma && strcmp (cap, "AVX2") == 0)
        width = 8;
#endif
      g_once_init_leave (&once, 1);
    }
  return width;
}

void
ps_sleef_tanhf_map (const float *in, float *out, int64_t n)
{
#ifdef PS_SLEEF_VECTOR
  switch (vector_width ())
    {
    case 16:
      tanhf_map16 (in, out, n);
      return;
    case 8:
      tanhf_map8 (in, out, n);
      return;
    default:
      break;
    }
#endif
  for (int64_t i = 0; i < n; i++)
    out[i] = ps_sleef_tanhf (in[i]);
}

/* ---------- scalar ports ---------- */

/* Sleef's expf (xexpf, the u10 variant ATen's Vectorized<float>::exp() calls on AVX2), in scalar
 * form: q = rint(d/ln2), Cody–Waite reduction and a degree-6 polynomial with fused steps, then
 * ldexp by two powers of two. */
float
ps_sleef_expf_port (float d)
{
  const float r_ln2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  const float l2u = 0.693145751953125f, l2l = 1.428606765330187045e-06f;
  float qd = d * r_ln2;
  /* cvtps2dq: round to nearest even; NaN and out-of-range give the "integer indefinite" */
  int32_t q = (isnan (qd) || fabsf (qd) >= 2147483648.0f) ? INT32_MIN : (int32_t) lrintf (qd);
  float qf = (float) q;
  float s = fmaf (qf, -l2u, d);
  s = fmaf (qf, -l2l, s);
  float u = 0.000198527617612853646278381f;
  u = fmaf (u, s, 0.00139304355252534151077271f);
  u = fmaf (u, s, 0.00833336077630519866943359f);
  u = fmaf (u, s, 0.0416664853692054748535156f);
  u = fmaf (u, s, 0.166666671633720397949219f);
  u = fmaf (u, s, 0.5f);
  u = 1.0f + fmaf (s * s, u, s);
  int32_t h = q >> 1;   /* arithmetic shift, as vsra */
  u = u * f32_bits ((uint32_t) (h + 0x7f) << 23);
  u = u * f32_bits ((uint32_t) (q - h + 0x7f) << 23);
  if (d < -104.0f)
    u = 0.0f;
  if (100.0f < d)
    u = INFINITY;
  return u;
}


/* Sleef 3.5.1's tanhf (xtanhf, what Vectorized<float>::tanh() calls on AVX2 through
 * Sleef_tanhf8_u10): tanh|x| = (e − 1/e)/(e + 1/e) with e = exp|x| in double-float arithmetic
 * (df.h, FMA flavour), then the sign. Ported in scalar form; bit-exact against torch on the
 * golden inputs. */
typedef struct {
  float x, y;   /* value = x + y, |y| ≤ ulp(x)/2 */
} Df;

static inline Df
df_add2_f (Df x, float y)
{
  Df r;
  r.x = x.x + y;
  float v = r.x - x.x;
  r.y = (x.x - (r.x - v)) + (y - v);
  r.y = r.y + x.y;
  return r;
}

static inline Df
df_add2 (Df x, Df y)
{
  Df r;
  r.x = x.x + y.x;
  float v = r.x - x.x;
  r.y = (x.x - (r.x - v)) + (y.x - v);
  r.y = r.y + (x.y + y.y);
  return r;
}

static inline Df
df_add (Df x, Df y)   /* |x| ≥ |y| */
{
  Df r;
  r.x = x.x + y.x;
  r.y = (((x.x - r.x) + y.x) + x.y) + y.y;
  return r;
}

static inline Df
df_add_f_df (float x, Df y)
{
  Df r;
  r.x = x + y.x;
  r.y = ((x - r.x) + y.x) + y.y;
  return r;
}

static inline Df
df_mul_f (Df x, float y)
{
  Df r;
  r.x = x.x * y;
  r.y = fmaf (x.y, y, fmaf (x.x, y, -r.x));
  return r;
}

static inline Df
df_mul (Df x, Df y)
{
  Df r;
  r.x = x.x * y.x;
  r.y = fmaf (x.x, y.y, fmaf (x.y, y.x, fmaf (x.x, y.x, -r.x)));
  return r;
}

static inline Df
df_squ (Df x)
{
  Df r;
  r.x = x.x * x.x;
  r.y = fmaf (x.x + x.x, x.y, fmaf (x.x, x.x, -r.x));
  return r;
}

static inline Df
df_div (Df n, Df d)
{
  Df q;
  float t = 1.0f / d.x;
  q.x = n.x * t;
  float u = fmaf (t, n.x, -q.x);
  q.y = fmaf (-d.y, t, fmaf (-d.x, t, 1.0f));
  q.y = fmaf (q.x, q.y, fmaf (n.y, t, u));
  return q;
}

static inline Df
df_rec (Df d)
{
  Df q;
  q.x = 1.0f / d.x;
  q.y = q.x * fmaf (-d.y, q.x, fmaf (-d.x, q.x, 1.0f));
  return q;
}

static inline int32_t
cvt_rint (float f)   /* cvtps2dq */
{
  return (isnan (f) || fabsf (f) >= 2147483648.0f) ? INT32_MIN : (int32_t) lrintf (f);
}

static inline float
ldexp2_f (float d, int32_t e)   /* Sleef's vldexp2: two exact power-of-two scalings */
{
  int32_t h = e >> 1;
  d = d * f32_bits ((uint32_t) (h + 0x7f) << 23);
  return d * f32_bits ((uint32_t) (e - h + 0x7f) << 23);
}

static Df
sleef_expk2f (Df d)
{
  const float r_ln2 = 1.442695040888963407359924681001892137426645954152985934135449406931f;
  const float l2u = 0.693145751953125f, l2l = 1.428606765330187045e-06f;
  int32_t q = cvt_rint ((d.x + d.y) * r_ln2);
  Df s = df_add2_f (d, (float) q * -l2u);
  s = df_add2_f (s, (float) q * -l2l);
  float u = +0.1980960224e-3f;
  u = fmaf (u, s.x, +0.1394256484e-2f);
  u = fmaf (u, s.x, +0.8333456703e-2f);
  u = fmaf (u, s.x, +0.4166637361e-1f);
  Df t = df_add2_f (df_mul_f (s, u), +0.166666659414234244790680580464e+0f);
  t = df_add2_f (df_mul (s, t), 0.5f);
  t = df_add2 (s, df_mul (df_squ (s), t));
  t = df_add_f_df (1.0f, t);
  t.x = ldexp2_f (t.x, q);
  t.y = ldexp2_f (t.y, q);
  if (d.x < -104.0f)
    t.x = t.y = 0.0f;
  return t;
}

float
ps_sleef_tanhf_port (float x)
{
  Df d = sleef_expk2f ((Df) { fabsf (x), 0.0f });
  Df e = df_rec (d);
  d = df_div (df_add (d, (Df) { -e.x, -e.y }), df_add (d, e));
  float y = d.x + d.y;
  if (fabsf (x) > 8.664339742f || isnan (y))
    y = 1.0f;
  y = f32_bits (u32_bits (y) ^ (u32_bits (x) & 0x80000000u));   /* vmulsign */
  if (isnan (x))
    y = f32_bits (0xffffffffu);
  return y;
}


/* Sleef 3.5.1's logf (xlogf_u1, what Vectorized<float>::log() calls on AVX2 through
 * Sleef_logf8_u10): m = d·2^-e in [0.75, 1.5), x = (m − 1)/(m + 1) as a double-float,
 * log d = e·ln2 + 2x + x³·P(x²), with the double-float helpers above (df.h, FMA flavour). */
static inline Df
df_add2_ff (float x, float y)
{
  Df r;
  r.x = x + y;
  float v = r.x - x;
  r.y = (x - (r.x - v)) + (y - v);
  return r;
}

static inline Df
df_add_df_f (Df x, float y)
{
  Df r;
  r.x = x.x + y;
  r.y = ((x.x - r.x) + y) + x.y;
  return r;
}

PS_FMA_CLONES float
ps_sleef_logf_port (float d)
{
  const float flt_min = 1.17549435e-38f;
  int o = d < flt_min;
  if (o)
    d = d * (18446744073709551616.0f);   /* 2^64 */
  float d0 = d;
  int32_t e = (int32_t) ((u32_bits (d * (1.0f / 0.75f)) >> 23) & 0xff) - 0x7f;
  float m = f32_bits (u32_bits (d) + (uint32_t) ((uint32_t) (-e) << 23));
  if (o)
    e -= 64;
  Df s = df_mul_f ((Df) { 0.69314718246459960938f, -1.904654323148236017e-09f }, (float) e);
  Df x = df_div (df_add2_ff (-1.0f, m), df_add2_ff (1.0f, m));
  float x2 = x.x * x.x;
  float t = 0.3027294874e+0f;
  t = fmaf (t, x2, 0.3996108174e+0f);
  t = fmaf (t, x2, 0.6666694880e+0f);
  s = df_add (s, (Df) { x.x * 2.0f, x.y * 2.0f });
  s = df_add_df_f (s, (x2 * x.x) * t);
  float r = s.x + s.y;
  if (isinf (d0) && d0 > 0)
    r = INFINITY;
  if (d0 < 0.0f || isnan (d0))
    r = NAN;
  if (d0 == 0.0f)
    r = -INFINITY;
  return r;
}
