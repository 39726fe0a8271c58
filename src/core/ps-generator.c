/* ps-generator.c — at::CPUGeneratorImpl of PyTorch 1.13, bit for bit (PYTORCH-PARITY.md §1–3).
 *
 * The engine state mirrors at::mt19937 field for field (state, left, next), so single draws
 * (ps_generator_random) and bulk fills share one stream: a bulk fill tempers the unused words of the
 * current block in place and regenerates whole blocks when it runs out, exactly when torch's
 * per-draw `if (--left == 0) next_state()` would. */
#include "ps-generator.h"
#include "ps-rng-kernels.h"
#include "ps-threads.h"

#include <math.h>
#include <string.h>

/* ---- engine ------------------------------------------------------------------------------- */

void
ps_generator_manual_seed (PsGenerator *gen, uint64_t seed)
{
  g_return_if_fail (gen != NULL);
  /* std::mt19937 seeding with the low 32 bits; torch keeps the full value for initial_seed(). */
  gen->seed = seed;
  gen->state[0] = (uint32_t) (seed & 0xffffffffu);
  for (int j = 1; j < PS_MT_N; j++)
    gen->state[j] = 1812433253u * (gen->state[j - 1] ^ (gen->state[j - 1] >> 30)) + (uint32_t) j;
  gen->left = 1;
  gen->next = 0;
  gen->has_next_double_normal = FALSE;
  gen->next_double_normal = 0.0;
  gen->has_next_float_normal = FALSE;
  gen->next_float_normal = 0.0f;
}

void
ps_generator_init (PsGenerator *gen, uint64_t seed, PsFlavour flavour)
{
  g_return_if_fail (gen != NULL);
  memset (gen, 0, sizeof *gen);
  gen->flavour = flavour;
  ps_generator_manual_seed (gen, seed);
}

static inline uint32_t
temper (uint32_t y)
{
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint32_t
ps_generator_random (PsGenerator *gen)
{
  if (--gen->left == 0)
    {
      ps_mt_twist (gen->state);
      gen->left = PS_MT_N;
      gen->next = 0;
    }
  return temper (gen->state[gen->next++]);
}

uint64_t
ps_generator_random64 (PsGenerator *gen)
{
  uint32_t hi = ps_generator_random (gen);
  uint32_t lo = ps_generator_random (gen);
  return ((uint64_t) hi << 32) | lo;
}

/* The next `*avail` untempered words of the stream start at the returned pointer; the caller
 * consumes m <= *avail of them with take_words(). Regenerates when the block is used up. */
static const uint32_t *
peek_words (PsGenerator *gen, size_t *avail)
{
  if (gen->left == 1)
    {
      ps_mt_twist (gen->state);
      /* as if one more draw were pending: the first taken word leaves left = 624, next = 1 */
      gen->left = PS_MT_N + 1;
      gen->next = 0;
    }
  *avail = (size_t) (gen->left - 1);
  return gen->state + gen->next;
}

static void
take_words (PsGenerator *gen, size_t m)
{
  gen->left -= (int) m;
  gen->next += (int) m;
}

gboolean
ps_generator_equal (const PsGenerator *a, const PsGenerator *b)
{
  g_return_val_if_fail (a != NULL && b != NULL, FALSE);
  if (a->left != b->left || a->next != b->next || a->seed != b->seed || a->flavour != b->flavour)
    return FALSE;
  if (memcmp (a->state, b->state, sizeof a->state) != 0)
    return FALSE;
  if (a->has_next_double_normal != b->has_next_double_normal
      || (a->has_next_double_normal
          && memcmp (&a->next_double_normal, &b->next_double_normal, sizeof (double)) != 0))
    return FALSE;
  if (a->has_next_float_normal != b->has_next_float_normal
      || (a->has_next_float_normal
          && memcmp (&a->next_float_normal, &b->next_float_normal, sizeof (float)) != 0))
    return FALSE;
  return TRUE;
}

const char *
ps_flavour_name (PsFlavour flavour)
{
  switch (flavour)
    {
    case PS_FLAVOUR_AVX2: return "avx2";
    case PS_FLAVOUR_DEFAULT: return "default";
    default: g_return_val_if_reached ("?");
    }
}

gboolean
ps_flavour_from_name (const char *name, PsFlavour *out, GError **error)
{
  g_return_val_if_fail (name != NULL && out != NULL, FALSE);
  if (g_ascii_strcasecmp (name, "avx2") == 0)
    *out = PS_FLAVOUR_AVX2;
  else if (g_ascii_strcasecmp (name, "default") == 0)
    *out = PS_FLAVOUR_DEFAULT;
  else
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "unknown CPU flavour '%s' (expected 'avx2' or 'default')", name);
      return FALSE;
    }
  return TRUE;
}

/* ---- uniform ------------------------------------------------------------------------------ */

/* uniform_real_distribution<double>: 53 low bits of random64, scaled. */
static inline double
uniform01_f64 (PsGenerator *gen)
{
  return (double) (ps_generator_random64 (gen) & ((UINT64_C (1) << 53) - 1)) * 0x1p-53;
}

void
ps_generator_uniform_f32 (PsGenerator *gen, float *out, size_t n, double a, double b)
{
  g_return_if_fail (gen != NULL && (out != NULL || n == 0));
  /* The bounds are cast to float first and the range is a float subtraction (dist_acctype). */
  float from = (float) a;
  float to = (float) b;
  float range = to - from;
  while (n > 0)
    {
      size_t avail;
      const uint32_t *w = peek_words (gen, &avail);
      size_t m = MIN (n, avail);
      ps_kernel_uniform_f32 (w, out, m, from, range, gen->flavour);
      take_words (gen, m);
      out += m;
      n -= m;
    }
}

void
ps_generator_uniform_f64 (PsGenerator *gen, double *out, size_t n, double a, double b)
{
  g_return_if_fail (gen != NULL && (out != NULL || n == 0));
  double range = b - a;
  for (size_t i = 0; i < n; i++)
    {
      double x = uniform01_f64 (gen);
      /* the AVX2 build contracts x * range + from */
      out[i] = gen->flavour == PS_FLAVOUR_AVX2 ? fma (x, range, a) : x * range + a;
    }
}

/* ---- normal ------------------------------------------------------------------------------- */

/* at::normal_distribution<double>: Box-Muller in double with the one-value cache. u1 feeds the
 * angle and u2 the radius; the cached value is r·sin before mean/std are applied. */
static double
normal_f64_sample (PsGenerator *gen)
{
  if (gen->has_next_double_normal)
    {
      gen->has_next_double_normal = FALSE;
      return gen->next_double_normal;
    }
  double u1 = uniform01_f64 (gen);
  double u2 = uniform01_f64 (gen);
  double r = sqrt (-2.0 * log (1.0 - u2));
  double theta = 2.0 * M_PI * u1;
  gen->next_double_normal = r * sin (theta);
  gen->has_next_double_normal = TRUE;
  return r * cos (theta);
}

typedef struct {
  float *out;
  float mean, std;
  PsFlavour flavour;
} NormalJob;

static void
normal_blocks (int64_t begin, int64_t end, void *data)
{
  const NormalJob *j = data;
  ps_kernel_normal_fill16 (j->out + 16 * begin, (size_t) (end - begin), j->mean, j->std, j->flavour);
}

void
ps_generator_normal_f32 (PsGenerator *gen, float *out, size_t n, double mean, double std,
                         gboolean contiguous)
{
  g_return_if_fail (gen != NULL && (out != NULL || n == 0));
  if (n >= 16 && contiguous)
    {
      /* normal_fill(_AVX2): n uniforms first, then blocks of 16 in place; a partial last block is
       * redone on the last 16 elements with 16 fresh uniforms (overwriting finished values). */
      float fmean = (float) mean;
      float fstd = (float) std;
      ps_generator_uniform_f32 (gen, out, n, 0.0, 1.0);
      /* each block of 16 is transformed on its own: split over the CPUs, same bits */
      NormalJob job = { out, fmean, fstd, gen->flavour };
      ps_threads_parallel_for ((int64_t) (n / 16), 2048, normal_blocks, &job);
      if (n % 16 != 0)
        {
          float *tail = out + n - 16;
          ps_generator_uniform_f32 (gen, tail, 16, 0.0, 1.0);
          ps_kernel_normal_fill16 (tail, 1, fmean, fstd, gen->flavour);
        }
      return;
    }
  for (size_t i = 0; i < n; i++)
    {
      double ret = normal_f64_sample (gen);
      out[i] = (float) (gen->flavour == PS_FLAVOUR_AVX2 ? fma (ret, std, mean) : ret * std + mean);
    }
}

/* ---- integers ----------------------------------------------------------------------------- */

gboolean
ps_generator_randperm (PsGenerator *gen, int64_t n, int64_t *out, GError **error)
{
  g_return_val_if_fail (gen != NULL && (out != NULL || n <= 0), FALSE);
  if (n < 0)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Trying to create tensor with negative dimension %" G_GINT64_FORMAT ": [%" G_GINT64_FORMAT "]", n, n);
      return FALSE;
    }
  /* randperm_cpu in 1.13: forward Fisher-Yates with one 32-bit draw per step, for every n. */
  for (int64_t i = 0; i < n; i++)
    out[i] = i;
  for (int64_t i = 0; i < n - 1; i++)
    {
      int64_t z = (int64_t) ((uint64_t) ps_generator_random (gen) % (uint64_t) (n - i));
      int64_t tmp = out[i];
      out[i] = out[z + i];
      out[z + i] = tmp;
    }
  return TRUE;
}

gboolean
ps_generator_randint (PsGenerator *gen, int64_t low, int64_t high, int64_t *out, size_t n,
                      GError **error)
{
  g_return_val_if_fail (gen != NULL && (out != NULL || n == 0), FALSE);
  if (low >= high)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "random_ expects 'from' to be less than 'to', but got from=%" G_GINT64_FORMAT
                   " >= to=%" G_GINT64_FORMAT, low, high);
      return FALSE;
    }
  /* uniform_int_from_to_distribution<int64_t>: a 64-bit draw only when the range needs it. */
  uint64_t range = (uint64_t) high - (uint64_t) low;
  for (size_t i = 0; i < n; i++)
    {
      uint64_t v = range >= (UINT64_C (1) << 32) ? ps_generator_random64 (gen)
                                                 : (uint64_t) ps_generator_random (gen);
      out[i] = (int64_t) ((v % range) + (uint64_t) low);
    }
  return TRUE;
}

void
ps_generator_bernoulli_f32 (PsGenerator *gen, float *out, size_t n, double p)
{
  g_return_if_fail (gen != NULL && (out != NULL || n == 0));
  g_return_if_fail (p >= 0.0 && p <= 1.0);
  /* at::dropout on CPU (1.13, no MKL): p == 0 returns the input and p == 1 multiplies by zero,
   * both without drawing; otherwise noise.bernoulli_(1 - p): per element, in memory order,
   * bernoulli_distribution<double>: one random64, keep = uniform53 < 1 - p. The caller then
   * scales: noise.div_(1 - p) is the float division mask / (float)(1 - p), and out = x * noise. */
  if (p == 0.0)
    {
      for (size_t i = 0; i < n; i++)
        out[i] = 1.0f;
      return;
    }
  if (p == 1.0)
    {
      memset (out, 0, n * sizeof *out);
      return;
    }
  double keep = 1.0 - p;
  for (size_t i = 0; i < n; i++)
    out[i] = uniform01_f64 (gen) < keep ? 1.0f : 0.0f;
}
