/* test-clip-grad.c — torch.norm(x, 2) and clip_grad_norm_ against torch 1.13 at ATen's three CPU
 * capabilities (tests/data/grad-norm-golden.json, tests/golden/gen_grad_norm.py): the norm of every
 * length 1..4096 (three vectors each at three scales, values spread over 16 or 2 binades) for AVX2,
 * AVX512 and DEFAULT in one run (ps_grad_norm2_lanes is plain C, so every CPU checks all three);
 * clip_grad_norm_'s total and the clipped .grad of 13 parameter lists × 2 max_norms at the
 * capability this process runs at (test-clip-grad-avx512 sets ATEN_CPU_CAPABILITY=avx512) and
 * under "flavour": "default". */
#include <string.h>
#include "ps-clip-grad.h"
#include "ps-threads.h"
#include "train-golden.h"

/* The fixture's value stream (gen_grad_norm.py: lowbias32, values ()). */
static guint32
lowbias32 (guint32 x)
{
  x ^= x >> 16;
  x *= 0x7feb352du;
  x ^= x >> 15;
  x *= 0x846ca68bu;
  x ^= x >> 16;
  return x;
}

static void
stream_values_spread (guint64 start, int64_t n, int scale, guint32 spread, float *out)
{
  for (int64_t i = 0; i < n; i++)
    {
      const guint32 h = lowbias32 ((guint32) (start + (guint64) i));
      const guint32 ex = (guint32) (127 + scale - (int) spread / 2) + ((h >> 23) & (spread - 1));
      const guint32 bits = (h & 0x80000000u) | (ex << 23) | (h & 0x7fffffu);
      memcpy (&out[i], &bits, 4);
    }
}

static void
stream_values (guint64 start, int64_t n, int scale, float *out)
{
  stream_values_spread (start, n, scale, 16, out);
}

static guint32
hex_at (const char *s, gsize i)
{
  char b[9];
  memcpy (b, s + 8 * i, 8);
  b[8] = '\0';
  return (guint32) g_ascii_strtoull (b, NULL, 16);
}

static guint32
float_bits (float v)
{
  guint32 b;
  memcpy (&b, &v, 4);
  return b;
}

static JsonObject *
capability (const char *name)
{
  JsonObject *caps = json_object_get_object_member (tg_root_of ("grad-norm-golden.json"), "capabilities");
  g_assert_true (json_object_has_member (caps, name));
  return json_object_get_object_member (caps, name);
}

static void
test_norm_lengths (void)
{
  JsonObject *root = tg_root_of ("grad-norm-golden.json");
  const int64_t max_len = json_object_get_int_member (root, "max_len");
  const int reps = (int) json_object_get_int_member (root, "reps");
  JsonArray *scales = json_object_get_array_member (root, "scales");
  JsonArray *spreads = json_object_get_array_member (root, "spreads");
  g_assert_cmpint (max_len, ==, 4096);
  g_assert_cmpint (reps, ==, (int) json_array_get_length (scales));
  g_assert_cmpint (reps, ==, (int) json_array_get_length (spreads));
  static const struct { const char *cap; int lanes; gboolean fused; } caps[] = {
    { "avx2", 8, TRUE }, { "avx512", 16, TRUE }, { "default", 8, FALSE },
  };
  g_autofree float *x = g_new (float, max_len);
  gsize bad_all = 0;
  for (guint c = 0; c < G_N_ELEMENTS (caps); c++)
    {
      const char *norms = json_object_get_string_member (capability (caps[c].cap), "norms");
      g_assert_cmpuint (strlen (norms), ==, (gsize) (8 * max_len * reps));
      guint64 start = 0;
      gsize k = 0, bad = 0, bad_mod[16] = { 0 };
      for (int64_t n = 1; n <= max_len; n++)
        for (int r = 0; r < reps; r++, k++)
          {
            stream_values_spread (start, n, (int) json_array_get_int_element (scales, (guint) r),
                                  (guint32) json_array_get_int_element (spreads, (guint) r), x);
            start += (guint64) n;
            const float got = ps_grad_norm2_lanes (x, n, caps[c].lanes, caps[c].fused);
            if (float_bits (got) != hex_at (norms, k))
              {
                if (bad < 5)
                  g_test_message ("%s: length %" G_GINT64_FORMAT " vector %d: %08x, torch %08x", caps[c].cap, n, r,
                                  float_bits (got), hex_at (norms, k));
                bad++;
                bad_mod[n % caps[c].lanes]++;
              }
          }
      GString *m = g_string_new (NULL);
      for (int l = 0; l < caps[c].lanes; l++)
        g_string_append_printf (m, " %d:%" G_GSIZE_FORMAT, l, bad_mod[l]);
      g_test_message ("%s: %" G_GSIZE_FORMAT " of %" G_GSIZE_FORMAT " norms differ (by length mod %d:%s)", caps[c].cap,
                      bad, k, caps[c].lanes, m->str);
      g_string_free (m, TRUE);
      g_assert_cmpuint (k, ==, (gsize) (max_len * reps));
      bad_all += bad;
    }
  g_assert_cmpuint (bad_all, ==, 0);
}

/* The clip cases of one capability, run with `flavour` at this process's lanes. */
static void
check_clip (const char *cap, PsFlavour flavour)
{
  JsonObject *root = tg_root_of ("grad-norm-golden.json");
  guint64 start = (guint64) json_object_get_int_member (root, "clip_base");
  JsonArray *cases = json_object_get_array_member (capability (cap), "clip");
  g_assert_cmpuint (json_array_get_length (cases), >=, 20);
  static const int scales[3] = { -6, 0, 3 };
  gsize values = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonArray *sizes = json_object_get_array_member (c, "sizes");
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new_container ("Sequential", NULL, &error);
      g_assert_no_error (error);
      for (guint j = 0; j < json_array_get_length (sizes); j++)
        {
          const int64_t s = json_array_get_int_element (sizes, j);
          g_autoptr (PsTensor) v = ps_tensor_new_1d (PS_DTYPE_FLOAT32, s, &error);
          g_assert_no_error (error);
          memset (ps_tensor_f32 (v), 0, (gsize) s * sizeof (float));
          g_autofree char *name = g_strdup_printf ("p%u", j);
          ps_module_register (m, name, v, FALSE);
          g_autoptr (PsTensor) g = ps_tensor_new_1d (PS_DTYPE_FLOAT32, s, &error);
          g_assert_no_error (error);
          stream_values (start, s, scales[j % 3], ps_tensor_f32 (g));
          start += (guint64) s;
          ps_param_set_grad (g_ptr_array_index (m->params, j), g);
        }
      float total = NAN;
      g_assert_true (ps_clip_grad_norm_full (m, json_object_get_double_member (c, "max_norm"), flavour, &total, &error));
      g_assert_no_error (error);
      g_autofree char *what = g_strdup_printf ("%s clip case %u (%u parameters, max_norm %g)", cap, i,
                                               json_array_get_length (sizes), json_object_get_double_member (c, "max_norm"));
      if (float_bits (total) != (guint32) g_ascii_strtoull (json_object_get_string_member (c, "total"), NULL, 16))
        g_error ("%s: total norm %08x (%.9g), torch %s", what, float_bits (total), total,
                 json_object_get_string_member (c, "total"));
      const char *grads = json_object_get_string_member (c, "grads");
      gsize k = 0;
      for (guint j = 0; j < m->params->len; j++)
        {
          const PsTensor *g = ((PsParam *) g_ptr_array_index (m->params, j))->grad;
          for (int64_t e = 0; e < g->numel; e++, k++)
            if (float_bits (ps_tensor_cf32 (g)[e]) != hex_at (grads, k))
              g_error ("%s: parameter %u .grad[%" G_GINT64_FORMAT "] %08x, torch %08x", what, j, e,
                       float_bits (ps_tensor_cf32 (g)[e]), hex_at (grads, k));
        }
      g_assert_cmpuint (8 * k, ==, strlen (grads));
      values += k;
    }
  g_test_message ("%s: %u clip_grad_norm_ cases, %" G_GSIZE_FORMAT " clipped gradients equal torch's", cap,
                  json_array_get_length (cases), values);
}

static void
test_clip (void)
{
  /* the vector build this process models: AVX512 when ATEN_CPU_CAPABILITY=avx512, else AVX2 (also
   * on a CPU without AVX2: the kernels are plain C) */
  const gboolean avx512 = g_str_equal (ps_threads_aten_capability (), "AVX512");
  check_clip (avx512 ? "avx512" : "avx2", PS_FLAVOUR_AVX2);
}

static void
test_clip_default (void)
{
  /* "flavour": "default" is torch run at ATEN_CPU_CAPABILITY=default: 8 unfused lanes whatever
   * capability this process was started with */
  check_clip ("default", PS_FLAVOUR_DEFAULT);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/clip-grad/norm-lengths", test_norm_lengths);
  g_test_add_func ("/clip-grad/clip", test_clip);
  g_test_add_func ("/clip-grad/clip-default", test_clip_default);
  return g_test_run ();
}
