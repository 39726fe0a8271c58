/* ps-rng-kernels.c — mt19937 block generation, uniform and normal fills (see ps-rng-kernels.h).
 *
 * Written as scalar C that GCC/Clang auto-vectorize. On x86-64 each public kernel has a second copy
 * compiled with target("avx2,fma") and chosen once at run time: the arithmetic is the same IEEE
 * operations in the same order (fmaf is exact on any ISA), so both copies give identical bits; the
 * AVX2 copy turns each fmaf into one instruction instead of a libm call and runs 8 lanes at once. */
#include "ps-rng-kernels.h"
#include "ps-cpu.h"

#include <float.h>
#include <math.h>
#include <string.h>

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#define PS_HAVE_X86_CLONES 1
#define PS_ALWAYS_INLINE static inline __attribute__ ((always_inline))
#else
#define PS_HAVE_X86_CLONES 0
#define PS_ALWAYS_INLINE static inline
#endif

#define MT_M 397
#define MT_MATRIX_A 0x9908b0dfu
#define MT_UPPER 0x80000000u
#define MT_LOWER 0x7fffffffu

static inline uint32_t
f2u (float f)
{
  uint32_t u;
  memcpy (&u, &f, sizeof u);
  return u;
}

static inline float
u2f (uint32_t u)
{
  float f;
  memcpy (&f, &u, sizeof f);
  return f;
}

/* ---- mt19937 ------------------------------------------------------------------------------ */

PS_ALWAYS_INLINE uint32_t
mt_twist1 (uint32_t u, uint32_t v)
{
  /* at::mt19937::twist, branch-free: (mixbits(u, v) >> 1) ^ (v & 1 ? MATRIX_A : 0) */
  return (((u & MT_UPPER) | (v & MT_LOWER)) >> 1) ^ ((0u - (v & 1u)) & MT_MATRIX_A);
}

PS_ALWAYS_INLINE uint32_t
mt_temper1 (uint32_t y)
{
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

PS_ALWAYS_INLINE void
twist_body (uint32_t *s)
{
  /* Same recurrence and order as next_state(). i < 227 reads the old s[i + 397]; from 227 on it
   * reads s[i - 227], written 227 iterations earlier — both loops have no short dependence. */
  for (int i = 0; i < PS_MT_N - MT_M; i++)
    s[i] = s[i + MT_M] ^ mt_twist1 (s[i], s[i + 1]);
  for (int i = PS_MT_N - MT_M; i < PS_MT_N - 1; i++)
    s[i] = s[i + MT_M - PS_MT_N] ^ mt_twist1 (s[i], s[i + 1]);
  s[PS_MT_N - 1] = s[MT_M - 1] ^ mt_twist1 (s[PS_MT_N - 1], s[0]);
}

PS_ALWAYS_INLINE void
temper_body (const uint32_t *restrict w, uint32_t *restrict out, size_t n)
{
  for (size_t i = 0; i < n; i++)
    out[i] = mt_temper1 (w[i]);
}

/* ---- uniform ------------------------------------------------------------------------------ */

PS_ALWAYS_INLINE void
uniform_body (const uint32_t *restrict w, float *restrict out, size_t n, float from, float range,
              PsFlavour flavour)
{
  /* (float)(r & 0xFFFFFF) * 2^-24 is exact; only the affine step differs between flavours. */
  if (flavour == PS_FLAVOUR_AVX2)
    for (size_t i = 0; i < n; i++)
      {
        float x = (float) (int32_t) (mt_temper1 (w[i]) & 0xFFFFFFu) * 0x1p-24f;
        out[i] = fmaf (x, range, from);
      }
  else
    for (size_t i = 0; i < n; i++)
      {
        float x = (float) (int32_t) (mt_temper1 (w[i]) & 0xFFFFFFu) * 0x1p-24f;
        out[i] = x * range + from;
      }
}

/* ---- avx_mathfun, one lane ------------------------------------------------------------------ */

/* Float roundings of the decimal constants in ATen/native/cpu/avx_mathfun.h. */
#define AM_SQRTHF 0x1.6a09e6p-1f
#define AM_LOG_P0 0x1.204376p-4f
#define AM_LOG_P1 -0x1.d7a370p-4f
#define AM_LOG_P2 0x1.de4a34p-4f
#define AM_LOG_P3 -0x1.fcba9ep-4f
#define AM_LOG_P4 0x1.23d37ep-3f
#define AM_LOG_P5 -0x1.555ca0p-3f
#define AM_LOG_P6 0x1.999d58p-3f
#define AM_LOG_P7 -0x1.fffff8p-3f
#define AM_LOG_P8 0x1.555554p-2f
#define AM_LOG_Q1 -0x1.bd0106p-13f
#define AM_LOG_Q2 0x1.63p-1f
#define AM_FOPI 0x1.45f306p+0f
#define AM_MDP1 -0x1.92p-1f
#define AM_MDP2 -0x1.fb4p-13f
#define AM_MDP3 -0x1.4442d2p-25f
#define AM_SIN_P0 -0x1.9943f2p-13f
#define AM_SIN_P1 0x1.11073cp-7f
#define AM_SIN_P2 -0x1.555546p-3f
#define AM_COS_P0 0x1.99eb9cp-16f
#define AM_COS_P1 -0x1.6c0c34p-10f
#define AM_COS_P2 0x1.55554ap-5f
#define AM_TWO_PI 0x1.921fb6p+2f     /* (float)(2.0 * pi) */

/* log256_ps. The fmaf calls are exactly where GCC contracted the intrinsic sequence when it
 * compiled torch's AVX2 kernel; every other product is rounded on its own. */
PS_ALWAYS_INLINE float
am_log (float x)
{
  uint32_t invalid = (x <= 0.0f) ? 0xffffffffu : 0u;
  x = (x > FLT_MIN) ? x : FLT_MIN;                        /* _mm256_max_ps(x, min_norm_pos) */
  uint32_t bits = f2u (x);
  int32_t imm0 = (int32_t) (bits >> 23) - 0x7f;
  x = u2f ((bits & ~0x7f800000u) | 0x3f000000u);         /* mantissa in [0.5, 1) */
  float e = (float) imm0 + 1.0f;
  int lt = x < AM_SQRTHF;
  float tmp = lt ? x : 0.0f;
  x = x - 1.0f;
  e = e - (lt ? 1.0f : 0.0f);
  x = x + tmp;
  float z = x * x;
  float y = AM_LOG_P0;
  y = fmaf (y, x, AM_LOG_P1);
  y = fmaf (y, x, AM_LOG_P2);
  y = fmaf (y, x, AM_LOG_P3);
  y = fmaf (y, x, AM_LOG_P4);
  y = fmaf (y, x, AM_LOG_P5);
  y = fmaf (y, x, AM_LOG_P6);
  y = fmaf (y, x, AM_LOG_P7);
  y = fmaf (y, x, AM_LOG_P8);
  y = y * x;
  y = fmaf (y, z, e * AM_LOG_Q1);
  y = y - z * 0.5f;
  x = x + y;
  x = fmaf (e, AM_LOG_Q2, x);
  return u2f (f2u (x) | invalid);
}

/* sincos256_ps. */
PS_ALWAYS_INLINE void
am_sincos (float xin, float *s, float *c)
{
  uint32_t xb = f2u (xin);
  uint32_t sign_sin = xb & 0x80000000u;
  float x = u2f (xb & 0x7fffffffu);
  float yq = x * AM_FOPI;
  /* cvttps2dq: truncation, and 0x80000000 for out-of-range or NaN; clamped first so the
   * conversion is always defined (and the lane stays branch-free) */
  int32_t j = (int32_t) ((yq < 2147483648.0f) ? yq : -2147483648.0f);
  j = (int32_t) (((uint32_t) j + 1u) & ~1u);
  float y = (float) j;
  uint32_t swap_sign_sin = ((uint32_t) j & 4u) << 29;
  int poly = ((uint32_t) j & 2u) == 0;
  x = fmaf (y, AM_MDP1, x);
  x = fmaf (y, AM_MDP2, x);
  x = fmaf (y, AM_MDP3, x);
  uint32_t sign_cos = (~((uint32_t) j - 2u) & 4u) << 29;
  sign_sin ^= swap_sign_sin;
  float z = x * x;
  float yc = fmaf (fmaf (AM_COS_P0, z, AM_COS_P1), z, AM_COS_P2) * z;
  yc = fmaf (yc, z, -(z * 0.5f));
  yc = yc + 1.0f;
  float ys = fmaf (fmaf (AM_SIN_P0, z, AM_SIN_P1), z, AM_SIN_P2) * z;
  ys = fmaf (ys, x, x);
  /* the and/andnot selection followed by sub/add, kept literally: it decides the sign of zeros */
  float ysin2 = poly ? ys : 0.0f;
  float ysin1 = poly ? 0.0f : yc;
  ys = ys - ysin2;
  yc = yc - ysin1;
  *s = u2f (f2u (ysin1 + ysin2) ^ sign_sin);
  *c = u2f (f2u (yc + ys) ^ sign_cos);
}

/* ---- normal_fill_16 ----------------------------------------------------------------------- */

PS_ALWAYS_INLINE void
normal16_avx2_body (float *d, size_t n_blocks, float mean, float std)
{
  for (size_t b = 0; b < n_blocks; b++, d += 16)
    for (int j = 0; j < 8; j++)
      {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf (-2.0f * am_log (u1));
        float theta = AM_TWO_PI * u2;
        float sn, cs;
        am_sincos (theta, &sn, &cs);
        d[j] = fmaf (radius * cs, std, mean);
        d[j + 8] = fmaf (radius * sn, std, mean);
      }
}

static void
normal16_default (float *d, size_t n_blocks, float mean, float std)
{
  /* normal_fill_16<float> as compiled for ATEN_CPU_CAPABILITY=default: glibc float functions, the
   * angle computed in double (2.0f * pi<double> * u2) and rounded, no FMA anywhere. */
  for (size_t b = 0; b < n_blocks; b++, d += 16)
    for (int j = 0; j < 8; j++)
      {
        float u1 = 1.0f - d[j];
        float u2 = d[j + 8];
        float radius = sqrtf (-2.0f * logf (u1));
        float theta = (float) (2.0 * M_PI * (double) u2);
        d[j] = radius * cosf (theta) * std + mean;
        d[j + 8] = radius * sinf (theta) * std + mean;
      }
}

/* ---- instantiation and dispatch ------------------------------------------------------------- */

static void twist_generic (uint32_t *s) { twist_body (s); }
static void uniform_generic (const uint32_t *w, float *o, size_t n, float f, float r, PsFlavour fl)
{ uniform_body (w, o, n, f, r, fl); }
static void normal16_generic (float *d, size_t nb, float m, float s) { normal16_avx2_body (d, nb, m, s); }

#if PS_HAVE_X86_CLONES
#define PS_TARGET_AVX2 __attribute__ ((target ("avx2,fma")))
PS_TARGET_AVX2 static void twist_avx2 (uint32_t *s) { twist_body (s); }
PS_TARGET_AVX2 static void uniform_avx2 (const uint32_t *w, float *o, size_t n, float f, float r, PsFlavour fl)
{ uniform_body (w, o, n, f, r, fl); }
PS_TARGET_AVX2 static void normal16_avx2 (float *d, size_t nb, float m, float s) { normal16_avx2_body (d, nb, m, s); }

static gboolean
cpu_has_avx2_fma (void)
{
  static int cached = -1;   /* benign race: every thread computes the same value */
  if (cached < 0)
    {
      cached = (ps_cpu_hw_features () & (PS_CPU_AVX2 | PS_CPU_FMA)) == (PS_CPU_AVX2 | PS_CPU_FMA);
      /* PS_RNG_NO_SIMD=1 forces the generic copy (tests compare the two). */
      const char *env = g_getenv ("PS_RNG_NO_SIMD");
      if (env != NULL && env[0] == '1')
        cached = 0;
    }
  return cached;
}
#define PS_DISPATCH(name, ...) \
  (cpu_has_avx2_fma () ? name##_avx2 (__VA_ARGS__) : name##_generic (__VA_ARGS__))
#else
#define PS_DISPATCH(name, ...) name##_generic (__VA_ARGS__)
#endif

void
ps_mt_twist (uint32_t state[PS_MT_N])
{
  PS_DISPATCH (twist, state);
}

void
ps_kernel_uniform_f32 (const uint32_t *words, float *out, size_t n, float from, float range,
                       PsFlavour flavour)
{
  PS_DISPATCH (uniform, words, out, n, from, range, flavour);
}

void
ps_kernel_normal_fill16 (float *d, size_t n_blocks, float mean, float std, PsFlavour flavour)
{
  if (flavour == PS_FLAVOUR_DEFAULT)
    normal16_default (d, n_blocks, mean, std);
  else
    PS_DISPATCH (normal16, d, n_blocks, mean, std);
}

float
ps_avx_mathfun_logf (float x)
{
  return am_log (x);
}

void
ps_avx_mathfun_sincosf (float x, float *s, float *c)
{
  am_sincos (x, s, c);
}
