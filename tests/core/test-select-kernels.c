/* The kernels that only select (MaxPool1d/2d forward with its indices, ReLU forward and backward)
 * take AVX2 paths where the CPU has it (eight outputs at once: a gathered window per lane, compare
 * and blend). Their definitions are torch 1.13's scalar loops (MaxPoolKernel.cpp cpu_max_pool:
 * `val > maxval || isnan (val)` in window order, maxval from −inf; clamp_min(x, 0);
 * threshold_backward(g, y, 0)), written out here element by element. Every geometry of a grid
 * (kernel, stride, padding, dilation, ceil_mode, 1-d and 2-d, rows that do and do not fill a vector)
 * over inputs full of ties (0 and −0, repeated values), NaN and ±inf must give the same bits and
 * indices as those loops, with and without a gradient tape. tests/meson.build also runs this with
 * PS_DISABLE_SIMD (the scalar paths), and test-pool against torch's fixture both ways. */
#include "layer-golden.h"
#include "ps-autograd.h"

#include <math.h>

static guint32 lcg_state;

static guint32
lcg (void)
{
  lcg_state = lcg_state * 1664525u + 1013904223u;
  return lcg_state >> 8;
}

/* values from a small set (ties, ±0, NaN, ±inf) or else spread */
static float
special_value (void)
{
  static const float set[] = { 0.0f, -0.0f, 1.0f, -1.0f, 0.5f, 3.0f, NAN, INFINITY, -INFINITY, -NAN };
  const guint32 r = lcg ();
  if (r % 10 < 6)
    return set[(r / 10) % G_N_ELEMENTS (set)];
  return ((float) (r % 20001) - 10000.0f) / 1000.0f;
}

static PsTensor *
special_tensor (int nd, const int64_t *shape)
{
  g_autoptr (GError) error = NULL;
  PsTensor *t = ps_tensor_new (PS_DTYPE_FLOAT32, nd, shape, &error);
  g_assert_no_error (error);
  float *d = ps_tensor_f32 (t);
  for (int64_t i = 0; i < t->numel; i++)
    d[i] = special_value ();
  return t;
}

static gboolean
same_bits (float a, float b)
{
  guint32 x, y;
  memcpy (&x, &a, 4);
  memcpy (&y, &b, 4);
  return x == y;
}

/* pooling_output_shape */
static int64_t
out_size (int64_t in, int64_t k, int64_t pad, int64_t s, int64_t dil, gboolean ceil_mode)
{
  int64_t num = in + 2 * pad - dil * (k - 1) - 1 + (ceil_mode ? s - 1 : 0);
  if (num < 0)
    return 0;
  int64_t out = num / s + 1;
  if (ceil_mode && (out - 1) * s >= in + pad)
    out--;
  return out;
}

/* MaxPool2d(kernel, stride, padding, dilation, ceil_mode, return_indices=True) on x of shape
 * (N, C, H, W) — or MaxPool1d on (N, C, W) when one_d — against cpu_max_pool's loop. Returns the
 * number of outputs checked (0 when the geometry has no output). */
static guint64
check_max_pool (gboolean one_d, const int64_t *shape, int64_t kH, int64_t kW, int64_t s, int64_t pad, int64_t dil,
                gboolean ceil_mode)
{
  const int nd = one_d ? 3 : 4;
  const int64_t inH = one_d ? 1 : shape[2], inW = shape[nd - 1], planes = shape[0] * shape[1];
  const int64_t pH = one_d ? 0 : pad, sH = one_d ? 1 : s, dH = one_d ? 1 : dil;
  const int64_t outH = one_d ? 1 : out_size (inH, kH, pH, sH, dH, ceil_mode);
  const int64_t outW = out_size (inW, kW, pad, s, dil, ceil_mode);
  if (outH < 1 || outW < 1)
    return 0;
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) a = ps_args_new ();
  if (one_d || kH == kW)
    ps_args_set_int (a, "kernel_size", kW);
  else
    ps_args_set_int_list (a, "kernel_size", (int64_t[]) { kH, kW }, 2, NULL);
  ps_args_set_int (a, "stride", s);
  ps_args_set_int (a, "padding", pad);
  ps_args_set_int (a, "dilation", dil);
  ps_args_set_bool (a, "ceil_mode", ceil_mode);
  ps_args_set_bool (a, "return_indices", TRUE);
  g_autoptr (PsModule) m = ps_module_new (one_d ? "MaxPool1d" : "MaxPool2d", a, &gen, &error);
  g_assert_no_error (error);
  g_autoptr (PsTensor) x = special_tensor (nd, shape);
  const float *in = ps_tensor_cf32 (x);
  for (int taped = 0; taped < 2; taped++)
    {
      PsTape *tape = taped ? ps_tape_new () : NULL;
      g_autoptr (PsTensor) y = taped ? ps_tape_forward (tape, m, x, &gen, &error) : ps_module_forward (m, x, &gen, &error);
      g_assert_no_error (error);
      g_assert_nonnull (y->tuple_next);
      g_assert_cmpint (y->numel, ==, planes * outH * outW);
      const float *got = ps_tensor_cf32 (y);
      const int64_t *got_i = ps_tensor_ci64 (y->tuple_next);
      for (int64_t c = 0; c < planes; c++)
        for (int64_t oh = 0; oh < outH; oh++)
          for (int64_t ow = 0; ow < outW; ow++)
            {
              int64_t ih0 = oh * sH - pH, iw0 = ow * s - pad;
              const int64_t ih1 = MIN (ih0 + (kH - 1) * dH + 1, inH), iw1 = MIN (iw0 + (kW - 1) * dil + 1, inW);
              while (ih0 < 0)
                ih0 += dH;
              while (iw0 < 0)
                iw0 += dil;
              int64_t maxindex = ih0 * inW + iw0;
              float maxval = -INFINITY;
              for (int64_t ih = ih0; ih < ih1; ih += dH)
                for (int64_t iw = iw0; iw < iw1; iw += dil)
                  {
                    const int64_t index = ih * inW + iw;
                    const float val = in[c * inH * inW + index];
                    if (val > maxval || isnan (val))
                      {
                        maxval = val;
                        maxindex = index;
                      }
                  }
              const int64_t o = (c * outH + oh) * outW + ow;
              if (!same_bits (got[o], maxval) || got_i[o] != maxindex)
                g_error ("MaxPool%dd k (%" G_GINT64_FORMAT ", %" G_GINT64_FORMAT ") s %" G_GINT64_FORMAT
                         " p %" G_GINT64_FORMAT " d %" G_GINT64_FORMAT " ceil %d on %" G_GINT64_FORMAT "×%"
                         G_GINT64_FORMAT "%s: output %" G_GINT64_FORMAT " is %g at %" G_GINT64_FORMAT
                         ", cpu_max_pool gives %g at %" G_GINT64_FORMAT,
                         one_d ? 1 : 2, kH, kW, s, pad, dil, ceil_mode, inH, inW, taped ? " (tape)" : "", o,
                         got[o], got_i[o], maxval, maxindex);
            }
      if (tape != NULL)
        ps_tape_free (tape);
    }
  return (guint64) planes * outH * outW;
}

static void
test_max_pool (void)
{
  lcg_state = 12345;
  guint64 n = 0;
  guint n_geom = 0;
  static const int64_t hw[][2] = { { 1, 8 }, { 5, 7 }, { 9, 20 }, { 6, 33 }, { 28, 28 }, { 11, 11 }, { 4, 17 } };
  for (guint i = 0; i < G_N_ELEMENTS (hw); i++)
    for (int64_t kH = 1; kH <= 3; kH++)
      for (int64_t kW = 1; kW <= 3; kW++)
        for (int64_t s = 1; s <= 3; s++)
          for (int64_t pad = 0; pad <= 1; pad++)
            for (int64_t dil = 1; dil <= 2; dil++)
              for (int ceil_mode = 0; ceil_mode < 2; ceil_mode++)
                {
                  if (pad > kH / 2 || pad > kW / 2)
                    continue;
                  const int64_t shape[] = { 2, 3, hw[i][0], hw[i][1] };
                  guint64 k = check_max_pool (FALSE, shape, kH, kW, s, pad, dil, ceil_mode);
                  n_geom += k > 0;
                  n += k;
                  if (kH == 1)
                    {
                      const int64_t shape1[] = { 2, 3, hw[i][1] };
                      k = check_max_pool (TRUE, shape1, kW, kW, s, pad, dil, ceil_mode);
                      n_geom += k > 0;
                      n += k;
                    }
                }
  g_test_message ("%u geometries, %" G_GUINT64_FORMAT " outputs and indices equal to cpu_max_pool's loop", n_geom, n);
  g_assert_cmpuint (n_geom, >, 800);
}

/* ReLU forward (clamp_min(x, 0): −0 and NaN pass) and backward (threshold_backward: y <= 0 → 0)
 * for every length 0 … 70 (each remainder of 8 and 16), on the special values. */
static void
test_relu (void)
{
  lcg_state = 777;
  guint64 n = 0;
  for (int64_t len = 0; len <= 70; len++)
    {
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) a = ps_args_new ();
      g_autoptr (PsModule) m = ps_module_new ("ReLU", a, &gen, &error);
      g_assert_no_error (error);
      const int64_t shape[] = { 2, len };
      g_autoptr (PsTensor) x = special_tensor (2, shape);
      g_autoptr (PsTensor) gy = special_tensor (2, shape);
      PsTape *tape = ps_tape_new ();
      g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
      g_assert_no_error (error);
      g_autoptr (PsTensor) gx = NULL;
      g_assert_true (ps_tape_backward_input (tape, gy, &gx, &error));
      g_assert_no_error (error);
      ps_tape_free (tape);
      const float *xi = ps_tensor_cf32 (x), *yo = ps_tensor_cf32 (y), *g = ps_tensor_cf32 (gy), *gi = ps_tensor_cf32 (gx);
      for (int64_t i = 0; i < x->numel; i++)
        {
          const float want = xi[i] < 0.0f ? 0.0f : xi[i];
          const float want_g = want <= 0.0f ? 0.0f : g[i];
          if (!same_bits (yo[i], want) || !same_bits (gi[i], want_g))
            g_error ("ReLU length %" G_GINT64_FORMAT " element %" G_GINT64_FORMAT ": x %g → %g (want %g), grad %g → %g "
                     "(want %g)", x->numel, i, xi[i], yo[i], want, g[i], gi[i], want_g);
        }
      n += (guint64) x->numel;
    }
  g_test_message ("%" G_GUINT64_FORMAT " ReLU values and gradients equal to the scalar definitions", n);
  g_assert_cmpuint (n, ==, 70 * 71);   /* 2 × (0 + 1 + … + 70) */
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/select-kernels/max-pool", test_max_pool);
  g_test_add_func ("/select-kernels/relu", test_relu);
  return g_test_run ();
}
