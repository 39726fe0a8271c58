#include "ps-tensor.h"

static void
test_new_zero_and_strides (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[3] = { 2, 3, 4 };
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->numel, ==, 24);
  g_assert_cmpint (t->strides[0], ==, 12);
  g_assert_cmpint (t->strides[1], ==, 4);
  g_assert_cmpint (t->strides[2], ==, 1);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (ps_tensor_f32 (t)[i], ==, 0.0f);
  g_assert_true (((guintptr) t->data % 64) == 0);
  g_assert_true (ps_tensor_is_exclusive (t));
}

static void
test_overflow_is_error (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[3] = { INT64_MAX / 2, 4, 1 };
  PsTensor *t = ps_tensor_new (PS_DTYPE_FLOAT32, 3, shape, &error);
  g_assert_null (t);
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
}

static void
test_huge_allocation_is_error (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { (int64_t) 1 << 20, (int64_t) 1 << 20 };  /* 4 TiB of floats */
  PsTensor *t = ps_tensor_new (PS_DTYPE_FLOAT32, 2, shape, &error);
  g_assert_null (t);
  g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
}

static void
test_negative_dim_is_error (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 3, -1 };
  g_assert_null (ps_tensor_new (PS_DTYPE_INT64, 2, shape, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
}

static void
test_reshape_shares_storage (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 6, &error);
  ps_tensor_f32 (t)[5] = 7.0f;
  int64_t shape[2] = { 3, 4 };
  g_autoptr (PsTensor) v = ps_tensor_reshape (t, 2, shape, &error);
  g_assert_no_error (error);
  g_assert_true (v->data == t->data);
  g_assert_cmpfloat (ps_tensor_f32 (v)[5], ==, 7.0f);
  g_assert_false (ps_tensor_is_exclusive (t));
  int64_t bad[1] = { 13 };
  g_assert_null (ps_tensor_reshape (t, 1, bad, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
}

static void
test_copy_and_equal (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_INT64, 5, &error);
  for (int i = 0; i < 5; i++)
    ps_tensor_i64 (t)[i] = i * i;
  g_autoptr (PsTensor) c = ps_tensor_copy (t, &error);
  g_assert_true (c->data != t->data);
  g_assert_true (ps_tensor_equal (t, c));
  ps_tensor_i64 (c)[4] = -1;
  g_assert_false (ps_tensor_equal (t, c));
  g_autofree char *s = ps_tensor_shape_string (t);
  g_assert_cmpstr (s, ==, "[5]");
}

static void
test_empty_tensor (void)
{
  g_autoptr (GError) error = NULL;
  int64_t shape[2] = { 0, 10 };
  g_autoptr (PsTensor) t = ps_tensor_new (PS_DTYPE_FLOAT32, 2, shape, &error);
  g_assert_no_error (error);
  g_assert_cmpint (t->numel, ==, 0);
  g_autoptr (PsTensor) c = ps_tensor_copy (t, &error);
  g_assert_true (ps_tensor_equal (t, c));
  /* empty, but the other dimensions' product overflows int64 (the strides would): an error */
  int64_t huge[4] = { 0, 3, (int64_t) 1 << 40, (int64_t) 1 << 40 };
  g_assert_null (ps_tensor_new (PS_DTYPE_FLOAT32, 4, huge, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor/new-zero-and-strides", test_new_zero_and_strides);
  g_test_add_func ("/tensor/overflow-is-error", test_overflow_is_error);
  g_test_add_func ("/tensor/huge-allocation-is-error", test_huge_allocation_is_error);
  g_test_add_func ("/tensor/negative-dim-is-error", test_negative_dim_is_error);
  g_test_add_func ("/tensor/reshape-shares-storage", test_reshape_shares_storage);
  g_test_add_func ("/tensor/copy-and-equal", test_copy_and_equal);
  g_test_add_func ("/tensor/empty", test_empty_tensor);
  return g_test_run ();
}
