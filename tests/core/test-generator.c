/* test-generator.c — PsGenerator against torch 1.13 (bits, draw counts) and its fast kernels against
 * their scalar definitions. */
#include <math.h>
#include <string.h>
#include "ps-generator.h"
#include "ps-rng-kernels.h"
#include "gen-golden-util.h"

/* ---- the shared golden set (torch-1.13-golden.json, AVX2) --------------------------------- */

typedef enum { OP_U32, OP_UNIFORM, OP_UNIFORM64, OP_NORMAL, OP_RANDPERM } Op;

typedef struct {
  const char *tensor;
  Op op;
  int64_t n;
  double a, b;           /* uniform bounds or mean/std */
  gboolean contiguous;
} Step;

typedef struct {
  const char *name;
  Step steps[6];
} SharedCase;

#define U(t, n, a, b) { t, OP_UNIFORM, n, a, b, TRUE }
#define N(t, n, m, s) { t, OP_NORMAL, n, m, s, TRUE }
#define P(t, n) { t, OP_RANDPERM, n, 0, 0, TRUE }

static const SharedCase shared_cases[] = {
  { "rng.raw_u32.seed0", { { "raw", OP_U32, 16, 0, 0, TRUE } } },
  { "rng.uniform01.seed0.n8", { U ("x", 8, 0, 1) } },
  { "rng.uniform_m1_1.seed0.n8", { U ("x", 8, -1, 1) } },
  { "rng.uniform_nonexact_range.seed7.n64", { U ("x", 64, -0.31622776601683794, 0.31622776601683794) } },
  { "rng.uniform01_f64.seed0.n8", { { "x", OP_UNIFORM64, 8, 0, 1, TRUE } } },
  { "rng.normal.seed0.n1", { N ("x", 1, 0, 1) } },
  { "rng.normal.seed0.n2", { N ("x", 2, 0, 1) } },
  { "rng.normal.seed0.n8", { N ("x", 8, 0, 1) } },
  { "rng.normal.seed0.n15", { N ("x", 15, 0, 1) } },
  { "rng.normal.seed0.n16", { N ("x", 16, 0, 1) } },
  { "rng.normal.seed0.n17", { N ("x", 17, 0, 1) } },
  { "rng.normal.seed0.n20", { N ("x", 20, 0, 1) } },
  { "rng.normal.seed0.n31", { N ("x", 31, 0, 1) } },
  { "rng.normal.seed0.n32", { N ("x", 32, 0, 1) } },
  { "rng.normal.seed0.n33", { N ("x", 33, 0, 1) } },
  { "rng.normal.seed0.n100", { N ("x", 100, 0, 1) } },
  { "rng.normal.seed0.n20.mean0.5.std2", { N ("x", 20, 0.5, 2.0) } },
  { "rng.normal.seed1.n7.mean-1.std0.1", { N ("x", 7, -1.0, 0.1) } },
  { "rng.normal.seed0.n1000", { N ("x", 1000, 0, 1) } },
  { "rng.normal_cache.seed0", { N ("a", 3, 0, 1), U ("b", 4, 0, 1), N ("c", 3, 0, 1), N ("d", 16, 0, 1), N ("e", 1, 0, 1) } },
  { "rng.normal_noncontig.seed0", { { "t", OP_NORMAL, 32, 0, 1, FALSE } } },
  { "rng.randperm.seed0.n1", { P ("p", 1) } },
  { "rng.randperm.seed0.n2", { P ("p", 2) } },
  { "rng.randperm.seed0.n5", { P ("p", 5) } },
  { "rng.randperm.seed0.n10", { P ("p", 10) } },
  { "rng.randperm.seed0.n37", { P ("p", 37) } },
};

static void
test_shared_golden (void)
{
  g_autoptr (JsonParser) parser = golden_load ("torch-1.13-golden.json");
  guint n_rng = 0;
  JsonArray *all = golden_cases (parser);
  for (guint i = 0; i < json_array_get_length (all); i++)
    if (strcmp (json_object_get_string_member (json_array_get_object_element (all, i), "kind"), "rng") == 0)
      n_rng++;
  /* every rng case of the shared set is in the table */
  g_assert_cmpuint (n_rng, ==, G_N_ELEMENTS (shared_cases));

  for (gsize k = 0; k < G_N_ELEMENTS (shared_cases); k++)
    {
      const SharedCase *sc = &shared_cases[k];
      JsonObject *c = golden_find (parser, sc->name);
      JsonObject *tensors = json_object_get_object_member (c, "tensors");
      PsGenerator gen;
      ps_generator_init (&gen, golden_seed (c), PS_FLAVOUR_AVX2);
      for (const Step *st = sc->steps; st->tensor != NULL; st++)
        {
          JsonObject *t = json_object_get_object_member (tensors, st->tensor);
          g_autofree char *what = g_strdup_printf ("%s:%s", sc->name, st->tensor);
          size_t n = (size_t) st->n;
          switch (st->op)
            {
            case OP_U32:
              {
                /* randint(0, 2**32 - 1) is random() % (2**32 - 1) */
                g_autofree int64_t *x = g_new (int64_t, n);
                PsGenerator copy = gen;
                g_assert_true (ps_generator_randint (&gen, 0, (INT64_C (1) << 32) - 1, x, n, NULL));
                golden_assert_i64 (what, x, n, json_object_get_array_member (t, "int"));
                for (size_t i = 0; i < n; i++)
                  g_assert_cmpint ((int64_t) ps_generator_random (&copy) % 0xffffffffll, ==, x[i]);
                g_assert_true (ps_generator_equal (&copy, &gen));
                break;
              }
            case OP_UNIFORM:
              {
                g_autofree float *x = g_new (float, n);
                ps_generator_uniform_f32 (&gen, x, n, st->a, st->b);
                golden_assert_f32 (what, x, n, json_object_get_array_member (t, "hex"));
                break;
              }
            case OP_UNIFORM64:
              {
                g_autofree double *x = g_new (double, n);
                ps_generator_uniform_f64 (&gen, x, n, st->a, st->b);
                golden_assert_f64 (what, x, n, json_object_get_array_member (t, "hex"));
                break;
              }
            case OP_NORMAL:
              {
                g_autofree float *x = g_new (float, n);
                ps_generator_normal_f32 (&gen, x, n, st->a, st->b, st->contiguous);
                golden_assert_f32 (what, x, n, json_object_get_array_member (t, "hex"));
                break;
              }
            case OP_RANDPERM:
              {
                g_autofree int64_t *x = g_new (int64_t, n);
                g_assert_true (ps_generator_randperm (&gen, st->n, x, NULL));
                golden_assert_i64 (what, x, n, json_object_get_array_member (t, "int"));
                break;
              }
            default:
              g_assert_not_reached ();
            }
        }
      golden_assert_probe (sc->name, &gen, c);
    }
}

/* ---- fixtures of tests/golden/gen_init.py: both flavours ---------------------------------- */

static void
test_fixture_rng (void)
{
  /* seeds 2**32+5, -1, 2**63+7; blocks; caches; randint; randperm; dropout — avx2 and default */
  g_assert_cmpuint (golden_run_cases ("rng."), >=, 100);
}

static void
test_seed_semantics (void)
{
  PsGenerator a, b;
  ps_generator_init (&a, 5, PS_FLAVOUR_AVX2);
  ps_generator_init (&b, (UINT64_C (1) << 32) + 5, PS_FLAVOUR_AVX2);
  g_assert_false (ps_generator_equal (&a, &b));   /* initial_seed() differs … */
  g_assert_cmpuint (b.seed, ==, (UINT64_C (1) << 32) + 5);
  for (int i = 0; i < 2000; i++)                  /* … the stream does not */
    g_assert_cmpuint (ps_generator_random (&a), ==, ps_generator_random (&b));

  /* manual_seed clears both caches and keeps the flavour */
  PsGenerator g;
  ps_generator_init (&g, 0, PS_FLAVOUR_DEFAULT);
  float x;
  ps_generator_normal_f32 (&g, &x, 1, 0, 1, TRUE);
  g_assert_true (g.has_next_double_normal);
  ps_generator_manual_seed (&g, 0);
  g_assert_false (g.has_next_double_normal);
  g_assert_cmpint (g.flavour, ==, PS_FLAVOUR_DEFAULT);
  PsGenerator fresh;
  ps_generator_init (&fresh, 0, PS_FLAVOUR_DEFAULT);
  g_assert_true (ps_generator_equal (&g, &fresh));
  g_assert_cmpint (g.left, ==, 1);
  g_assert_cmpint (g.next, ==, 0);

  /* random64 = first << 32 | second */
  PsGenerator r1, r2;
  ps_generator_init (&r1, 42, PS_FLAVOUR_AVX2);
  ps_generator_init (&r2, 42, PS_FLAVOUR_AVX2);
  uint64_t hi = ps_generator_random (&r1), lo = ps_generator_random (&r1);
  g_assert_cmpuint (ps_generator_random64 (&r2), ==, (hi << 32) | lo);
}

static void
test_flavour_names (void)
{
  PsFlavour f;
  g_autoptr (GError) error = NULL;
  g_assert_cmpstr (ps_flavour_name (PS_FLAVOUR_AVX2), ==, "avx2");
  g_assert_cmpstr (ps_flavour_name (PS_FLAVOUR_DEFAULT), ==, "default");
  g_assert_true (ps_flavour_from_name ("default", &f, &error));
  g_assert_cmpint (f, ==, PS_FLAVOUR_DEFAULT);
  g_assert_true (ps_flavour_from_name ("avx2", &f, &error));
  g_assert_cmpint (f, ==, PS_FLAVOUR_AVX2);
  g_assert_false (ps_flavour_from_name ("avx512", &f, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_nonnull (strstr (error->message, "avx512"));
}

/* ---- fast paths against their definitions --------------------------------------------------- */

/* The block twist + vector tempering equals the textbook one-draw-at-a-time engine, and bulk fills
 * leave the engine exactly where single draws would, for every split of the stream. */
static void
test_bulk_equals_single_draws (void)
{
  PsGenerator bulk, single;
  ps_generator_init (&bulk, 123, PS_FLAVOUR_AVX2);
  ps_generator_init (&single, 123, PS_FLAVOUR_AVX2);
  /* reference engine written out independently (std::mt19937) */
  uint32_t mt[PS_MT_N];
  mt[0] = 123;
  for (int i = 1; i < PS_MT_N; i++)
    mt[i] = 1812433253u * (mt[i - 1] ^ (mt[i - 1] >> 30)) + (uint32_t) i;
  int idx = PS_MT_N;

  const size_t sizes[] = { 1, 5, 623, 624, 625, 1, 1247, 3000, 2, 16, 17 };
  for (gsize k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      size_t n = sizes[k];
      g_autofree float *x = g_new (float, n);
      ps_generator_uniform_f32 (&bulk, x, n, -0.3, 0.7);
      for (size_t i = 0; i < n; i++)
        {
          if (idx >= PS_MT_N)
            {
              for (int j = 0; j < PS_MT_N; j++)
                {
                  uint32_t y = (mt[j] & 0x80000000u) | (mt[(j + 1) % PS_MT_N] & 0x7fffffffu);
                  mt[j] = mt[(j + 397) % PS_MT_N] ^ (y >> 1) ^ ((y & 1u) ? 0x9908b0dfu : 0u);
                }
              idx = 0;
            }
          uint32_t y = mt[idx++];
          y ^= y >> 11;
          y ^= (y << 7) & 0x9d2c5680u;
          y ^= (y << 15) & 0xefc60000u;
          y ^= y >> 18;
          g_assert_cmpuint (ps_generator_random (&single), ==, y);
          float u = (float) (y & 0xFFFFFFu) * 0x1p-24f;
          float want = fmaf (u, 0.7f - -0.3f, -0.3f);
          g_assert_cmpuint (memcmp (&want, &x[i], 4), ==, 0);
        }
      g_assert_true (ps_generator_equal (&bulk, &single));
    }
}

/* The dispatched block normal kernel (AVX2+FMA clone on capable CPUs) equals the scalar per-lane
 * definition of avx_mathfun for a million lanes. */
static void
test_normal_kernel_matches_lanes (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 99, PS_FLAVOUR_AVX2);
  const size_t n = 1 << 20;
  g_autofree float *d = g_new (float, n);
  g_autofree float *ref = g_new (float, n);
  ps_generator_uniform_f32 (&gen, d, n, 0.0, 1.0);
  d[0] = 0.0f;                  /* u1 = 1 → log 0 */
  d[8] = 0x1.fffffep-1f;        /* theta just below 2π */
  d[1] = 0x1.fffffep-1f;        /* u1 = 2^-24: the largest radius */
  memcpy (ref, d, n * sizeof (float));
  const float mean = 0.5f, std = 0.02f;
  for (size_t b = 0; b < n / 16; b++)
    for (int j = 0; j < 8; j++)
      {
        float *r = ref + b * 16;
        float lg = ps_avx_mathfun_logf (1.0f - r[j]);
        float radius = sqrtf (-2.0f * lg);
        float s, c;
        ps_avx_mathfun_sincosf (0x1.921fb6p+2f * r[j + 8], &s, &c);
        r[j] = fmaf (radius * c, std, mean);
        r[j + 8] = fmaf (radius * s, std, mean);
      }
  ps_kernel_normal_fill16 (d, n / 16, mean, std, PS_FLAVOUR_AVX2);
  for (size_t i = 0; i < n; i++)
    if (memcmp (&d[i], &ref[i], 4) != 0)
      g_error ("lane %zu: kernel %a, scalar %a", i, (double) d[i], (double) ref[i]);
}

static void
test_avx_mathfun_lanes (void)
{
  /* log: exact at 1, monotone-ish accuracy elsewhere; NaN for x <= 0 as in the header */
  g_assert_cmpfloat (ps_avx_mathfun_logf (1.0f), ==, 0.0f);
  g_assert_true (isnan (ps_avx_mathfun_logf (0.0f)));
  g_assert_true (isnan (ps_avx_mathfun_logf (-1.0f)));
  for (float x = 0x1p-24f; x < 1.0f; x *= 1.37f)
    g_assert_cmpfloat (fabs (ps_avx_mathfun_logf (x) - log (x)), <, 2e-6 * fabs (log (x)) + 1e-7);
  for (float t = 0.0f; t < 6.2832f; t += 0.001f)
    {
      float s, c;
      ps_avx_mathfun_sincosf (t, &s, &c);
      g_assert_cmpfloat (fabs (s - sin (t)), <, 3e-7);
      g_assert_cmpfloat (fabs (c - cos (t)), <, 3e-7);
    }
}

static void
test_bernoulli_draws (void)
{
  PsGenerator a, b;
  ps_generator_init (&a, 8, PS_FLAVOUR_AVX2);
  ps_generator_init (&b, 8, PS_FLAVOUR_AVX2);
  float m[100];
  ps_generator_bernoulli_f32 (&a, m, 100, 0.3);
  for (int i = 0; i < 100; i++)
    {
      /* one random64 per element; keep iff uniform53 < 1 - p */
      double u = (double) (ps_generator_random64 (&b) & ((UINT64_C (1) << 53) - 1)) * 0x1p-53;
      g_assert_cmpfloat (m[i], ==, u < 0.7 ? 1.0f : 0.0f);
    }
  g_assert_true (ps_generator_equal (&a, &b));
  /* p = 0 and p = 1 draw nothing, as at::dropout */
  ps_generator_bernoulli_f32 (&a, m, 100, 0.0);
  g_assert_cmpfloat (m[99], ==, 1.0f);
  ps_generator_bernoulli_f32 (&a, m, 100, 1.0);
  g_assert_cmpfloat (m[0], ==, 0.0f);
  g_assert_true (ps_generator_equal (&a, &b));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/generator/shared-golden", test_shared_golden);
  g_test_add_func ("/generator/fixtures", test_fixture_rng);
  g_test_add_func ("/generator/seed-semantics", test_seed_semantics);
  g_test_add_func ("/generator/flavour-names", test_flavour_names);
  g_test_add_func ("/generator/bulk-equals-single", test_bulk_equals_single_draws);
  g_test_add_func ("/generator/normal-kernel-lanes", test_normal_kernel_matches_lanes);
  g_test_add_func ("/generator/avx-mathfun", test_avx_mathfun_lanes);
  g_test_add_func ("/generator/bernoulli", test_bernoulli_draws);
  return g_test_run ();
}
