/* RNN, LSTM, GRU and the cells against torch 1.13: construction draws (shared golden set and
 * tests/data/rnn/, one file a layer type), forwards bit for bit, dropout draws, reprs,
 * argument validation. */
#include "ps-module.h"
#include "rnn-test-util.h"

static gboolean
is_rnn_type (const char *type)
{
  static const char *const names[] = { "RNN", "LSTM", "GRU", "RNNCell", "LSTMCell", "GRUCell", NULL };
  return g_strv_contains (names, type);
}

static void
test_shared_golden (void)
{
  g_assert_cmpuint (rt_run_shared_golden (is_rnn_type), ==, 8);
}

static void
test_init_cases (void)
{
  rt_run_init_cases (is_rnn_type, "init", PS_FLAVOUR_AVX2);
}

/* torch with ATEN_CPU_CAPABILITY=default draws other values from the same stream */
static void
test_init_cases_default_flavour (void)
{
  rt_run_init_cases (is_rnn_type, "init_default", PS_FLAVOUR_DEFAULT);
}

static void
test_forward_cases (void)
{
  RtErr total = { 0 };
  rt_run_forward_cases (is_rnn_type, &total);
  /* ATen's gate kernels are reproduced (Sleef tanh, sigmoid_'s 16-element chunks): every value */
  g_assert_cmpint (total.n_exact, ==, total.n);
}

static void
test_repr_and_errors (void)
{
  rt_run_repr_and_error_cases (is_rnn_type);
}

/* Our messages where torch 1.13 has none or a misleading one (torch 2.x wording). */
static void
expect_ctor_error (const char *type, const char *message, ...)
{
  g_autoptr (PsArgs) a = ps_args_new ();
  va_list ap;
  va_start (ap, message);
  const char *name;
  while ((name = va_arg (ap, const char *)) != NULL)
    {
      const char *v = va_arg (ap, const char *);
      if (g_ascii_isdigit (v[0]) || v[0] == '-')
        {
          if (strchr (v, '.'))
            ps_args_set_double (a, name, g_ascii_strtod (v, NULL));
          else
            ps_args_set_int (a, name, g_ascii_strtoll (v, NULL, 10));
        }
      else
        ps_args_set_string (a, name, v);
    }
  va_end (ap);
  PsGenerator gen, before;
  ps_generator_init (&gen, 42, PS_FLAVOUR_AVX2);
  float skip[3];
  ps_generator_uniform_f32 (&gen, skip, 3, 0, 1);   /* mid-stream, not just seeded */
  before = gen;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = ps_module_new (type, a, &gen, &error);
  g_assert_null (m);
  g_assert_nonnull (error);
  if (strstr (error->message, message) == NULL)
    g_error ("%s: got \"%s\", expected \"%s\"", type, error->message, message);
  g_assert_true (ps_generator_equal (&gen, &before));
}

static void
test_extra_errors (void)
{
  /* torch 1.13's answers, accidents of its Python code included */
  expect_ctor_error ("RNN", "proj_size has to be smaller than hidden_size", "input_size", "3", "hidden_size", "0", NULL);
  expect_ctor_error ("LSTM", "proj_size has to be smaller than hidden_size", "input_size", "3", "hidden_size", "-2",
                     NULL);
  expect_ctor_error ("GRU", "num_layers must be at least 1 (got 0); torch 1.13 fails with IndexError: list index out "
                     "of range", "input_size", "3", "hidden_size", "4", "num_layers", "0", NULL);
  /* no layer: the IndexError comes before the negative input_size would */
  expect_ctor_error ("LSTM", "list index out of range", "input_size", "-1", "hidden_size", "4", "num_layers", "0",
                     NULL);
  expect_ctor_error ("LSTM", "Trying to create tensor with negative dimension -1: [16, -1]", "input_size", "-1",
                     "hidden_size", "4", NULL);
  expect_ctor_error ("RNN", "Unknown nonlinearity 'sigmoid'", "input_size", "3", "hidden_size", "4",
                     "nonlinearity", "sigmoid", NULL);
  /* RNN and GRU refuse the name proj_size, whatever its value (LSTM only) */
  expect_ctor_error ("RNN", "proj_size argument is only supported for LSTM, not RNN or GRU", "input_size", "3",
                     "hidden_size", "4", "proj_size", "1", NULL);
  expect_ctor_error ("GRU", "proj_size argument is only supported for LSTM, not RNN or GRU", "input_size", "3",
                     "hidden_size", "4", "proj_size", "0", NULL);
  /* torch's RNNCell constructs with any nonlinearity and refuses it at the forward */
  {
    g_autoptr (PsArgs) a = ps_args_new ();
    ps_args_set_int (a, "input_size", 3);
    ps_args_set_int (a, "hidden_size", 4);
    ps_args_set_string (a, "nonlinearity", "sigmoid");
    PsGenerator gen;
    ps_generator_init (&gen, 42, PS_FLAVOUR_AVX2);
    g_autoptr (GError) error = NULL;
    g_autoptr (PsModule) m = ps_module_new ("RNNCell", a, &gen, &error);
    g_assert_no_error (error);
    g_autofree char *r = ps_module_describe (m);
    g_assert_cmpstr (r, ==, "RNNCell(3, 4, nonlinearity=sigmoid)");
    g_autoptr (PsTensor) x = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 2, 3, NULL);
    g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
    g_assert_null (y);
    g_assert_cmpstr (error->message, ==, "Unknown nonlinearity: sigmoid");
  }
  expect_ctor_error ("GRU", "missing required argument 'hidden_size'", "input_size", "3", NULL);
  expect_ctor_error ("LSTM", "dropout should be a number in range [0, 1]", "input_size", "3", "hidden_size", "4",
                     "dropout", "1.01", NULL);
}

static void
test_forward_errors (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) lstm = rt_new_ints ("LSTM", &gen, &error, "input_size", (int64_t) 4, "hidden_size", (int64_t) 6, NULL);
  g_assert_no_error (error);
  int64_t s3[3] = { 5, 3, 3 }, s1[1] = { 4 }, s4[4] = { 2, 5, 3, 4 }, s0[3] = { 0, 2, 4 };
  g_autoptr (PsTensor) bad = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s3, NULL);
  g_assert_null (ps_module_forward (lstm, bad, &gen, &error));
  g_assert_cmpstr (error->message, ==, "input.size(-1) must be equal to input_size. Expected 4, got 3");
  g_clear_error (&error);
  g_autoptr (PsTensor) one = ps_tensor_new (PS_DTYPE_FLOAT32, 1, s1, NULL);
  g_assert_null (ps_module_forward (lstm, one, &gen, &error));
  g_assert_cmpstr (error->message, ==, "input must have 3 dimensions, got 2");  /* torch 1.13 */
  g_clear_error (&error);
  g_autoptr (PsTensor) four = ps_tensor_new (PS_DTYPE_FLOAT32, 4, s4, NULL);
  g_assert_null (ps_module_forward (lstm, four, &gen, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  g_clear_error (&error);
  g_autoptr (PsTensor) empty = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s0, NULL);
  g_assert_null (ps_module_forward (lstm, empty, &gen, &error));
  g_assert_cmpstr (error->message, ==, "Expected sequence length to be larger than 0 in RNN");
  g_clear_error (&error);

  /* a parameter replaced by one of another shape (e.g. a loaded file) is refused, not read past */
  g_autoptr (PsTensor) x_ok = ps_tensor_new (PS_DTYPE_FLOAT32, 3, (int64_t[]) { 5, 3, 4 }, NULL);
  g_autoptr (PsTensor) small = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 24, 5, NULL);
  ps_param_set_value (ps_module_get_param (lstm, "weight_hh_l0"), small);
  g_assert_null (ps_module_forward (lstm, x_ok, &gen, &error));
  g_assert_cmpstr (error->message, ==, "LSTM: weight_hh_l0 is float32 [24, 5], expected float32 [24, 6]");
  g_clear_error (&error);

  g_autoptr (PsModule) cell = rt_new_ints ("GRUCell", &gen, &error, "input_size", (int64_t) 4, "hidden_size", (int64_t) 6, NULL);
  g_assert_null (ps_module_forward (cell, four, &gen, &error));
  g_assert_cmpstr (error->message, ==, "GRUCell: Expected input to be 1-D or 2-D but received 4-D tensor");
  g_clear_error (&error);
  g_autoptr (PsTensor) one3 = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL);
  g_assert_null (ps_module_forward (cell, one3, &gen, &error));
  g_assert_cmpstr (error->message, ==, "input has inconsistent input_size: got 3 expected 4");
}

/* Batch of zero rows: torch returns (L, 0, H) / (0, H). */
static void
test_zero_batch (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) gru = rt_new_ints ("GRU", &gen, &error, "input_size", (int64_t) 4, "hidden_size", (int64_t) 6,
                                          "bidirectional", (int64_t) 1, NULL);
  int64_t s[3] = { 3, 0, 4 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s, NULL);
  g_autoptr (PsTensor) y = ps_module_forward (gru, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y->ndim, ==, 3);
  g_assert_cmpint (y->shape[0], ==, 3);
  g_assert_cmpint (y->shape[1], ==, 0);
  g_assert_cmpint (y->shape[2], ==, 12);
  g_autoptr (PsModule) cell = rt_new_ints ("LSTMCell", &gen, &error, "input_size", (int64_t) 4, "hidden_size", (int64_t) 5, NULL);
  g_autoptr (PsTensor) x2 = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 0, 4, NULL);
  g_autoptr (PsTensor) y2 = ps_module_forward (cell, x2, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y2->shape[0], ==, 0);
  g_assert_cmpint (y2->shape[1], ==, 5);
}

/* reset_parameters swaps in new tensors (snapshots keep the old ones), records the init, draws
 * one uniform per element, and a tree reset of a container reaches the RNN. */
static void
test_reset_swaps_tensors (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 1, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) rnn = rt_new_ints ("RNN", &gen, &error, "input_size", (int64_t) 3, "hidden_size", (int64_t) 4, NULL);
  g_assert_no_error (error);
  PsParam *w = ps_module_get_param (rnn, "weight_hh_l0");
  g_autoptr (PsTensor) old = ps_tensor_ref (w->value);
  g_autoptr (PsTensor) old_copy = ps_tensor_copy (old, NULL);
  g_assert_cmpint (w->init.dist, ==, PS_DIST_UNIFORM);
  g_assert_cmpfloat_with_epsilon (w->init.b, 0.5, 1e-12);
  g_assert_cmpfloat_with_epsilon (w->init.a, -0.5, 1e-12);

  g_autoptr (PsModule) seq = ps_module_new_container ("Sequential", NULL, NULL);
  g_assert_true (ps_module_add_child (seq, "0", rnn, &error));
  PsGenerator g2 = gen, g3 = gen;
  g_assert_true (ps_module_reset_parameters (seq, &g2, &error));
  g_assert_true (w->value != old);
  g_assert_true (ps_tensor_equal (old, old_copy));      /* never written in place */
  g_assert_false (ps_tensor_equal (w->value, old));
  /* 4·3 + 4·4 + 4 + 4 = 36 draws */
  float skip[36], a[2], b[2];
  ps_generator_uniform_f32 (&g3, skip, 36, 0, 1);
  ps_generator_uniform_f32 (&g2, a, 2, 0, 1);
  ps_generator_uniform_f32 (&g3, b, 2, 0, 1);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
  for (int64_t i = 0; i < w->value->numel; i++)
    g_assert_cmpfloat (fabsf (ps_tensor_cf32 (w->value)[i]), <=, 0.5f);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/rnn/shared-golden", test_shared_golden);
  g_test_add_func ("/rnn/init-golden", test_init_cases);
  g_test_add_func ("/rnn/init-golden-default-flavour", test_init_cases_default_flavour);
  g_test_add_func ("/rnn/forward-golden", test_forward_cases);
  g_test_add_func ("/rnn/repr-and-errors", test_repr_and_errors);
  g_test_add_func ("/rnn/extra-errors", test_extra_errors);
  g_test_add_func ("/rnn/forward-errors", test_forward_errors);
  g_test_add_func ("/rnn/zero-batch", test_zero_batch);
  g_test_add_func ("/rnn/reset-swaps-tensors", test_reset_swaps_tensors);
  return g_test_run ();
}
