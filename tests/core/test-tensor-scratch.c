/* ps_tensor_scratch_f32: the kernels' working buffers (attention, RNN) — zero-filled, sizes checked
 * for overflow, the per-allocation limit and the memory budget, each failure naming the buffer. */
#include "ps-tensor.h"

static void
test_zeroed (void)
{
  g_autoptr (GError) error = NULL;
  float *buf = NULL;
  g_assert_true (ps_tensor_scratch_f32 (2, 3, 4, "a test buffer", &buf, &error));
  g_assert_no_error (error);
  g_assert_nonnull (buf);
  for (int i = 0; i < 24; i++)
    g_assert_cmpfloat (buf[i], ==, 0.0f);
  buf[23] = 1.0f;   /* all 24 floats are ours (ASan would see a short buffer) */
  g_free (buf);
  /* an empty buffer is still one float, so a kernel may always write its first element */
  buf = NULL;
  g_assert_true (ps_tensor_scratch_f32 (0, 5, 1, "a test buffer", &buf, &error));
  g_assert_nonnull (buf);
  g_free (buf);
}

static void
test_overflow (void)
{
  g_autoptr (GError) error = NULL;
  float *buf = NULL;
  g_assert_false (ps_tensor_scratch_f32 (INT64_MAX / 2, 4, 1, "a test buffer", &buf, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
  g_assert_nonnull (strstr (error->message, "a test buffer"));
  g_assert_null (buf);
  g_clear_error (&error);
  /* the third factor counts too */
  g_assert_false (ps_tensor_scratch_f32 (1 << 20, 1 << 20, 1 << 20, "a test buffer", &buf, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_OVERFLOW);
  g_assert_null (buf);
}

static void
test_budget (void)
{
  g_autoptr (GError) error = NULL;
  float *buf = NULL;
  ps_tensor_set_budget (1 << 20);
  gboolean ok = ps_tensor_scratch_f32 (1024, 1024, 1, "a test buffer", &buf, &error);   /* 4 MiB */
  ps_tensor_set_budget (0);
  g_assert_false (ok);
  g_assert_error (error, PS_ERROR, PS_ERROR_NO_MEMORY);
  g_assert_nonnull (strstr (error->message, "a test buffer"));
  g_assert_nonnull (strstr (error->message, "4.0 MiB"));
  g_assert_null (buf);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/tensor-scratch/zeroed", test_zeroed);
  g_test_add_func ("/tensor-scratch/overflow", test_overflow);
  g_test_add_func ("/tensor-scratch/budget", test_budget);
  return g_test_run ();
}
