/* MultiheadAttention against torch 1.13: construction draws (out_proj Linear first, then
 * xavier_uniform_, zeroed biases, xavier_normal_ bias_k/bias_v), the tree-wide reset that only
 * reaches out_proj, self-attention forwards bit for bit (torch's fused eval fast path within
 * |c−t| ≤ 1e-5 + 1e-4·|t|), dropout draws, reprs
 * and argument validation. */
#include "ps-module.h"
#include "rnn-test-util.h"

static gboolean
is_mha (const char *type)
{
  return strcmp (type, "MultiheadAttention") == 0;
}

static void
test_shared_golden (void)
{
  g_assert_cmpuint (rt_run_shared_golden (is_mha), ==, 4);
}

static void
test_init_cases (void)
{
  rt_run_init_cases (is_mha, "init", PS_FLAVOUR_AVX2);
}

/* torch with ATEN_CPU_CAPABILITY=default draws other values from the same stream */
static void
test_init_cases_default_flavour (void)
{
  rt_run_init_cases (is_mha, "init_default", PS_FLAVOUR_DEFAULT);
}

static void
test_forward_cases (void)
{
  RtErr total = { 0 };
  rt_run_forward_cases (is_mha, &total);
  /* F.multi_head_attention_forward's path is reproduced op for op (Sleef softmax, bmm's loop or
   * sgemm): bit for bit. torch's fused fast path (eval, batch_first, no_grad) keeps the tolerance. */
  g_assert_cmpint (total.n_slow, >, 0);
  g_assert_cmpint (total.n_slow_exact, ==, total.n_slow);
}

static void
test_repr_and_errors (void)
{
  rt_run_repr_and_error_cases (is_mha);
}

static void
test_structure (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = rt_new_ints ("MultiheadAttention", &gen, &error, "embed_dim", (int64_t) 8,
                                        "num_heads", (int64_t) 2, "add_bias_kv", (int64_t) 1, NULL);
  g_assert_no_error (error);
  PsModule *op = ps_module_get_child (m, "out_proj");
  g_assert_nonnull (op);
  g_assert_cmpstr (op->klass->name, ==, "Linear");
  g_assert_cmpstr (ps_module_class_name (op), ==, "NonDynamicallyQuantizableLinear");
  /* named_parameters: own parameters in registration order, then the child's */
  g_autoptr (GPtrArray) np = ps_module_named_parameters (m);
  GString *s = g_string_new (NULL);
  for (guint i = 0; i < np->len; i++)
    g_string_append_printf (s, "%s ", ((PsNamedItem *) g_ptr_array_index (np, i))->path);
  g_assert_cmpstr (s->str, ==, "in_proj_weight in_proj_bias bias_k bias_v out_proj.weight out_proj.bias ");
  g_string_free (s, TRUE);
  PsParam *w = ps_module_get_param (m, "in_proj_weight");
  g_assert_cmpint (w->init.dist, ==, PS_DIST_UNIFORM);
  g_assert_cmpstr (w->init.fn, ==, "xavier_uniform_");
  PsParam *bk = ps_module_get_param (m, "bias_k");
  g_assert_cmpint (bk->init.dist, ==, PS_DIST_NORMAL);
  g_assert_cmpfloat_with_epsilon (bk->init.std, sqrt (1.0 / 8.0), 1e-12);   /* fans of (1,1,8): 8 and 8 */
  PsParam *ob = ps_module_get_param (op, "bias");
  g_assert_cmpint (ob->init.dist, ==, PS_DIST_CONSTANT);
  g_assert_nonnull (strstr (ob->init.formula, "constant_(0.) after Linear's reset drew"));
  for (int i = 0; i < 8; i++)
    g_assert_cmpfloat (ps_tensor_cf32 (ob->value)[i], ==, 0.0f);

  /* nested repr as torch prints it (text from torch 1.13) */
  g_autoptr (PsModule) seq = ps_module_new_container ("Sequential", NULL, NULL);
  g_autoptr (PsModule) lstm = rt_new_ints ("LSTM", &gen, &error, "input_size", (int64_t) 3, "hidden_size", (int64_t) 4, NULL);
  g_assert_true (ps_module_add_child (seq, "0", m, &error));
  g_assert_true (ps_module_add_child (seq, "1", lstm, &error));
  g_autofree char *r = ps_module_repr (seq);
  g_assert_cmpstr (r, ==, "Sequential(\n  (0): MultiheadAttention(\n    (out_proj): NonDynamicallyQuantizableLinear("
                   "in_features=8, out_features=8, bias=True)\n  )\n  (1): LSTM(3, 4)\n)");

  /* a clone shares tensors and keeps the child */
  g_autoptr (PsModule) c = ps_module_clone_tree (m, NULL);
  g_assert_true (ps_module_get_param (ps_module_get_child (c, "out_proj"), "weight")->value
                 == ps_module_get_param (op, "weight")->value);
}

/* torch: reset over the tree only re-runs out_proj (a Linear) — in_proj_weight and bias_k keep
 * their values, out_proj.bias is redrawn and NOT zeroed again. */
static void
test_tree_reset_only_out_proj (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 3, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = rt_new_ints ("MultiheadAttention", &gen, &error, "embed_dim", (int64_t) 8,
                                        "num_heads", (int64_t) 4, "add_bias_kv", (int64_t) 1, NULL);
  g_autoptr (PsTensor) w_in = ps_tensor_ref (ps_module_get_param (m, "in_proj_weight")->value);
  g_autoptr (PsTensor) b_k = ps_tensor_ref (ps_module_get_param (m, "bias_k")->value);
  PsModule *op = ps_module_get_child (m, "out_proj");
  g_autoptr (PsTensor) w_out = ps_tensor_ref (ps_module_get_param (op, "weight")->value);
  PsGenerator g2 = gen;
  g_assert_true (ps_module_reset_parameters (m, &gen, &error));
  g_assert_true (ps_module_get_param (m, "in_proj_weight")->value == w_in);
  g_assert_true (ps_module_get_param (m, "bias_k")->value == b_k);
  g_assert_false (ps_tensor_equal (ps_module_get_param (op, "weight")->value, w_out));
  gboolean any_nonzero = FALSE;
  for (int i = 0; i < 8; i++)
    any_nonzero |= ps_tensor_cf32 (ps_module_get_param (op, "bias")->value)[i] != 0.0f;
  g_assert_true (any_nonzero);
  /* exactly Linear(8, 8)'s 64 + 8 draws */
  float skip[72], a[2], b[2];
  ps_generator_uniform_f32 (&g2, skip, 72, 0, 1);
  ps_generator_uniform_f32 (&g2, a, 2, 0, 1);
  ps_generator_uniform_f32 (&gen, b, 2, 0, 1);
  g_assert_cmpmem (a, sizeof a, b, sizeof b);
}

static void
expect_error (const char *message, int64_t embed_dim, int64_t num_heads, double dropout)
{
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_int (a, "embed_dim", embed_dim);
  ps_args_set_int (a, "num_heads", num_heads);
  ps_args_set_double (a, "dropout", dropout);
  PsGenerator gen, before;
  ps_generator_init (&gen, 9, PS_FLAVOUR_AVX2);
  float skip[5];
  ps_generator_uniform_f32 (&gen, skip, 5, 0, 1);
  before = gen;
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = ps_module_new ("MultiheadAttention", a, &gen, &error);
  g_assert_null (m);
  g_assert_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT);
  g_assert_cmpstr (error->message, ==, message);
  g_assert_true (ps_generator_equal (&gen, &before));
}

static void
test_extra_errors (void)
{
  expect_error ("num_heads must not be 0; torch 1.13 fails with ZeroDivisionError: integer division or modulo by zero",
                8, 0, 0.0);
  expect_error ("embed_dim must not be 0; torch 1.13 fails (xavier_uniform_ of an empty weight) with "
                "ZeroDivisionError: float division by zero", 0, 1, 0.0);
  expect_error ("Trying to create tensor with negative dimension -24: [-24, -8]", -8, 2, 0.0);
  expect_error ("embed_dim must be divisible by num_heads", 9, 2, 0.0);
  expect_error ("embed_dim must be divisible by num_heads", 8, -3, 0.0);
}

/* torch constructs these and fails only in a forward: a negative num_heads that divides embed_dim
 * (in q.view), and a dropout above 1 (in F.dropout, training only) */
static void
test_forward_time_errors (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  int64_t s[3] = { 5, 3, 8 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s, NULL);
  const struct { int64_t heads; const char *message; } neg[] = {
    { -1, "invalid shape dimension -3" },   /* view(5, 3·-1, -8) */
    { -2, "invalid shape dimension -6" },
    { -8, "invalid shape dimension -24" },
  };
  for (guint i = 0; i < G_N_ELEMENTS (neg); i++)
    {
      g_autoptr (PsModule) m = rt_new_ints ("MultiheadAttention", &gen, &error, "embed_dim", (int64_t) 8,
                                            "num_heads", neg[i].heads, NULL);
      g_assert_no_error (error);
      PsGenerator before = gen;
      g_assert_null (ps_module_forward (m, x, &gen, &error));
      g_assert_cmpstr (error->message, ==, neg[i].message);
      g_assert_true (ps_generator_equal (&gen, &before));
      g_clear_error (&error);
    }
  g_autoptr (PsArgs) a = ps_args_new ();
  ps_args_set_int (a, "embed_dim", 8);
  ps_args_set_int (a, "num_heads", 2);
  ps_args_set_double (a, "dropout", 1.5);
  g_autoptr (PsModule) m = ps_module_new ("MultiheadAttention", a, &gen, &error);
  g_assert_no_error (error);
  PsGenerator before = gen;
  g_assert_null (ps_module_forward (m, x, &gen, &error));
  g_assert_cmpstr (error->message, ==, "dropout probability has to be between 0 and 1, but got 1.5");
  g_assert_true (ps_generator_equal (&gen, &before));
  g_clear_error (&error);
  ps_module_set_training (m, FALSE);
  g_autoptr (PsTensor) y = ps_module_forward (m, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_nonnull (y);
}

static void
test_forward_errors (void)
{
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = rt_new_ints ("MultiheadAttention", &gen, &error, "embed_dim", (int64_t) 8,
                                        "num_heads", (int64_t) 2, NULL);
  int64_t s3[3] = { 5, 3, 4 }, s4[4] = { 5, 2, 3, 8 };
  g_autoptr (PsTensor) bad = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s3, NULL);
  g_assert_null (ps_module_forward (m, bad, &gen, &error));
  g_assert_cmpstr (error->message, ==, "was expecting embedding dimension of 8, but got 4");
  g_clear_error (&error);
  g_autoptr (PsTensor) four = ps_tensor_new (PS_DTYPE_FLOAT32, 4, s4, NULL);
  g_assert_null (ps_module_forward (m, four, &gen, &error));
  g_assert_cmpstr (error->message, ==, "query should be unbatched 2D or batched 3D tensor but received 4-D query tensor");
  g_clear_error (&error);

  g_autoptr (PsModule) kv = rt_new_ints ("MultiheadAttention", &gen, &error, "embed_dim", (int64_t) 8,
                                         "num_heads", (int64_t) 2, "kdim", (int64_t) 4, NULL);
  g_assert_no_error (error);
  int64_t s[3] = { 5, 3, 8 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s, NULL);
  g_assert_null (ps_module_forward (kv, x, &gen, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_SHAPE);
  /* self-attention: torch's m(x, x, x) fails in _in_projection's assertion on the key weight */
  g_assert_cmpstr (error->message, ==, "expecting key weights shape of (8, 8), but got torch.Size([8, 4])");
  g_clear_error (&error);

  /* a parameter replaced by one of another shape (e.g. a loaded file) is refused, not read past */
  g_autoptr (PsModule) m2 = ps_module_clone_tree (m, NULL);
  g_autoptr (PsTensor) wrong = ps_tensor_new_2d (PS_DTYPE_FLOAT32, 8, 4, NULL);
  ps_param_set_value (ps_module_get_param (ps_module_get_child (m2, "out_proj"), "weight"), wrong);
  g_assert_null (ps_module_forward (m2, x, &gen, &error));
  g_assert_cmpstr (error->message, ==, "MultiheadAttention: out_proj.weight is float32 [8, 4], expected float32 [8, 8]");
  g_clear_error (&error);

  /* an empty sequence is fine, as in torch: (0, N, E) */
  int64_t s0[3] = { 0, 2, 8 };
  g_autoptr (PsTensor) x0 = ps_tensor_new (PS_DTYPE_FLOAT32, 3, s0, NULL);
  g_autoptr (PsTensor) y0 = ps_module_forward (m, x0, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpint (y0->shape[0], ==, 0);
  g_assert_cmpint (y0->shape[1], ==, 2);
  g_assert_cmpint (y0->shape[2], ==, 8);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/attention/shared-golden", test_shared_golden);
  g_test_add_func ("/attention/init-golden", test_init_cases);
  g_test_add_func ("/attention/init-golden-default-flavour", test_init_cases_default_flavour);
  g_test_add_func ("/attention/forward-golden", test_forward_cases);
  g_test_add_func ("/attention/repr-and-errors", test_repr_and_errors);
  g_test_add_func ("/attention/structure", test_structure);
  g_test_add_func ("/attention/tree-reset-only-out-proj", test_tree_reset_only_out_proj);
  g_test_add_func ("/attention/extra-errors", test_extra_errors);
  g_test_add_func ("/attention/forward-errors", test_forward_errors);
  g_test_add_func ("/attention/forward-time-errors", test_forward_time_errors);
  return g_test_run ();
}
