/* test-onednn.c — torch 1.13's convolution engine and GELU through libdnnl, and the thread/ISA rules.
 *
 * Golden (tests/data/onednn-golden.json, tests/golden/gen_onednn.py, torch 1.13 with
 * ONEDNN_MAX_CPU_ISA=AVX2): Conv1d/2d/3d forward, grad_input, grad_weight, grad_bias and GELU
 * forward/backward compared bit for bit, and torch's backend choice for each. They need oneDNN
 * capped at AVX2 (tests/meson.build sets it) and SKIP otherwise.
 * Torch-free (any ISA; also run as test-onednn-native without the cap): the libdnnl paths and the
 * im2col paths against naive double-precision references, within tolerance. */
#include <glib.h>
#include <json-glib/json-glib.h>
#include <float.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "ps-conv.h"
#include "ps-onednn.h"
#include "ps-threads.h"
#include "ps-init.h"
#include "ps-erfinv.h"
#include "ps-rng-kernels.h"
#include "ps-sleef.h"

static guint64 compared_values;

static JsonParser *
load_golden (void)
{
  const char *dir = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (dir);
  g_autofree char *path = g_build_filename (dir, "onednn-golden.json", NULL);
  JsonParser *p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  json_parser_load_from_file (p, path, &error);
  g_assert_no_error (error);
  return p;
}

/* base64 little-endian float32 → floats (x86-64 is little-endian; the test is for x86 anyway). */
static float *
get_f32 (JsonObject *o, const char *name, gsize *n)
{
  gsize len = 0;
  guchar *raw = g_base64_decode (json_object_get_string_member (o, name), &len);
  g_assert_cmpuint (len % 4, ==, 0);
  *n = len / 4;
  return (float *) raw;
}

static gboolean
golden_applies (void)
{
  if (g_strcmp0 (g_getenv ("ONEDNN_MAX_CPU_ISA"), "AVX2") != 0 || strcmp (ps_onednn_isa (), "AVX2") != 0)
    {
      g_test_skip ("the fixtures were made with oneDNN capped at AVX2 (ONEDNN_MAX_CPU_ISA=AVX2, a CPU with AVX2)");
      return FALSE;
    }
  return TRUE;
}

static void
assert_bits (const char *what, int idx, const float *got, const float *want, gsize n)
{
  for (gsize i = 0; i < n; i++)
    if (memcmp (&got[i], &want[i], sizeof (float)) != 0)
      g_error ("case %d %s[%" G_GSIZE_FORMAT "]: %.9g, torch %.9g (not bit-identical)", idx, what, i, got[i], want[i]);
  compared_values += n;
}

static void
shape_from_case (JsonObject *c, PsConvShape *s, int *nd)
{
  *nd = (int) json_object_get_int_member (c, "nd");
  *s = (PsConvShape) {
    .batch = json_object_get_int_member (c, "N"),
    .in_channels = json_object_get_int_member (c, "C"),
    .out_channels = json_object_get_int_member (c, "O"),
    .groups = json_object_get_int_member (c, "groups"),
  };
  const char *names[] = { "in", "kernel", "stride", "padding", "dilation" };
  int64_t *dst[] = { s->in, s->kernel, s->stride, s->pad_lo, s->dilation };
  const int64_t fill[] = { 1, 1, 1, 0, 1 };
  for (int k = 0; k < 5; k++)
    {
      JsonArray *a = json_object_get_array_member (c, names[k]);
      for (int d = 0; d < 3; d++)
        dst[k][d] = d < 3 - *nd ? fill[k] : json_array_get_int_element (a, d - (3 - *nd));
    }
  memcpy (s->pad_hi, s->pad_lo, sizeof s->pad_lo);
}

static void
test_conv_golden (void)
{
  if (!golden_applies ())
    return;
  g_autoptr (JsonParser) p = load_golden ();
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "conv");
  guint n_mkldnn = 0, n_slow = 0;
  const guint64 before = compared_values;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsConvShape s;
      int nd;
      shape_from_case (c, &s, &nd);
      ps_threads_set_intra_op ((int) json_object_get_int_member (c, "threads"));
      const char *backend = ps_conv_backend (&s, nd);
      g_assert_cmpstr (backend, ==, json_object_get_string_member (c, "backend"));
      if (strcmp (backend, "Mkldnn") == 0)
        n_mkldnn++;
      else
        n_slow++;
      gsize nx, nw, ny, ngy, n;
      g_autofree float *x = get_f32 (c, "x", &nx);
      g_autofree float *w = get_f32 (c, "w", &nw);
      g_autofree float *y_want = get_f32 (c, "y", &ny);
      g_autofree float *gy = get_f32 (c, "gy", &ngy);
      g_autofree float *gx_want = get_f32 (c, "gx", &n);
      g_assert_cmpuint (n, ==, nx);
      g_autofree float *gw_want = get_f32 (c, "gw", &n);
      g_assert_cmpuint (n, ==, nw);
      const gboolean bias = json_object_get_boolean_member (c, "bias");
      g_autofree float *b = NULL;
      g_autofree float *gb_want = NULL;
      if (bias)
        {
          b = get_f32 (c, "b", &n);
          g_assert_cmpuint (n, ==, (gsize) s.out_channels);
          gb_want = get_f32 (c, "gb", &n);
        }
      int64_t numel;
      g_assert_true (ps_conv_output_numel (&s, &numel, NULL));
      g_assert_cmpint (numel, ==, (int64_t) ny);
      g_autofree float *y = g_new (float, ny);
      g_autofree float *gx = g_new (float, nx);
      g_autofree float *gw = g_new (float, nw);
      g_autofree float *gb = g_new (float, s.out_channels);
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_conv_forward (&s, nd, x, w, b, y, &error));
      g_assert_no_error (error);
      assert_bits ("y", i, y, y_want, ny);
      g_assert_true (ps_conv_backward (&s, nd, x, w, gy, gx, gw, bias ? gb : NULL, &error));
      g_assert_no_error (error);
      assert_bits ("grad_input", i, gx, gx_want, nx);
      assert_bits ("grad_weight", i, gw, gw_want, nw);
      if (bias)
        assert_bits ("grad_bias", i, gb, gb_want, (gsize) s.out_channels);
    }
  ps_threads_set_intra_op (1);
  g_assert_cmpuint (n_mkldnn, >=, 60);
  g_assert_cmpuint (n_slow, >=, 3);
  g_test_message ("%u oneDNN and %u Slow2d convolutions, %" G_GUINT64_FORMAT " values bit-identical with torch",
                  n_mkldnn, n_slow, compared_values - before);
}

static void
test_gelu_golden (void)
{
  if (!golden_applies ())
    return;
  g_autoptr (JsonParser) p = load_golden ();
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "gelu");
  const guint64 before = compared_values;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonArray *sh = json_object_get_array_member (c, "shape");
      int64_t shape[8];
      int ndim = (int) json_array_get_length (sh);
      for (int d = 0; d < ndim; d++)
        shape[d] = json_array_get_int_element (sh, d);
      ps_threads_set_intra_op ((int) json_object_get_int_member (c, "threads"));
      gsize n, m;
      g_autofree float *x = get_f32 (c, "x", &n);
      g_autofree float *y_want = get_f32 (c, "y", &m);
      g_autofree float *gy = get_f32 (c, "gy", &m);
      g_autofree float *gx_want = get_f32 (c, "gx", &m);
      g_autofree float *y = g_new (float, n);
      g_autofree float *gx = g_new (float, n);
      g_autoptr (GError) error = NULL;
      g_assert_true (ps_onednn_gelu_forward (ndim, shape, x, y, &error));
      g_assert_no_error (error);
      assert_bits ("gelu", i, y, y_want, n);
      g_assert_true (ps_onednn_gelu_backward (ndim, shape, gy, x, gx, &error));
      g_assert_no_error (error);
      assert_bits ("gelu grad_input", i, gx, gx_want, n);
    }
  ps_threads_set_intra_op (1);
  g_test_message ("%" G_GUINT64_FORMAT " GELU values bit-identical with torch", compared_values - before);
}

/* ---------- torch-free: against naive references ---------- */

static void
fill_random (GRand *r, float *v, int64_t n, double scale)
{
  for (int64_t i = 0; i < n; i++)
    v[i] = (float) (g_rand_double_range (r, -1.0, 1.0) * scale);
}

/* |a − b| ≤ tol·(max |b| + 1e-3) for every element: sums of products in float, compared with double. */
static void
assert_close (const char *what, const char *shape, const float *a, const float *b, int64_t n)
{
  double m = 0;
  for (int64_t i = 0; i < n; i++)
    m = MAX (m, fabs (b[i]));
  for (int64_t i = 0; i < n; i++)
    if (!(fabs ((double) a[i] - b[i]) <= 2e-5 * (m + 1e-3)))
      g_error ("%s %s[%" G_GINT64_FORMAT "]: %.9g, reference %.9g (max |ref| %g)", shape, what, i, a[i], b[i], m);
}

typedef struct {
  int nd;
  int64_t N, C, O, G, in[3], k[3], st[3], pad[3], dil[3];
  gboolean bias;
} NaiveCase;

static void
test_conv_naive (void)
{
  const NaiveCase cases[] = {
    { 2, 2, 3, 8, 1, { 1, 9, 7 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, TRUE },
    { 2, 3, 4, 8, 2, { 1, 10, 11 }, { 1, 3, 2 }, { 1, 2, 1 }, { 0, 1, 0 }, { 1, 2, 1 }, FALSE },
    { 2, 2, 8, 8, 8, { 1, 8, 8 }, { 1, 3, 3 }, { 1, 2, 2 }, { 0, 1, 1 }, { 1, 1, 1 }, TRUE },
    { 2, 8, 16, 32, 1, { 1, 14, 14 }, { 1, 1, 1 }, { 1, 1, 1 }, { 0, 0, 0 }, { 1, 1, 1 }, TRUE },
    { 2, 4, 64, 64, 1, { 1, 12, 12 }, { 1, 3, 3 }, { 1, 1, 1 }, { 0, 1, 1 }, { 1, 1, 1 }, TRUE },
    { 1, 4, 4, 8, 1, { 1, 1, 23 }, { 1, 1, 5 }, { 1, 1, 2 }, { 0, 0, 2 }, { 1, 1, 1 }, TRUE },
    { 1, 2, 6, 6, 3, { 1, 1, 30 }, { 1, 1, 3 }, { 1, 1, 1 }, { 0, 0, 0 }, { 1, 1, 3 }, FALSE },
    { 3, 2, 4, 8, 2, { 6, 7, 5 }, { 3, 3, 3 }, { 1, 1, 1 }, { 1, 1, 1 }, { 1, 1, 1 }, TRUE },
    { 3, 2, 1, 4, 1, { 5, 6, 7 }, { 2, 3, 1 }, { 2, 1, 1 }, { 0, 1, 0 }, { 1, 2, 1 }, TRUE },
  };
  GRand *r = g_rand_new_with_seed (13);
  for (guint ci = 0; ci < G_N_ELEMENTS (cases); ci++)
    {
      const NaiveCase *k = &cases[ci];
      PsConvShape s = { .batch = k->N, .in_channels = k->C, .out_channels = k->O, .groups = k->G };
      memcpy (s.in, k->in, sizeof s.in);
      memcpy (s.kernel, k->k, sizeof s.kernel);
      memcpy (s.stride, k->st, sizeof s.stride);
      memcpy (s.pad_lo, k->pad, sizeof s.pad_lo);
      memcpy (s.pad_hi, k->pad, sizeof s.pad_hi);
      memcpy (s.dilation, k->dil, sizeof s.dilation);
      g_autofree char *name = g_strdup_printf ("case %u (%dd N%" G_GINT64_FORMAT " %" G_GINT64_FORMAT "→%" G_GINT64_FORMAT
                                               " g%" G_GINT64_FORMAT ")", ci, k->nd, k->N, k->C, k->O, k->G);
      int64_t ny;
      g_assert_true (ps_conv_output_numel (&s, &ny, NULL));
      const int64_t nx = k->N * k->C * k->in[0] * k->in[1] * k->in[2];
      const int64_t nw = k->O * (k->C / k->G) * k->k[0] * k->k[1] * k->k[2];
      g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, k->O);
      g_autofree float *gy = g_new (float, ny);
      fill_random (r, x, nx, 1.0);
      fill_random (r, w, nw, 0.3);
      fill_random (r, b, k->O, 0.5);
      fill_random (r, gy, ny, 1.0);
      const float *bias = k->bias ? b : NULL;
      g_autofree float *y_ref = g_new (float, ny), *gx_ref = g_new (float, nx), *gw_ref = g_new (float, nw);
      g_autofree float *gb_ref = g_new (float, k->O);
      ps_conv_forward_naive (&s, x, w, bias, y_ref);
      ps_conv_backward_naive (&s, x, w, gy, gx_ref, gw_ref, gb_ref);
      g_autofree float *y = g_new (float, ny), *gx = g_new (float, nx), *gw = g_new (float, nw);
      g_autofree float *gb = g_new (float, k->O);
      g_autoptr (GError) error = NULL;
      for (int engine = 0; engine < 2; engine++)
        {
          /* engine 0: libdnnl; engine 1: im2col + OpenBLAS (torch's Slow backends) */
          const char *what = engine == 0 ? "oneDNN" : "im2col";
          gboolean ok = engine == 0 ? ps_onednn_conv_forward (&s, k->nd, x, w, bias, y, &error)
                                    : ps_conv_forward_gemm (&s, x, w, bias, y, &error);
          g_assert_no_error (error);
          g_assert_true (ok);
          g_autofree char *label = g_strdup_printf ("%s y", what);
          assert_close (label, name, y, y_ref, ny);
          memset (gx, 0xff, nx * sizeof (float));
          memset (gw, 0xff, nw * sizeof (float));
          if (engine == 0)
            ok = ps_onednn_conv_backward_data (&s, k->nd, gy, w, gx, &error)
                 && ps_onednn_conv_backward_weights (&s, k->nd, x, gy, gw, gb, &error);
          else
            ok = ps_conv_backward_gemm (&s, x, w, gy, gx, gw, gb, &error);
          g_assert_no_error (error);
          g_assert_true (ok);
          g_free (label);
          label = g_strdup_printf ("%s grad_input", what);
          assert_close (label, name, gx, gx_ref, nx);
          g_free (label);
          label = g_strdup_printf ("%s grad_weight", what);
          assert_close (label, name, gw, gw_ref, nw);
          g_free (label);
          label = g_strdup_printf ("%s grad_bias", what);
          assert_close (label, name, gb, gb_ref, k->O);
        }
      /* the dispatching entry points agree with the backend they pick */
      g_assert_true (ps_conv_forward (&s, k->nd, x, w, bias, y, &error));
      g_assert_no_error (error);
      assert_close ("dispatched y", name, y, y_ref, ny);
      g_assert_true (ps_conv_backward (&s, k->nd, x, w, gy, gx, NULL, NULL, &error));
      g_assert_no_error (error);
      assert_close ("dispatched grad_input", name, gx, gx_ref, nx);
    }
  g_rand_free (r);
}

/* padding='same' with an even kernel: torch pads the high side explicitly first */
static void
test_conv_asymmetric (void)
{
  PsConvShape s = { .batch = 2, .in_channels = 3, .out_channels = 4, .groups = 1,
                    .in = { 1, 7, 6 }, .kernel = { 1, 4, 2 }, .stride = { 1, 1, 1 }, .pad_lo = { 0, 1, 0 },
                    .pad_hi = { 0, 2, 1 }, .dilation = { 1, 1, 1 } };
  g_assert_cmpstr (ps_conv_backend (&s, 2), ==, "Mkldnn");
  int64_t ny;
  g_assert_true (ps_conv_output_numel (&s, &ny, NULL));
  g_assert_cmpint (ny, ==, 2 * 4 * 7 * 6);
  const int64_t nx = 2 * 3 * 7 * 6, nw = 4 * 3 * 4 * 2;
  GRand *r = g_rand_new_with_seed (5);
  g_autofree float *x = g_new (float, nx), *w = g_new (float, nw), *b = g_new (float, 4), *gy = g_new (float, ny);
  fill_random (r, x, nx, 1.0);
  fill_random (r, w, nw, 0.3);
  fill_random (r, b, 4, 0.5);
  fill_random (r, gy, ny, 1.0);
  g_rand_free (r);
  g_autofree float *y = g_new (float, ny), *y_ref = g_new (float, ny);
  g_autofree float *gx = g_new (float, nx), *gx_ref = g_new (float, nx);
  g_autofree float *gw = g_new (float, nw), *gw_ref = g_new (float, nw), *gb = g_new (float, 4), *gb_ref = g_new (float, 4);
  ps_conv_forward_naive (&s, x, w, b, y_ref);
  ps_conv_backward_naive (&s, x, w, gy, gx_ref, gw_ref, gb_ref);
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_conv_forward (&s, 2, x, w, b, y, &error));
  g_assert_no_error (error);
  assert_close ("y", "same-padding", y, y_ref, ny);
  g_assert_true (ps_conv_backward (&s, 2, x, w, gy, gx, gw, gb, &error));
  g_assert_no_error (error);
  assert_close ("grad_input", "same-padding", gx, gx_ref, nx);
  assert_close ("grad_weight", "same-padding", gw, gw_ref, nw);
  assert_close ("grad_bias", "same-padding", gb, gb_ref, 4);
  /* a transposed convolution (C = 4 → O = 3, the same weight read as (4, 3, 4, 2)) on gy's (7, 6)
   * input: ATen's SlowTranspose2d backward against the naive reference */
  s.transposed = TRUE;
  s.in_channels = 4;
  s.out_channels = 3;
  s.pad_hi[1] = s.pad_lo[1];
  s.pad_hi[2] = s.pad_lo[2];
  g_assert_cmpstr (ps_conv_backend (&s, 2), ==, "SlowTranspose2d");
  int64_t nyt;
  g_assert_true (ps_conv_output_numel (&s, &nyt, NULL));
  const int64_t nxt = 2 * 4 * 7 * 6;
  g_autofree float *gyt = g_new (float, nyt), *gxt = g_new (float, nxt), *gxt_ref = g_new (float, nxt);
  GRand *r2 = g_rand_new_with_seed (6);
  fill_random (r2, gyt, nyt, 1.0);
  g_rand_free (r2);
  g_assert_true (ps_conv_backward (&s, 2, gy, w, gyt, gxt, gw, gb, &error));
  g_assert_no_error (error);
  ps_conv_transpose_backward_naive (&s, gy, w, gyt, gxt_ref, gw_ref, gb_ref);
  assert_close ("grad_input", "transposed", gxt, gxt_ref, nxt);
  assert_close ("grad_weight", "transposed", gw, gw_ref, nw);
  assert_close ("grad_bias", "transposed", gb, gb_ref, 3);
}

static void
test_gelu_naive (void)
{
  const int64_t n = 10007;
  g_autofree float *x = g_new (float, n), *y = g_new (float, n), *gy = g_new (float, n), *gx = g_new (float, n);
  GRand *r = g_rand_new_with_seed (3);
  fill_random (r, x, n, 6.0);
  fill_random (r, gy, n, 1.0);
  g_rand_free (r);
  x[0] = 0.0f;
  x[1] = -0.0f;
  x[2] = 20.0f;
  x[3] = -20.0f;
  int64_t shape[2] = { 1, n };
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_onednn_gelu_forward (2, shape, x, y, &error));
  g_assert_no_error (error);
  g_assert_true (ps_onednn_gelu_backward (2, shape, gy, x, gx, &error));
  g_assert_no_error (error);
  for (int64_t i = 0; i < n; i++)
    {
      const double v = x[i];
      const double cdf = 0.5 * (1.0 + erf (v / sqrt (2.0)));
      const double pdf = exp (-0.5 * v * v) / sqrt (2.0 * G_PI);
      const double ry = v * cdf, rg = gy[i] * (cdf + v * pdf);
      if (!(fabs (y[i] - ry) <= 1e-6 * (1.0 + fabs (ry))) || !(fabs (gx[i] - rg) <= 1e-6 * (1.0 + fabs (rg))))
        g_error ("gelu(%.9g): %.9g / grad %.9g, reference %.9g / %.9g", x[i], y[i], gx[i], ry, rg);
    }
  /* a 0-dimension tensor is refused, not crashed on */
  g_assert_false (ps_onednn_gelu_forward (0, shape, x, y, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

static void
test_threads (void)
{
  /* tests/meson.build runs this with OMP_NUM_THREADS=1, as torch reads it */
  if (g_getenv ("OMP_NUM_THREADS") != NULL && g_getenv ("PS_NUM_THREADS") == NULL && g_getenv ("MKL_NUM_THREADS") == NULL)
    g_assert_cmpint (ps_threads_intra_op (), ==, atoi (g_getenv ("OMP_NUM_THREADS")));
  ps_threads_set_intra_op (3);
  g_assert_cmpint (ps_threads_intra_op (), ==, 3);
  ps_threads_set_intra_op (1);
  const char *cap = ps_threads_aten_capability ();
  g_assert_true (strcmp (cap, "AVX2") == 0 || strcmp (cap, "AVX512") == 0 || strcmp (cap, "DEFAULT") == 0);
  g_autofree char *report = ps_threads_runtime_report ();
  g_assert_nonnull (strstr (report, "Intra-op threads: 1"));
  g_assert_nonnull (strstr (report, "OpenBLAS: core "));
  g_assert_nonnull (strstr (report, "oneDNN: 2."));
  g_assert_nonnull (strstr (report, ps_onednn_isa ()));
}

static void
mark (int64_t begin, int64_t end, void *data)
{
  guint8 *seen = data;
  for (int64_t i = begin; i < end; i++)
    seen[i]++;
}

/* every element once, in pieces that start at whole grains */
typedef struct {
  guint8 *seen;
  int64_t grain;
  gint bad_start;
  gint nested;   /* 1: each piece runs a parallel_for of its own (the pool is busy: done inline) */
} MarkJob;

static void
mark_job (int64_t begin, int64_t end, void *data)
{
  MarkJob *j = data;
  if (begin % j->grain != 0)
    g_atomic_int_inc (&j->bad_start);
  if (j->nested)
    {
      MarkJob inner = { j->seen + begin, 1, 0, 0 };
      ps_threads_parallel_for (end - begin, 1, mark_job, &inner);
      if (inner.bad_start)
        g_atomic_int_inc (&j->bad_start);
    }
  else
    for (int64_t i = begin; i < end; i++)
      j->seen[i]++;
}

static void
check_marks (int64_t n, int64_t grain, gboolean nested)
{
  g_autofree guint8 *seen = g_new0 (guint8, MAX (n, 1));
  MarkJob j = { seen, grain, 0, nested };
  ps_threads_parallel_for (n, grain, mark_job, &j);
  g_assert_cmpint (j.bad_start, ==, 0);
  for (int64_t i = 0; i < n; i++)
    g_assert_cmpint (seen[i], ==, 1);
}

static gpointer
marks_thread (G_GNUC_UNUSED gpointer data)
{
  for (int r = 0; r < 300; r++)
    check_marks (20000 + r, 8, FALSE);
  return NULL;
}

static void
test_parallel_for (void)
{
  const int64_t sizes[] = { 0, 1, 15, 16, 17, 1000, 100003 };
  for (guint k = 0; k < G_N_ELEMENTS (sizes); k++)
    {
      g_autofree guint8 *seen = g_new0 (guint8, MAX (sizes[k], 1));
      ps_threads_parallel_for (sizes[k], 16, mark, seen);
      for (int64_t i = 0; i < sizes[k]; i++)
        g_assert_cmpint (seen[i], ==, 1);
    }
  /* the helpers persist between calls: many calls in a row (a training step makes several per
   * step), some so short that a helper wakes after the call is over and must take nothing from the
   * next one */
  for (int r = 0; r < 2000; r++)
    check_marks (r % 7 == 0 ? 100003 : 2 * 8 + r % 50, 8, FALSE);
  /* a call from inside a piece runs there, whole */
  check_marks (4096, 64, TRUE);
  /* two threads calling at once: one gets the pool, the other does its range itself */
  GThread *t = g_thread_new ("marks", marks_thread, NULL);
  marks_thread (NULL);
  g_thread_join (t);
}

/* Pieces that run on a helper see the caller's flavour (ps_threads_get_flavour, aten_lanes): the
 * caller's first piece waits (10 s at most) until some piece has run on another thread. */
typedef struct {
  GThread *caller;
  gint on_helper, wrong_flavour;
} FlavourJob;

static void
flavour_job (G_GNUC_UNUSED int64_t begin, G_GNUC_UNUSED int64_t end, void *data)
{
  FlavourJob *j = data;
  if (ps_threads_get_flavour () != PS_FLAVOUR_DEFAULT || ps_threads_aten_lanes () != 8)
    g_atomic_int_inc (&j->wrong_flavour);
  if (g_thread_self () != j->caller)
    {
      g_atomic_int_set (&j->on_helper, 1);
      return;
    }
  for (gint64 until = g_get_monotonic_time () + 10 * G_USEC_PER_SEC;
       !g_atomic_int_get (&j->on_helper) && g_get_monotonic_time () < until;)
    g_usleep (1000);
}

static void
test_parallel_for_flavour (void)
{
  const PsFlavour old = ps_threads_set_flavour (PS_FLAVOUR_DEFAULT);
  FlavourJob j = { g_thread_self (), 0, 0 };
  ps_threads_parallel_for (1 << 16, 64, flavour_job, &j);
  ps_threads_set_flavour (old);
  if (!g_atomic_int_get (&j.on_helper))
    {
      g_test_skip ("no piece ran on a helper thread (one CPU, or PS_ELEMENTWISE_THREADS=1)");
      return;
    }
  g_assert_cmpint (j.wrong_flavour, ==, 0);
}

/* normal_ and trunc_normal_ transform their draws on several threads: the same bits as one pass */
static void
test_elementwise_split (void)
{
  const size_t n = 16 * 20011;   /* several grains per thread */
  for (int fl = 0; fl < 2; fl++)
    {
      const PsFlavour flavour = fl ? PS_FLAVOUR_AVX2 : PS_FLAVOUR_DEFAULT;
      PsGenerator a, b;
      ps_generator_init (&a, 1234, flavour);
      ps_generator_init (&b, 1234, flavour);
      g_autofree float *x = g_new (float, n), *ref = g_new (float, n);
      ps_generator_normal_f32 (&a, x, n, 0.5, 2.0, TRUE);
      ps_generator_uniform_f32 (&b, ref, n, 0.0, 1.0);
      ps_kernel_normal_fill16 (ref, n / 16, 0.5f, 2.0f, flavour);
      g_assert_cmpmem (x, n * sizeof (float), ref, n * sizeof (float));

      int64_t shape[2] = { 17, 9001 };
      g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, 2, shape, NULL);
      ps_generator_init (&a, 99, flavour);
      ps_generator_init (&b, 99, flavour);
      g_assert_true (ps_init_trunc_normal_ (t, 0.1, 0.7, -1.0, 1.5, &a, NULL, NULL));
      const double l = (1. + erf (((-1.0 - 0.1) / 0.7) / sqrt (2.))) / 2.;
      const double u = (1. + erf (((1.5 - 0.1) / 0.7) / sqrt (2.))) / 2.;
      g_autofree float *r = g_new (float, t->numel);
      ps_generator_uniform_f32 (&b, r, (size_t) t->numel, 2 * l - 1, 2 * u - 1);
      for (int64_t i = 0; i < t->numel; i++)
        {
          float v = ps_erfinv_f32 (r[i], flavour) * (float) (0.7 * sqrt (2.));
          v = v + 0.1f;
          v = v < -1.0f ? -1.0f : v;
          r[i] = 1.5f < v ? 1.5f : v;
        }
      g_assert_cmpmem (ps_tensor_cf32 (t), t->numel * sizeof (float), r, t->numel * sizeof (float));
      g_assert_true (ps_generator_equal (&a, &b));
    }
}

static float
bits_f32 (guint32 b)
{
  float f;
  memcpy (&f, &b, 4);
  return f;
}

/* libsleef against the scalar ports (exp, tanh, log: the same bits; for exp and tanh a full sweep with stride 7 over all
 * 2^32 patterns found 0 differences) and against double-precision libm (Sleef u10: 1 ulp, checked with a margin: ≤ 1.5 ulp) */
static void
test_sleef (void)
{
  if (!ps_sleef_available ())
    {
      g_test_skip ("no FMA: the ports are used, there is no library to compare");
      return;
    }
  guint n = 0;
  for (guint64 u = 0; u < ((guint64) 1 << 32); u += 65521, n++)
    {
      const float x = bits_f32 ((guint32) u);
      float a = ps_sleef_expf (x), b = ps_sleef_expf_port (x);
      if (memcmp (&a, &b, 4) != 0)
        g_error ("expf(%a): libsleef %a, port %a", x, a, b);
      a = ps_sleef_tanhf (x);
      b = ps_sleef_tanhf_port (x);
      if (memcmp (&a, &b, 4) != 0)
        g_error ("tanhf(%a): libsleef %a, port %a", x, a, b);
      a = ps_sleef_logf (x);
      b = ps_sleef_logf_port (x);
      if (memcmp (&a, &b, 4) != 0)
        g_error ("logf(%a): libsleef %a, port %a", x, a, b);
      if (!isfinite (x))
        continue;
      /* Sleef 3.5.1's log1pf returns inf above 1e38 (and so does torch's log1p on AVX2) */
      if (x > 1e38f)
        {
          g_assert_true (isinf (ps_sleef_log1pf (x)));
          continue;
        }
      const struct { const char *name; float got; double want; } r[] = {
        { "logf", ps_sleef_logf (x), x >= 0 ? log (x) : NAN },
        { "log1pf", ps_sleef_log1pf (x), x >= -1 ? log1p (x) : NAN },
        { "erff", ps_sleef_erff (x), erf (x) },
        { "expf", ps_sleef_expf (x), exp (x) },
        { "tanhf", ps_sleef_tanhf (x), tanh (x) },
      };
      for (guint k = 0; k < G_N_ELEMENTS (r); k++)
        {
          if (isnan (r[k].want) || isinf ((float) r[k].want) || fabs (r[k].want) < FLT_MIN)
            continue;
          const double ulp = nextafterf ((float) fabs (r[k].want), INFINITY) - (float) fabs (r[k].want);
          if (!(fabs (r[k].got - r[k].want) <= 1.5 * ulp))
            g_error ("%s(%a) = %a, libm %a (more than 1.5 ulp)", r[k].name, x, r[k].got, r[k].want);
        }
    }
  g_assert_cmpuint (n, >, 65000);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/onednn/threads", test_threads);
  g_test_add_func ("/onednn/conv/golden", test_conv_golden);
  g_test_add_func ("/onednn/gelu/golden", test_gelu_golden);
  g_test_add_func ("/onednn/conv/naive", test_conv_naive);
  g_test_add_func ("/onednn/conv/asymmetric", test_conv_asymmetric);
  g_test_add_func ("/onednn/gelu/naive", test_gelu_naive);
  g_test_add_func ("/onednn/parallel-for", test_parallel_for);
  g_test_add_func ("/onednn/parallel-for-flavour", test_parallel_for_flavour);
  g_test_add_func ("/onednn/elementwise-split", test_elementwise_split);
  g_test_add_func ("/onednn/sleef", test_sleef);
  return g_test_run ();
}
