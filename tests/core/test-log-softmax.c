/* test-log-softmax.c — nn.LogSoftmax against torch 1.13 (tests/data/log-softmax-golden.json, made by
 * tests/golden/gen_log_softmax.py): forward cases, errors and reprs with torch's text (the layer
 * fixture runner), and forward + backward on a gradient tape bit for bit at ATen's AVX2 capability,
 * in torch's portable DEFAULT build ("flavour": "default") and — run again by tests/meson.build
 * with ATEN_CPU_CAPABILITY=avx512 (test-log-softmax-avx512) — at the AVX512 capability (16 lanes):
 * row lengths over every residue modulo 8 and 16, other dims (host_softmax's double sums), 0-D,
 * implicit dims, large values (tensors of more than 16 values are compared by SHA-256 of their bytes).
 * Also GELU(approximate='none') of one element (ATen's scalar kernels, no
 * FMA in any build) and GELU per element (both approximations, rows of 2 … 100) against
 * tests/data/gelu-scalar-golden.json, at this run's capability (AVX2 or AVX512) and in the DEFAULT build. */
#include "layer-golden.h"
#include "ps-autograd.h"
#include "ps-threads.h"

static const char *const types[] = { "LogSoftmax", NULL };

static void
test_forward (void)
{
  g_autoptr (JsonParser) p = golden_load ("log-softmax-golden.json");
  g_assert_cmpint (layer_run_fixture_cases (p, types, types), ==, 5);
}

static void
test_errors (void)
{
  g_autoptr (JsonParser) p = golden_load ("log-softmax-golden.json");
  g_assert_cmpint (layer_run_fixture_errors (p, types), ==, 4);
}

static void
test_reprs (void)
{
  g_autoptr (JsonParser) p = golden_load ("log-softmax-golden.json");
  g_assert_cmpint (layer_run_fixture_reprs (p, types), ==, 3);
}

/* got against {"shape", "hex"} (value by value) or, for larger tensors, {"shape", "sha256"} of the
 * little-endian float32 bytes (gen_log_softmax.py) — either fails when one value's bits differ */
static void
check (const char *what, const PsTensor *got, JsonObject *want)
{
  if (!json_object_has_member (want, "sha256"))
    {
      layer_assert_bits (what, got, want);
      return;
    }
  int64_t shape[PS_MAX_DIMS];
  const int nd = golden_shape (json_object_get_array_member (want, "shape"), shape);
  g_assert_nonnull (got);
  g_assert_cmpint (got->ndim, ==, nd);
  g_assert_cmpmem (got->shape, nd * sizeof (int64_t), shape, nd * sizeof (int64_t));
  g_assert_cmpint (got->dtype, ==, PS_DTYPE_FLOAT32);
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, got->data, ps_tensor_nbytes (got));
  if (strcmp (sha, json_object_get_string_member (want, "sha256")) != 0)
    g_error ("%s: the %" G_GINT64_FORMAT " values differ from torch's (SHA-256)", what, got->numel);
}

static void
run_backward_case (JsonObject *c, guint64 *n_values)
{
  const char *name = json_object_get_string_member (c, "name");
  const gboolean dflt = strcmp (json_object_get_string_member (c, "capability"), "default") == 0;
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, json_object_get_int_member (c, "seed"), dflt ? PS_FLAVOUR_DEFAULT : PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
  const char *type = json_object_get_string_member_with_default (c, "type", "LogSoftmax");
  g_autoptr (PsModule) m = ps_module_new (type, args, &gen, &error);
  g_assert_no_error (error);
  int64_t shape[PS_MAX_DIMS];
  const int nd = golden_shape (json_object_get_array_member (c, "shape"), shape);
  g_autoptr (PsTensor) x = golden_randn (&gen, nd, shape, json_object_get_double_member (c, "scale"), 0.0);
  g_autofree char *wx = g_strdup_printf ("%s: x", name), *wy = g_strdup_printf ("%s: y", name);
  g_autofree char *wgy = g_strdup_printf ("%s: gy", name), *wgx = g_strdup_printf ("%s: gx", name);
  check (wx, x, json_object_get_object_member (c, "x"));
  PsTape *tape = ps_tape_new ();
  g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
  g_assert_no_error (error);
  check (wy, y, json_object_get_object_member (c, "y"));
  g_autoptr (PsTensor) gy = golden_randn (&gen, y->ndim, y->shape, 1.0, 0.0);
  check (wgy, gy, json_object_get_object_member (c, "gy"));
  if (dflt)
    {
      /* a forward of the same module under the other flavour between the recorded call and its
       * backward: the backward replays the tape entry's flavour */
      PsGenerator other;
      ps_generator_init (&other, 1, PS_FLAVOUR_AVX2);
      g_autoptr (PsTensor) y2 = ps_module_forward (m, x, &other, &error);
      g_assert_no_error (error);
    }
  g_autoptr (PsTensor) gx = NULL;
  g_assert_true (ps_tape_backward_input (tape, gy, &gx, &error));
  g_assert_no_error (error);
  ps_tape_free (tape);
  check (wgx, gx, json_object_get_object_member (c, "gx"));
  *n_values += (guint64) (y->numel + gx->numel);
}

/* The cases of this run's capability (avx2 in the plain run, avx512 under ATEN_CPU_CAPABILITY=avx512)
 * and the DEFAULT build's in both. */
static void
test_backward (void)
{
  g_autoptr (JsonParser) p = golden_load ("log-softmax-golden.json");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "backward");
  const gboolean at512 = g_strcmp0 (g_getenv ("ATEN_CPU_CAPABILITY"), "avx512") == 0;
  g_assert_cmpint (ps_threads_aten_lanes (), ==, at512 ? 16 : 8);
  const char *want = at512 ? "avx512" : "avx2";
  guint n = 0, n_default = 0;
  guint64 n_values = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *cap = json_object_get_string_member (c, "capability");
      if (strcmp (cap, want) != 0 && strcmp (cap, "default") != 0)
        continue;
      run_backward_case (c, &n_values);
      n++;
      n_default += strcmp (cap, "default") == 0;
    }
  g_test_message ("%u cases (%u of the DEFAULT build), %" G_GUINT64_FORMAT " values bit-exact", n, n_default, n_values);
  g_assert_cmpuint (n_default, ==, 31);
  g_assert_cmpuint (n, ==, 62);
}

/* The cases of this run's capability (avx2, or avx512 under ATEN_CPU_CAPABILITY=avx512) and the
 * DEFAULT build's, of a section of tests/data/gelu-scalar-golden.json (tests/golden/gen_gelu_scalar.py);
 * returns how many ran. */
static guint
run_gelu_section (const char *section)
{
  g_autoptr (JsonParser) p = golden_load ("gelu-scalar-golden.json");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), section);
  const char *want = g_strcmp0 (g_getenv ("ATEN_CPU_CAPABILITY"), "avx512") == 0 ? "avx512" : "avx2";
  guint n = 0, n_default = 0;
  guint64 n_values = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *cap = json_object_get_string_member (c, "capability");
      if (strcmp (cap, want) != 0 && strcmp (cap, "default") != 0)
        continue;
      run_backward_case (c, &n_values);
      n++;
      n_default += strcmp (cap, "default") == 0;
    }
  g_test_message ("%s: %u cases at %s and DEFAULT (%u), %" G_GUINT64_FORMAT " values bit-exact", section, n, want,
                  n_default, n_values);
  g_assert_cmpuint (n_default * 2, ==, n);
  return n;
}

/* GELU(approximate='none') of one element: ATen's scalar kernels (no FMA in the backward's sum at
 * AVX2, AVX512 or DEFAULT) */
static void
test_gelu_one_element (void)
{
  g_assert_cmpuint (run_gelu_section ("backward"), ==, 96);
}

/* GELU per element: approximate='tanh' through ATen's GeluBackwardKernel (vector blocks of 2 × 8 or
 * 2 × 16 lanes, the scalar tail; unfused under DEFAULT) and approximate='none' through oneDNN, rows
 * of 2 … 100 */
static void
test_gelu_per_element (void)
{
  g_assert_cmpuint (run_gelu_section ("per_element"), ==, 64);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_strcmp0 (g_getenv ("ATEN_CPU_CAPABILITY"), "avx512") != 0)   /* that fixture was made at AVX2 */
    {
      g_test_add_func ("/log-softmax/forward", test_forward);
      g_test_add_func ("/log-softmax/errors", test_errors);
      g_test_add_func ("/log-softmax/reprs", test_reprs);
    }
  g_test_add_func ("/log-softmax/backward", test_backward);
  g_test_add_func ("/gelu/one-element", test_gelu_one_element);
  g_test_add_func ("/gelu/per-element", test_gelu_per_element);
  return g_test_run ();
}
