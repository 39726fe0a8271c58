/* ps_module_param_checked: the kernels' (attention, RNN) check that a parameter is there with the
 * shape they need before they read it — a state loaded from a file could hold anything. */
#include "ps-module.h"
#include "ps-args.h"

static PsModule *
linear_3_2 (void)
{
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (PsArgs) args = ps_args_new ();
  ps_args_set_int (args, "in_features", 3);
  ps_args_set_int (args, "out_features", 2);
  PsModule *m = ps_module_new ("Linear", args, &gen, &error);
  g_assert_no_error (error);
  return m;
}

static void
test_found (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = linear_3_2 ();
  const int64_t dims[2] = { 2, 3 };
  const float *w = ps_module_param_checked (m, "weight", 2, dims, "Test", "layer.weight", &error);
  g_assert_no_error (error);
  g_assert_true (w == ps_tensor_cf32 (ps_module_get_param (m, "weight")->value));
}

static void
test_missing (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = linear_3_2 ();
  const int64_t dims[1] = { 2 };
  g_assert_null (ps_module_param_checked (m, "gamma", 1, dims, "Test", "layer.gamma", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_assert_cmpstr (error->message, ==, "Test: parameter layer.gamma is missing");
  g_clear_error (&error);
  /* a missing submodule */
  g_assert_null (ps_module_param_checked (NULL, "weight", 1, dims, "Test", "out.weight", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_UNINITIALIZED);
  g_assert_cmpstr (error->message, ==, "Test: parameter out.weight is missing");
}

static void
test_wrong_shape (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = linear_3_2 ();
  const int64_t transposed[2] = { 3, 2 }, one_dim[1] = { 6 };
  g_assert_null (ps_module_param_checked (m, "weight", 2, transposed, "Test", "weight", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "Test: weight is float32 [2, 3], expected float32 [3, 2]");
  g_clear_error (&error);
  g_assert_null (ps_module_param_checked (m, "weight", 1, one_dim, "Test", "weight", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  /* an int64 tensor of the right shape is no float parameter */
  const int64_t bias_dims[1] = { 2 };
  g_autoptr (PsTensor) ints = ps_tensor_new (PS_DTYPE_INT64, 1, bias_dims, &error);
  g_assert_no_error (error);
  ps_param_set_value (ps_module_get_param (m, "bias"), ints);
  g_assert_null (ps_module_param_checked (m, "bias", 1, bias_dims, "Test", "bias", &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_assert_cmpstr (error->message, ==, "Test: bias is int64 [2], expected float32 [2]");
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/param-checked/found", test_found);
  g_test_add_func ("/param-checked/missing", test_missing);
  g_test_add_func ("/param-checked/wrong-shape", test_wrong_shape);
  return g_test_run ();
}
