/* test-ops.c — ps_ops_sgemm and ps_ops_linear: agreement with the naive double-accumulation
 * references, ATen's dispatch (addmm vs mm + add), empty shapes, torch's error texts, and the
 * OpenBLAS thread-count pinning. */
#include <cblas.h>
#include <math.h>
#include <string.h>
#include "ps-ops.h"
#include "ps-generator.h"

static PsTensor *
rand_tensor (PsGenerator *gen, int ndim, const int64_t *shape)
{
  PsTensor *t = ps_tensor_new_empty (PS_DTYPE_FLOAT32, ndim, shape, NULL);
  g_assert_nonnull (t);
  ps_generator_uniform_f32 (gen, ps_tensor_f32 (t), (size_t) t->numel, -1.0, 1.0);
  return t;
}

/* |a − b| ≤ 1e-5 + 1e-4·|b| everywhere (PYTORCH-PARITY.md §8). */
static void
assert_agree (const char *what, const PsTensor *a, const PsTensor *b)
{
  g_assert_true (ps_tensor_same_shape (a, b));
  for (int64_t i = 0; i < a->numel; i++)
    {
      double x = ps_tensor_cf32 (a)[i], y = ps_tensor_cf32 (b)[i];
      if (!(fabs (x - y) <= 1e-5 + 1e-4 * fabs (y)))
        g_error ("%s: [%" G_GINT64_FORMAT "] %.9g vs naive %.9g", what, i, x, y);
    }
}

static void
test_linear_matches_naive (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 11, PS_FLAVOUR_AVX2);
  struct { int nd; int64_t shape[5]; int64_t out; gboolean bias; } cases[] = {
    { 1, { 7 }, 3, TRUE },
    { 1, { 7 }, 3, FALSE },
    { 2, { 5, 10 }, 4, TRUE },
    { 2, { 33, 784 }, 65, TRUE },
    { 2, { 33, 784 }, 65, FALSE },
    { 3, { 2, 9, 300 }, 17, TRUE },
    { 4, { 2, 3, 4, 1000 }, 8, TRUE },
    { 5, { 2, 1, 3, 2, 50 }, 6, FALSE },
    { 2, { 1, 1 }, 1, TRUE },
  };
  for (gsize i = 0; i < G_N_ELEMENTS (cases); i++)
    {
      int64_t in = cases[i].shape[cases[i].nd - 1];
      g_autoptr (PsTensor) x = rand_tensor (&gen, cases[i].nd, cases[i].shape);
      int64_t wshape[2] = { cases[i].out, in };
      g_autoptr (PsTensor) w = rand_tensor (&gen, 2, wshape);
      g_autoptr (PsTensor) b = cases[i].bias ? rand_tensor (&gen, 1, &cases[i].out) : NULL;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsTensor) y = ps_ops_linear (x, w, b, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) r = ps_ops_linear_naive (x, w, b, &error);
      g_assert_no_error (error);
      g_assert_cmpint (y->ndim, ==, cases[i].nd);
      g_assert_cmpint (y->shape[y->ndim - 1], ==, cases[i].out);
      for (int d = 0; d < cases[i].nd - 1; d++)
        g_assert_cmpint (y->shape[d], ==, cases[i].shape[d]);
      g_autofree char *what = g_strdup_printf ("case %zu", i);
      assert_agree (what, y, r);
    }
}

/* The two ATen call patterns, spelled out with cblas: they round differently once K spans several
 * OpenBLAS K-blocks, so ps_ops_linear must pick the one torch picks for each input rank. */
static void
test_linear_dispatch_is_atens (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 12, PS_FLAVOUR_AVX2);
  const int64_t K = 784, O = 64, N = 24;
  int64_t wshape[2] = { O, K };
  g_autoptr (PsTensor) w = rand_tensor (&gen, 2, wshape);
  g_autoptr (PsTensor) b = rand_tensor (&gen, 1, &O);
  for (int64_t i = 0; i < O; i++)
    ps_tensor_f32 (b)[i] *= 10.0f;   /* a large bias makes the rounding order visible */
  int64_t x2s[2] = { N, K };
  g_autoptr (PsTensor) x2 = rand_tensor (&gen, 2, x2s);

  g_autofree float *addmm = g_new (float, N * O);
  g_autofree float *mm = g_new (float, N * O);
  for (int64_t i = 0; i < N; i++)
    for (int64_t j = 0; j < O; j++)
      addmm[i * O + j] = ps_tensor_cf32 (b)[j];
  ps_ops_sgemm (false, true, N, O, K, 1.0f, ps_tensor_cf32 (x2), K, ps_tensor_cf32 (w), K, 1.0f, addmm, O);
  ps_ops_sgemm (false, true, N, O, K, 1.0f, ps_tensor_cf32 (x2), K, ps_tensor_cf32 (w), K, 0.0f, mm, O);
  for (int64_t i = 0; i < N; i++)
    for (int64_t j = 0; j < O; j++)
      mm[i * O + j] += ps_tensor_cf32 (b)[j];
  g_assert_true (memcmp (addmm, mm, (gsize) (N * O) * sizeof (float)) != 0);

  int64_t s3[3] = { 2, 12, K }, s4[4] = { 2, 3, 4, K };
  g_autoptr (PsTensor) x3 = ps_tensor_reshape (x2, 3, s3, NULL);
  g_autoptr (PsTensor) x4 = ps_tensor_reshape (x2, 4, s4, NULL);
  g_autoptr (PsTensor) y2 = ps_ops_linear (x2, w, b, NULL);
  g_autoptr (PsTensor) y3 = ps_ops_linear (x3, w, b, NULL);
  g_autoptr (PsTensor) y4 = ps_ops_linear (x4, w, b, NULL);
  g_assert_true (memcmp (ps_tensor_cf32 (y2), addmm, (gsize) (N * O) * sizeof (float)) == 0);  /* addmm */
  g_assert_true (memcmp (ps_tensor_cf32 (y3), addmm, (gsize) (N * O) * sizeof (float)) == 0);  /* addmm on the view */
  g_assert_true (memcmp (ps_tensor_cf32 (y4), mm, (gsize) (N * O) * sizeof (float)) == 0);     /* matmul + add_ */

  /* 1-D input: mm on a (1, K) row, then add */
  int64_t k1 = K;
  g_autoptr (PsTensor) x1 = ps_tensor_new_from_f32 (1, &k1, ps_tensor_cf32 (x2), NULL);
  g_autoptr (PsTensor) y1 = ps_ops_linear (x1, w, b, NULL);
  float row_mm[64];
  ps_ops_sgemm (false, true, 1, O, K, 1.0f, ps_tensor_cf32 (x1), K, ps_tensor_cf32 (w), K, 0.0f, row_mm, O);
  for (int64_t j = 0; j < O; j++)
    row_mm[j] += ps_tensor_cf32 (b)[j];
  g_assert_true (memcmp (ps_tensor_cf32 (y1), row_mm, sizeof row_mm) == 0);
}

static void
test_linear_empty_shapes (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 13, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  /* K = 0: the output is the broadcast bias (zeros without bias) */
  int64_t ws[2] = { 4, 0 }, xs[2] = { 3, 0 }, four = 4;
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 2, ws, NULL);
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 2, xs, NULL);
  g_autoptr (PsTensor) b = rand_tensor (&gen, 1, &four);
  g_autoptr (PsTensor) y = ps_ops_linear (x, w, b, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->shape[0], ==, 3);
  g_assert_cmpint (y->shape[1], ==, 4);
  for (int i = 0; i < 3; i++)
    g_assert_true (memcmp (ps_tensor_cf32 (y) + 4 * i, ps_tensor_cf32 (b), 16) == 0);
  g_autoptr (PsTensor) y0 = ps_ops_linear (x, w, NULL, &error);
  for (int i = 0; i < 12; i++)
    g_assert_cmpfloat (ps_tensor_cf32 (y0)[i], ==, 0.0f);
  /* 1-D input with K = 0 and mm + add */
  int64_t zero = 0;
  g_autoptr (PsTensor) x1 = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &zero, NULL);
  g_autoptr (PsTensor) y1 = ps_ops_linear (x1, w, b, &error);
  g_assert_no_error (error);
  g_assert_true (memcmp (ps_tensor_cf32 (y1), ps_tensor_cf32 (b), 16) == 0);
  /* N = 0 and out = 0 */
  int64_t xe[3] = { 2, 0, 5 }, we[2] = { 3, 5 }, wz[2] = { 0, 5 }, xz[2] = { 2, 5 };
  g_autoptr (PsTensor) xn = ps_tensor_new (PS_DTYPE_FLOAT32, 3, xe, NULL);
  g_autoptr (PsTensor) wn = ps_tensor_new (PS_DTYPE_FLOAT32, 2, we, NULL);
  g_autoptr (PsTensor) yn = ps_ops_linear (xn, wn, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (yn->numel, ==, 0);
  g_assert_cmpint (yn->shape[2], ==, 3);
  g_autoptr (PsTensor) wzero = ps_tensor_new (PS_DTYPE_FLOAT32, 2, wz, NULL);
  g_autoptr (PsTensor) xzero = ps_tensor_new (PS_DTYPE_FLOAT32, 2, xz, NULL);
  g_autoptr (PsTensor) yz = ps_ops_linear (xzero, wzero, NULL, &error);
  g_assert_no_error (error);
  g_assert_cmpint (yz->shape[1], ==, 0);
}

static void
expect_error (const PsTensor *x, const PsTensor *w, const PsTensor *b, const char *msg)
{
  g_autoptr (GError) error = NULL;
  g_assert_null (ps_ops_linear (x, w, b, &error));
  g_assert_nonnull (error);
  g_assert_cmpstr (error->message, ==, msg);
  g_clear_error (&error);
  g_assert_null (ps_ops_linear_naive (x, w, b, &error));
  g_assert_cmpstr (error->message, ==, msg);
}

static void
test_linear_errors (void)
{
  /* texts from torch 1.13 (F.linear on these shapes) */
  int64_t ws[2] = { 5, 10 };
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 2, ws, NULL);
  int64_t s1[2] = { 1, 5 }, s3[3] = { 2, 3, 5 }, s4[4] = { 2, 3, 4, 5 }, s5 = 5, s0[2] = { 3, 0 };
  g_autoptr (PsTensor) x1 = ps_tensor_new (PS_DTYPE_FLOAT32, 2, s1, NULL);
  g_autoptr (PsTensor) x3 = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s3, NULL);
  g_autoptr (PsTensor) x4 = ps_tensor_new (PS_DTYPE_FLOAT32, 4, s4, NULL);
  g_autoptr (PsTensor) xv = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &s5, NULL);
  g_autoptr (PsTensor) x0 = ps_tensor_new (PS_DTYPE_FLOAT32, 2, s0, NULL);
  g_autoptr (PsTensor) xs = ps_tensor_new (PS_DTYPE_FLOAT32, 0, NULL, NULL);
  expect_error (x1, w, NULL, "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)");
  expect_error (x3, w, NULL, "mat1 and mat2 shapes cannot be multiplied (6x5 and 10x5)");
  expect_error (x4, w, NULL, "mat1 and mat2 shapes cannot be multiplied (24x5 and 10x5)");
  expect_error (xv, w, NULL, "mat1 and mat2 shapes cannot be multiplied (1x5 and 10x5)");
  expect_error (x0, w, NULL, "mat1 and mat2 shapes cannot be multiplied (3x0 and 10x5)");
  expect_error (xs, w, NULL, "both arguments to matmul need to be at least 1D, but they are 0D and 2D");
  /* a bias of the wrong size, per input rank */
  int64_t g2[2] = { 2, 10 }, g3[3] = { 2, 3, 10 }, g4[4] = { 2, 3, 4, 10 }, g1 = 10, four = 4;
  g_autoptr (PsTensor) b4 = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &four, NULL);
  g_autoptr (PsTensor) y2 = ps_tensor_new (PS_DTYPE_FLOAT32, 2, g2, NULL);
  g_autoptr (PsTensor) y3 = ps_tensor_new (PS_DTYPE_FLOAT32, 3, g3, NULL);
  g_autoptr (PsTensor) y4 = ps_tensor_new (PS_DTYPE_FLOAT32, 4, g4, NULL);
  g_autoptr (PsTensor) y1 = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &g1, NULL);
  expect_error (y2, w, b4, "The expanded size of the tensor (5) must match the existing size (4) at non-singleton "
                "dimension 1.  Target sizes: [2, 5].  Tensor sizes: [4]");
  expect_error (y3, w, b4, "The expanded size of the tensor (5) must match the existing size (4) at non-singleton "
                "dimension 1.  Target sizes: [6, 5].  Tensor sizes: [4]");
  expect_error (y4, w, b4, "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 3");
  expect_error (y1, w, b4, "The size of tensor a (5) must match the size of tensor b (4) at non-singleton dimension 0");
  /* a one-element bias broadcasts, as in torch */
  int64_t one = 1;
  g_autoptr (PsTensor) b1 = ps_tensor_new (PS_DTYPE_FLOAT32, 1, &one, NULL);
  ps_tensor_f32 (b1)[0] = 2.5f;
  g_autoptr (PsTensor) yb = ps_ops_linear (y2, w, b1, NULL);
  g_assert_cmpfloat (ps_tensor_cf32 (yb)[7], ==, 2.5f);
}

/* Row-major sgemm against a double loop, all transpose combinations, padded leading dims. */
static void
test_sgemm_wrapper (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 14, PS_FLAVOUR_AVX2);
  const int64_t m = 13, n = 7, k = 29, pad = 3;
  for (int ta = 0; ta < 2; ta++)
    for (int tb = 0; tb < 2; tb++)
      {
        int64_t ar = ta ? k : m, ac = ta ? m : k, br = tb ? n : k, bc = tb ? k : n;
        int64_t lda = ac + pad, ldb = bc + pad, ldc = n + pad;
        g_autofree float *a = g_new (float, ar * lda);
        g_autofree float *b = g_new (float, br * ldb);
        g_autofree float *c = g_new (float, m * ldc);
        ps_generator_uniform_f32 (&gen, a, (size_t) (ar * lda), -1, 1);
        ps_generator_uniform_f32 (&gen, b, (size_t) (br * ldb), -1, 1);
        ps_generator_uniform_f32 (&gen, c, (size_t) (m * ldc), -1, 1);
        g_autofree float *c0 = g_memdup2 (c, (gsize) (m * ldc) * sizeof (float));
        ps_ops_sgemm (ta, tb, m, n, k, 0.5f, a, lda, b, ldb, 2.0f, c, ldc);
        for (int64_t i = 0; i < m; i++)
          {
            for (int64_t j = 0; j < n; j++)
              {
                double acc = 0;
                for (int64_t p = 0; p < k; p++)
                  acc += (double) (ta ? a[p * lda + i] : a[i * lda + p]) * (tb ? b[j * ldb + p] : b[p * ldb + j]);
                double want = 0.5 * acc + 2.0 * c0[i * ldc + j];
                g_assert_cmpfloat_with_epsilon (c[i * ldc + j], want, 1e-5);
              }
            for (int64_t j = n; j < ldc; j++)   /* padding untouched */
              g_assert_cmpfloat (c[i * ldc + j], ==, c0[i * ldc + j]);
          }
      }
}

/* Any other code changing OpenBLAS's thread count must not change our results: every call
 * re-asserts ps_ops_blas_threads(). */
static void
test_blas_threads_pinned (void)
{
  int n = ps_ops_blas_threads ();
  g_assert_cmpint (n, >=, 1);
  openblas_set_num_threads (n == 1 ? 2 : 1);
  g_assert_cmpint (openblas_get_num_threads (), !=, n);
  int64_t ws[2] = { 3, 4 }, xs[2] = { 2, 4 };
  g_autoptr (PsTensor) w = ps_tensor_new (PS_DTYPE_FLOAT32, 2, ws, NULL);
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 2, xs, NULL);
  g_autoptr (PsTensor) y = ps_ops_linear (x, w, NULL, NULL);
  g_assert_nonnull (y);
  g_assert_cmpint (openblas_get_num_threads (), ==, n);
  g_test_message ("OpenBLAS threads used by ps_ops: %d", n);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/ops/linear/matches-naive", test_linear_matches_naive);
  g_test_add_func ("/ops/linear/dispatch-is-atens", test_linear_dispatch_is_atens);
  g_test_add_func ("/ops/linear/empty-shapes", test_linear_empty_shapes);
  g_test_add_func ("/ops/linear/errors", test_linear_errors);
  g_test_add_func ("/ops/sgemm", test_sgemm_wrapper);
  g_test_add_func ("/ops/blas-threads-pinned", test_blas_threads_pinned);
  return g_test_run ();
}
