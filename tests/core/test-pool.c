/* The pooling layers (MaxPool1d/2d, AvgPool1d/2d, AdaptiveAvgPool2d) against torch 1.13
 * (tests/data/pool/, one file a layer type, made by tests/golden/gen_pool.py): forward outputs bit
 * for bit (windows, strides, padding, dilation, ceil_mode, count_include_pad, divisor_override,
 * unbatched inputs, ties between 0 and −0, AdaptiveAvgPool2d's (1, 1) mean path), the generator untouched,
 * errors and reprs with torch's text; backward: y = m(x) on a tape, y.backward(gy) with
 * x.requires_grad_(), x.grad bit for bit (overlapping windows accumulate in torch's order). */
#include "layer-golden.h"
#include "ps-autograd.h"
#include "ps-threads.h"

/* The fixture's folder in tests/data (one file a layer type): pool/, or PS_POOL_GOLDEN's — the same
 * cases made by torch at ATEN_CPU_CAPABILITY=avx512 (tests/meson.build's test-pool-avx512:
 * pool-avx512/; AdaptiveAvgPool2d(1)'s mean sums with 16 lanes there) */
static const char *
fixture (void)
{
  const char *f = g_getenv ("PS_POOL_GOLDEN");
  return f && *f ? f : "pool";
}

static const char *const types[] = { "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d", "AdaptiveAvgPool2d", NULL };

static void
test_forward (void)
{
  g_autoptr (JsonParser) p = golden_load_dir (fixture ());
  g_assert_cmpint (layer_run_fixture_cases (p, types, types), ==, 38);
}

static void
test_errors (void)
{
  g_autoptr (JsonParser) p = golden_load_dir (fixture ());
  g_assert_cmpint (layer_run_fixture_errors (p, types), ==, 55);
}

static void
test_reprs (void)
{
  g_autoptr (JsonParser) p = golden_load_dir (fixture ());
  g_assert_cmpint (layer_run_fixture_reprs (p, types), ==, 12);
}

/* got against {"shape", "hex"} or {"shape", "sha256"} of the little-endian float32 bytes */
static void
check (const char *name, const char *tensor, const PsTensor *got, JsonObject *want)
{
  g_autofree char *what = g_strdup_printf ("%s: %s", name, tensor);
  if (!json_object_has_member (want, "sha256"))
    {
      layer_assert_bits (what, got, want);
      return;
    }
  int64_t shape[PS_MAX_DIMS];
  int nd = golden_shape (json_object_get_array_member (want, "shape"), shape);
  g_assert_cmpint (got->ndim, ==, nd);
  g_assert_cmpmem (got->shape, nd * sizeof (int64_t), shape, nd * sizeof (int64_t));
  g_autofree char *sha = g_compute_checksum_for_data (G_CHECKSUM_SHA256, got->data, ps_tensor_nbytes (got));
  if (strcmp (sha, json_object_get_string_member (want, "sha256")) != 0)
    g_error ("%s: the %" G_GINT64_FORMAT " values differ from torch's (SHA-256)", what, got->numel);
}

static void
test_backward (void)
{
  g_autoptr (JsonParser) p = golden_load_dir (fixture ());
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "backward");
  guint64 n_values = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) args = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (PsModule) m = ps_module_new (json_object_get_string_member (c, "type"), args, &gen, &error);
      g_assert_no_error (error);
      int64_t shape[PS_MAX_DIMS];
      int nd = golden_shape (json_object_get_array_member (c, "shape"), shape);
      g_autoptr (PsTensor) x = golden_randn (&gen, nd, shape, json_object_get_double_member (c, "scale"),
                                      json_object_get_double_member (c, "shift"));
      check (name, "x", x, json_object_get_object_member (c, "x"));
      PsTape *tape = ps_tape_new ();
      g_autoptr (PsTensor) y = ps_tape_forward (tape, m, x, &gen, &error);
      g_assert_no_error (error);
      check (name, "y", y, json_object_get_object_member (c, "y"));
      g_autoptr (PsTensor) gy = golden_randn (&gen, y->ndim, y->shape, 1.0, 0.0);
      check (name, "gy", gy, json_object_get_object_member (c, "gy"));
      g_autoptr (PsTensor) gx = NULL;
      g_assert_true (ps_tape_backward_input (tape, gy, &gx, &error));
      g_assert_no_error (error);
      check (name, "gx", gx, json_object_get_object_member (c, "gx"));
      n_values += (guint64) (y->numel + gx->numel);
      ps_tape_free (tape);
    }
  g_test_message ("%u backward cases, %" G_GUINT64_FORMAT " values bit-identical to torch",
                  json_array_get_length (cases), n_values);
  g_assert_cmpuint (json_array_get_length (cases), ==, 41);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_getenv ("PS_POOL_GOLDEN") != NULL && strcmp (ps_threads_aten_capability (), "AVX512") != 0)
    {
      g_print ("1..0 # SKIP ATen's AVX512 capability is not available on this CPU\n");
      return 77;
    }
  g_test_add_func ("/pool/forward", test_forward);
  g_test_add_func ("/pool/errors", test_errors);
  g_test_add_func ("/pool/reprs", test_reprs);
  g_test_add_func ("/pool/backward", test_backward);
  return g_test_run ();
}
