/* LayerNorm, GroupNorm, BatchNorm1d/2d against torch 1.13: the shared golden cases and
 * tests/data/conv/ (tests/golden/gen_conv.py, one file per layer type): BatchNorm bit for bit (train, eval,
 * running statistics after several forwards, momentum=None), LayerNorm and GroupNorm too;
 * errors and reprs with torch's text; buffers swapped, never mutated. */
#include "layer-golden.h"

#include <string.h>

static const char *const norm_types[] = { "LayerNorm", "GroupNorm", "BatchNorm1d", "BatchNorm2d", NULL };
static const char *const exact_types[] = { "BatchNorm1d", "BatchNorm2d", "LayerNorm", "GroupNorm", NULL };

static void
test_fixture_forward (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_cases (p, norm_types, exact_types), >=, 12);
}

static void
test_fixture_errors (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_errors (p, norm_types), >=, 10);
}

static void
test_fixture_reprs (void)
{
  g_autoptr (JsonParser) p = golden_load_dir ("conv");
  g_assert_cmpint (layer_run_fixture_reprs (p, norm_types), >=, 5);
}

static void
test_shared (void)
{
  g_autoptr (JsonParser) p = golden_load ("torch-1.13-golden.json");
  layer_run_shared (p, "module.LayerNorm(8)", "{\"type\":\"LayerNorm\",\"args\":{\"normalized_shape\":8}}", TRUE);
  layer_run_shared (p, "module.LayerNorm((2,3),elementwise_affine=False)",
                    "{\"type\":\"LayerNorm\",\"args\":{\"normalized_shape\":[2,3],\"elementwise_affine\":false}}", TRUE);
  layer_run_shared (p, "module.BatchNorm1d(5)", "{\"type\":\"BatchNorm1d\",\"args\":{\"num_features\":5}}", TRUE);
  layer_run_shared (p, "module.BatchNorm2d(3)", "{\"type\":\"BatchNorm2d\",\"args\":{\"num_features\":3}}", TRUE);
  layer_run_shared (p, "module.GroupNorm(2,6)", "{\"type\":\"GroupNorm\",\"args\":{\"num_groups\":2,\"num_channels\":6}}", TRUE);
  /* torch's vectorised moments reproduced: bit for bit */
  layer_run_shared (p, "forward.LayerNorm(8)",
                    "{\"type\":\"LayerNorm\",\"args\":{\"normalized_shape\":8},"
                    "\"init\":[[\"weight\",0.5,1.5],[\"bias\",-0.1,0.1]],"
                    "\"steps\":[{\"shape\":[3,8],\"scale\":3,\"shift\":1}]}", TRUE);
}

static void
test_batch_norm_swaps_buffers (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "num_features", 3);
  g_autoptr (PsModule) m = ps_module_new ("BatchNorm2d", args, &gen, &error);
  g_assert_no_error (error);
  PsParam *rm = ps_module_get_param (m, "running_mean");
  PsParam *nb = ps_module_get_param (m, "num_batches_tracked");
  g_autoptr (PsTensor) old_rm = ps_tensor_ref (rm->value);
  g_autoptr (PsTensor) old_nb = ps_tensor_ref (nb->value);
  g_autoptr (PsModule) snapshot = ps_module_clone_tree (m, NULL);
  int64_t shape[4] = { 2, 3, 2, 2 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, NULL);
  for (int64_t i = 0; i < x->numel; i++)
    ps_tensor_f32 (x)[i] = (float) i;
  g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
  g_assert_no_error (error);
  /* new tensors swapped in; the old ones (shared with the snapshot) untouched */
  g_assert_true (rm->value != old_rm);
  g_assert_true (nb->value != old_nb);
  g_assert_cmpfloat (ps_tensor_cf32 (old_rm)[0], ==, 0.0f);
  g_assert_cmpint (ps_tensor_ci64 (old_nb)[0], ==, 0);
  g_assert_cmpint (ps_tensor_ci64 (nb->value)[0], ==, 1);
  g_assert_cmpfloat (ps_tensor_cf32 (rm->value)[0], >, 0.0f);
  g_assert_true (ps_module_get_param (snapshot, "running_mean")->value == old_rm);
  /* eval: no buffer changes */
  ps_module_set_training (m, FALSE);
  PsTensor *cur = rm->value;
  g_autoptr (PsTensor) y2 = ps_module_forward (m, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_true (rm->value == cur);
  g_assert_cmpint (ps_tensor_ci64 (nb->value)[0], ==, 1);
}

/* An empty batch (torch 1.13): empty output, num_batches_tracked still counts, stats unchanged. */
static void
test_batch_norm_empty_batch (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "num_features", 3);
  g_autoptr (PsModule) m = ps_module_new ("BatchNorm1d", args, &gen, &error);
  g_assert_no_error (error);
  PsTensor *rm = ps_module_get_param (m, "running_mean")->value;
  g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 0, 3, NULL);
  g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->shape[0], ==, 0);
  g_assert_cmpint (y->shape[1], ==, 3);
  g_assert_cmpint (ps_tensor_ci64 (ps_module_get_param (m, "num_batches_tracked")->value)[0], ==, 1);
  g_assert_true (ps_module_get_param (m, "running_mean")->value == rm);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/norm/fixture/forward", test_fixture_forward);
  g_test_add_func ("/norm/fixture/errors", test_fixture_errors);
  g_test_add_func ("/norm/fixture/reprs", test_fixture_reprs);
  g_test_add_func ("/norm/shared", test_shared);
  g_test_add_func ("/norm/batch-norm-swaps-buffers", test_batch_norm_swaps_buffers);
  g_test_add_func ("/norm/batch-norm-empty-batch", test_batch_norm_empty_batch);
  return g_test_run ();
}
