/* MaxPool1d/2d(return_indices=True) in documents (src/core/ps-max-pool.c, ps-tuple-input.c):
 *   - typed as a PyTorch line, `y = pool(x)` stores the tuple as outputs "y" (the pooled values, a
 *     plain tensor) and "y[1]" (the int64 indices), equal to the layer called directly;
 *   - a model whose MaxPool is followed by ReLU fails its forward with torch's text and the
 *     timeline (state, generator, outputs) stays as it was; Identity after it passes the tuple on;
 *   - a forward with a loss on the tuple fails with torch's text (MSELoss: no attribute 'size');
 *   - the exported script constructs it with return_indices=True and unpacks the tuple into both
 *     outputs (the script was run by torch 1.13 by hand when this was written: same values). */
#include <string.h>
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-py-statement.h"
#include "ps-export-pytorch.h"
#include "ps-explain.h"

static gboolean
type_line (PsTimeline *tl, const char *line, GError **error)
{
  g_autoptr (GPtrArray) ops = ps_py_statements_to_ops (ps_timeline_get_last_state (tl), line, error);
  if (ops == NULL)
    return FALSE;
  for (guint k = 0; k < ops->len; k++)
    if (!ps_timeline_append_op (tl, ops->pdata[k], error))
      return FALSE;
  return TRUE;
}

static void
test_typed (void)
{
  g_autoptr (PsTimeline) tl = ps_timeline_new (0, PS_FLAVOUR_AVX2, "model");
  g_autoptr (GError) error = NULL;
  g_assert_true (type_line (tl, "pool = nn.MaxPool2d(2, return_indices=True)", &error));
  g_assert_no_error (error);
  PsState *st = ps_timeline_get_last_state (tl);
  PsModule *pool = ps_state_get_module (st, "pool");
  g_assert_nonnull (pool);
  g_autofree char *repr = ps_module_describe (pool);
  /* torch's repr does not show return_indices */
  g_assert_cmpstr (repr, ==, "MaxPool2d(kernel_size=2, stride=2, padding=0, dilation=1, ceil_mode=False)");
  g_assert_true (type_line (tl, "y = pool(torch.randn(1, 2, 5, 4))", &error));
  g_assert_no_error (error);
  st = ps_timeline_get_last_state (tl);
  PsTensor *y = ps_state_get_output (st, "y"), *idx = ps_state_get_output (st, "y[1]");
  g_assert_nonnull (y);
  g_assert_nonnull (idx);
  g_assert_null (y->tuple_next);   /* a plain tensor: feeding it on is not feeding the tuple */
  g_assert_cmpint (y->dtype, ==, PS_DTYPE_FLOAT32);
  g_assert_cmpint (idx->dtype, ==, PS_DTYPE_INT64);
  g_autofree char *y_shape = ps_tensor_shape_string (y);
  g_assert_cmpstr (y_shape, ==, "[1, 2, 2, 2]");
  g_assert_cmpmem (y->shape, sizeof y->shape, idx->shape, sizeof idx->shape);
  /* the same forward, direct: the generator after the input equals the timeline's before it */
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  int64_t shape[] = { 1, 2, 5, 4 };
  g_autoptr (PsTensor) x = ps_tensor_new (PS_DTYPE_FLOAT32, 4, shape, &error);
  ps_generator_normal_f32 (&gen, ps_tensor_f32 (x), (size_t) x->numel, 0.0, 1.0, TRUE);
  g_autoptr (PsTensor) d = ps_module_forward (pool, x, &gen, &error);
  g_assert_no_error (error);
  g_assert_cmpmem (d->data, ps_tensor_nbytes (d), y->data, ps_tensor_nbytes (y));
  g_assert_cmpmem (d->tuple_next->data, ps_tensor_nbytes (idx), idx->data, ps_tensor_nbytes (idx));
  /* what the app shows for the indices output (its explanation and statistics) */
  g_autofree char *explain = ps_explain_output ("y[1]", idx);
  g_assert_nonnull (strstr (explain, "y[1]"));
  g_assert_nonnull (strstr (explain, "shape [1, 2, 2, 2], int64"));
  /* every index points at its maximum in its (5, 4) plane */
  for (int64_t i = 0; i < y->numel; i++)
    {
      int64_t plane = i / 4;
      g_assert_cmpfloat (ps_tensor_cf32 (x)[plane * 20 + ps_tensor_ci64 (idx)[i]], ==, ps_tensor_cf32 (y)[i]);
    }
}

static PsTimeline *
replay (const char *ops, GError **error)
{
  g_autofree char *text = g_strdup_printf ("{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, "
                                           "\"root\": \"model\", \"ops\": [%s]}", ops);
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, error);
  g_assert_no_error (*error);
  return ps_timeline_new_from_recipe (r, -1, NULL);
}

#define POOL "{\"op\": \"module\", \"id\": \"pool\", \"type\": \"MaxPool2d\", " \
             "\"args\": {\"kernel_size\": 2, \"return_indices\": true}}, "

static void
test_next_layer (void)
{
  g_autoptr (GError) error = NULL;
  /* ReLU after it: torch's relu() refuses the tuple; the op before stays the last state */
  g_autoptr (PsTimeline) tl = replay (POOL "{\"op\": \"module\", \"id\": \"act\", \"type\": \"ReLU\"}, "
                                      "{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", "
                                      "\"class\": \"CustomModel\", \"children\": {\"pool\": \"pool\", \"act\": \"act\"}}, "
                                      "{\"op\": \"forward\", \"target\": \"model\", \"input\": {\"randn\": [1, 2, 4, 4]}}",
                                      &error);
  const GError *e = ps_timeline_get_error (tl);
  g_assert_nonnull (e);
  g_assert_nonnull (strstr (e->message, "relu(): argument 'input' (position 1) must be Tensor, not tuple"));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 3);
  PsState *st = ps_timeline_get_last_state (tl);
  g_assert_cmpuint (st->output_names->len, ==, 0);

  /* appending the failing forward to a timeline changes nothing: generator and outputs */
  g_autoptr (PsTimeline) ok = replay (POOL "{\"op\": \"module\", \"id\": \"act\", \"type\": \"ReLU\"}, "
                                      "{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", "
                                      "\"class\": \"CustomModel\", \"children\": {\"pool\": \"pool\", \"act\": \"act\"}}",
                                      &error);
  g_assert_null (ps_timeline_get_error (ok));
  PsGenerator before = ps_timeline_get_last_state (ok)->gen;
  guint n = ps_timeline_get_n_steps (ok);
  g_assert_false (type_line (ok, "y = model(torch.randn(1, 2, 4, 4))", &error));
  g_assert_nonnull (strstr (error->message, "relu(): argument 'input' (position 1) must be Tensor, not tuple"));
  g_clear_error (&error);
  g_assert_cmpuint (ps_timeline_get_n_steps (ok), ==, n);
  g_assert_cmpmem (&before, sizeof before, &ps_timeline_get_last_state (ok)->gen, sizeof before);
  g_assert_cmpuint (ps_timeline_get_last_state (ok)->output_names->len, ==, 0);

  /* Identity after it passes the tuple on: both outputs */
  g_autoptr (PsTimeline) id = replay (POOL "{\"op\": \"module\", \"id\": \"same\", \"type\": \"Identity\"}, "
                                      "{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", "
                                      "\"children\": [\"pool\", \"same\"]}, "
                                      "{\"op\": \"forward\", \"target\": \"model\", \"input\": {\"randn\": [1, 2, 4, 4]}, "
                                      "\"name\": \"y\"}", &error);
  g_assert_null (ps_timeline_get_error (id));
  st = ps_timeline_get_last_state (id);
  g_assert_nonnull (ps_state_get_output (st, "y"));
  g_assert_cmpint (ps_state_get_output (st, "y[1]")->dtype, ==, PS_DTYPE_INT64);
}

static void
test_loss (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsTimeline) tl = replay (POOL "{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", "
                                      "\"children\": [\"pool\"]}, "
                                      "{\"op\": \"forward\", \"target\": \"model\", \"input\": {\"randn\": [1, 2, 4, 4]}, "
                                      "\"name\": \"loss\", \"loss\": {\"type\": \"MSELoss\", "
                                      "\"target\": {\"randn\": [1, 2, 2, 2]}}}", &error);
  const GError *e = ps_timeline_get_error (tl);
  g_assert_nonnull (e);
  g_assert_nonnull (strstr (e->message, "'tuple' object has no attribute 'size'"));
  g_assert_cmpuint (ps_timeline_get_n_steps (tl), ==, 2);
}

static void
test_export (void)
{
  g_autoptr (GError) error = NULL;
  g_autofree char *text = g_strdup (
    "{\"format\": \"paramscope-recipe\", \"version\": 1, \"seed\": 3, \"root\": \"model\", \"ops\": [" POOL
    "{\"op\": \"module\", \"id\": \"model\", \"type\": \"Sequential\", \"class\": \"CustomModel\", "
    "\"children\": {\"pool\": \"pool\"}}, "
    "{\"op\": \"forward\", \"target\": \"model\", \"input\": {\"randn\": [1, 2, 4, 4]}, \"name\": \"y\"}, "
    "{\"op\": \"forward\", \"target\": \"pool\", \"input\": {\"randn\": [1, 2, 4, 4]}}]}");
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_autofree char *py = ps_export_pytorch (r, &error);
  g_assert_no_error (error);
  g_test_message ("%s", py);
  g_assert_nonnull (strstr (py, "nn.MaxPool2d(kernel_size=2, return_indices=True)"));
  g_assert_nonnull (strstr (py, "outputs[\"y\"], outputs[\"y[1]\"] = model("));
  g_assert_nonnull (strstr (py, "outputs[\"output4\"], outputs[\"output4[1]\"] = pool("));
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/max-pool-recipe/typed", test_typed);
  g_test_add_func ("/max-pool-recipe/next-layer", test_next_layer);
  g_test_add_func ("/max-pool-recipe/loss", test_loss);
  g_test_add_func ("/max-pool-recipe/export", test_export);
  return g_test_run ();
}
