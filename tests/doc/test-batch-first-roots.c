/* Losses on a model output that torch holds as a view with dims 0 and 1 swapped
 * (tests/data/batch-first, made by tests/golden/gen_batch_first_roots.py):
 *   /batch-first-roots/runs: a batch_first RNN, LSTM (1 and 2 layers) and GRU as the model root with
 *     MSELoss, L1Loss(sum), SmoothL1Loss (bidirectional), HuberLoss and BCEWithLogitsLoss; a
 *     batch_first MultiheadAttention or GRU followed by Sigmoid into BCELoss (mean, sum); an LSTM
 *     followed by Tanh and Identity; a control with a Linear after the LSTM; batch_first LSTMs of hidden
 *     size 1, 3, 7, 15, 17, 33 followed by ReLU, Tanh, Sigmoid, SiLU, GELU, LeakyReLU (element-wise
 *     kernels and memory-order loss sums over their vector tails). Each recipe's exported
 *     script was run by torch: every parameter after 2 epochs and every step's loss bit-exact
 *     (tests/support/train-export.h), and the exported script equals the golden text.
 *   /batch-first-roots/layouts: which layers keep the swapped layout in torch (measured on a swapped
 *     (4, 5, 8) input, train and eval) is what ps_loss_input_swapped assumes after a batch_first
 *     MultiheadAttention. */
#include <json-glib/json-glib.h>
#include "layer-golden.h"
#include "train-export.h"
#include "ps-loss.h"

static const char *const runs[] = { "lstm-mse", "gru-l1-sum", "rnn-bi-smooth-l1", "lstm-huber", "gru-bce-logits",
                                    "mha-sigmoid-bce", "gru-sigmoid-bce-sum", "lstm-tanh-mse", "lstm-linear-mse",
                                    /* hidden sizes 1, 3, 7, 33 (vector tails) with a layout-keeping layer */
                                    "size1-lstm-relu-mseloss", "size3-lstm-tanh-l1loss", "size7-lstm-sigmoid-bceloss",
                                    "size33-lstm-leakyrelu-mseloss",
                                    /* SmoothL1Loss's contiguous grad over the SiLU's swapped input:
                                     * silu_backward per row of 15 (ps_loss_mark_grad_rows) */
                                    "size15-lstm-silu-smoothl1loss",
                                    /* HuberLoss's contiguous grad over the GELU's swapped input: ATen's
                                     * GeluKernel (not oneDNN: the input is not contiguous), Sleef's
                                     * erf on the blocks of its memory order / of each row */
                                    "size17-lstm-gelu-huberloss" };
/* Fixed and enforced above: size15-lstm-silu-smoothl1loss — MSELoss, L1Loss(mean), SmoothL1Loss,
 * HuberLoss and BCEWithLogitsLoss(pos_weight) give a contiguous grad (measured in torch with hooks on
 * the grads' strides) while the SiLU's saved input is a swapped view, so silu_backward's
 * TensorIterator cannot coalesce: its inner loop is one row of 15, all scalar (glibc expf).
 * size17-lstm-gelu-huberloss: torch's GELU (erf) uses oneDNN only for a contiguous input
 *   (use_mkldnn); after a swapped view it runs ATen's GeluKernel / GeluBackwardKernel (Sleef's erf on
 *   the vector blocks, glibc's on the tail; ps-activation.c). Every element-wise activation × loss ×
 *   odd hidden size: test-swapped-activations. */

static char *
data_dir (void)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  g_assert_nonnull (data);
  return g_build_filename (data, "batch-first", NULL);
}

static void
test_runs (void)
{
  g_autofree char *dir = data_dir ();
  gboolean write = g_getenv ("PS_EXPORT_WRITE") != NULL;
  guint checked = 0;
  for (guint i = 0; i < G_N_ELEMENTS (runs); i++)
    {
      g_autofree char *file = g_strdup_printf ("%s.recipe.json", runs[i]);
      g_autofree char *path = g_build_filename (dir, file, NULL);
      checked += tg_export_check (path, dir, runs[i], write);
    }
  if (!write)
    g_test_message ("%u train runs: %u parameters and every loss equal to torch's", (guint) G_N_ELEMENTS (runs), checked);
}

static void
test_layouts (void)
{
  g_autofree char *dir = data_dir ();
  g_autofree char *path = g_build_filename (dir, "layouts.json", NULL);
  g_autoptr (JsonParser) p = json_parser_new ();
  g_autoptr (GError) error = NULL;
  g_assert_true (json_parser_load_from_file (p, path, &error));
  JsonArray *cases = json_object_get_array_member (json_node_get_object (json_parser_get_root (p)), "layouts");
  guint kept = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      PsGenerator gen;
      ps_generator_init (&gen, 5, PS_FLAVOUR_AVX2);
      g_autoptr (PsArgs) ma = ps_args_new ();
      ps_args_set_int (ma, "embed_dim", 8);
      ps_args_set_int (ma, "num_heads", 2);
      ps_args_set_bool (ma, "batch_first", TRUE);
      g_autoptr (PsModule) mha = ps_module_new ("MultiheadAttention", ma, &gen, &error);
      g_assert_no_error (error);
      g_autoptr (PsArgs) la = layer_args (json_object_get_object_member (c, "args"));
      g_autoptr (PsModule) layer = ps_module_new (type, la, &gen, &error);
      g_assert_no_error (error);
      g_autoptr (PsModule) model = ps_module_new_container ("Sequential", NULL, &error);
      g_assert_true (ps_module_add_child (model, "attn", mha, &error));
      g_assert_true (ps_module_add_child (model, "layer", layer, &error));
      ps_module_set_training (model, json_object_get_boolean_member (c, "train"));
      int64_t shape[] = { 4, 5, 8 };
      g_autoptr (PsTensor) x = golden_randn (&gen, 3, shape, 1.0, 0.0);
      g_autoptr (PsTensor) y = ps_module_forward (model, x, &gen, &error);
      g_assert_no_error (error);
      const gboolean want = json_object_get_boolean_member (c, "swapped");
      if (ps_loss_input_swapped (model, y) != want)
        g_error ("%s (train %d): torch's output is %s", type, json_object_get_boolean_member (c, "train"),
                 want ? "still swapped" : "contiguous");
      kept += want;
    }
  g_assert_cmpuint (json_array_get_length (cases), ==, 40);
  g_assert_cmpuint (kept, ==, 18);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/batch-first-roots/runs", test_runs);
  g_test_add_func ("/batch-first-roots/layouts", test_layouts);
  return g_test_run ();
}
