/* Every element-wise activation with a backward (ReLU, LeakyReLU, Tanh, Sigmoid, SiLU, GELU 'none'
 * and 'tanh') after a batch_first LSTM root, whose output torch holds as a view with dims 0 and 1
 * swapped, × MSELoss, L1Loss, SmoothL1Loss, HuberLoss, BCEWithLogitsLoss(pos_weight) (contiguous
 * gradients: the backward runs row by row) and L1Loss(sum), BCEWithLogitsLoss() (swapped gradients:
 * memory order) × hidden sizes 1, 3, 7, 15, 17, 33 — 294 train runs of 8 steps against torch 1.13.1
 * (tests/golden/gen_swapped_activations.py at the capability PS_SWAPPED_GOLDEN names — a folder of
 * tests/data with one file per activation type: swapped-activations-avx2 by default; the avx512
 * golden skips on a CPU without AVX-512; the default golden's recipes carry "flavour": "default"). Every step's loss and every parameter after the run are compared bit for
 * bit; the mismatching runs are listed before the test fails.
 *   /swapped-activations/output-grads: the output-gradient figure's tensors
 *     (ps_train_figures_output_grad_tensors: the loss of the first 8 samples at the run's last state,
 *     backward, each layer output's .grad) equal torch's out.retain_grad() values, bit for bit: the
 *     figure marks the row-wise backward (grad_rows) as the train step does. */
#include <json-glib/json-glib.h>
#include <string.h>
#include "golden-dir-util.h"
#include "ps-cpu.h"
#include "ps-recipe.h"
#include "ps-timeline.h"
#include "ps-train-figures.h"
#include "ps-train-ops.h"

static JsonArray *golden_runs (JsonNode **root);

static void
test_runs (void)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  g_autofree char *dir = g_build_filename (data, "batch-first", NULL);
  g_autoptr (JsonNode) golden = NULL;
  g_autoptr (GError) error = NULL;
  JsonArray *runs = golden_runs (&golden);
  if (runs == NULL)
    return;
  guint n = json_array_get_length (runs), bad = 0, losses = 0, params = 0;
  g_assert_cmpuint (n, ==, 294 + 196);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      const char *rname = json_object_get_string_member (run, "name");
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_root (gen, json_object_get_member (run, "recipe"));
      g_autofree char *text = json_generator_to_data (gen, NULL);
      g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (text, -1, &error);
      g_assert_no_error (error);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
      g_assert_null (ps_timeline_get_error (tl));
      PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
      g_assert_nonnull (st->train_log);
      JsonArray *want = json_object_get_array_member (run, "losses");
      g_assert_cmpuint (st->train_log->records->len, ==, json_array_get_length (want));
      g_autoptr (GString) diff = g_string_new (NULL);
      for (guint k = 0; k < st->train_log->records->len; k++)
        {
          float l = ((const PsTrainRecord *) st->train_log->records->pdata[k])->loss;
          uint32_t u;
          memcpy (&u, &l, 4);
          g_autofree char *hx = g_strdup_printf ("%08x", u);
          if (strcmp (hx, json_array_get_string_element (want, k)) != 0 && diff->len == 0)
            g_string_append_printf (diff, " loss of step %u", k + 1);
          losses++;
        }
      JsonObject *state = json_object_get_object_member (run, "state");
      g_autoptr (GList) keys = json_object_get_members (state);
      for (GList *l = keys; l; l = l->next)
        {
          const char *key = l->data;
          PsModule *m = ps_state_get_module (st, "m");
          PsParam *prm = NULL;
          g_assert_true (m != NULL && ps_module_resolve (m, key + 2, NULL, &prm, NULL));
          g_autofree char *ours = g_compute_checksum_for_data (G_CHECKSUM_SHA256, prm->value->data,
                                                             ps_tensor_nbytes (prm->value));
          if (strcmp (ours, json_object_get_string_member (state, key)) != 0)
            g_string_append_printf (diff, " %s", key);
          params++;
        }
      if (diff->len > 0)
        {
          g_test_message ("%s differs:%s", rname, diff->str);
          bad++;
        }
    }
  g_test_message ("%u runs, %u losses and %u parameters compared: %u runs differ", n, losses, params, bad);
  g_assert_cmpuint (bad, ==, 0);
}

/* The golden's runs, the files of its folder together (*root owns them); NULL (and a skip) when
 * torch ran at AVX512 and this CPU has none. */
static JsonArray *
golden_runs (JsonNode **root)
{
  const char *name = g_getenv ("PS_SWAPPED_GOLDEN");
  *root = golden_merge_dir (name != NULL ? name : "swapped-activations-avx2");
  JsonObject *o = json_node_get_object (*root);
  if (strcmp (json_object_get_string_member (o, "capability"), "avx512") == 0
      && (ps_cpu_features () & PS_CPU_AVX512F) == 0)
    {
      g_test_skip ("torch's AVX512 runs: this CPU has no AVX-512");
      return NULL;
    }
  return json_object_get_array_member (o, "runs");
}

static void
test_output_grads (void)
{
  const char *data = g_getenv ("PS_TEST_DATA");
  g_autofree char *dir = g_build_filename (data, "batch-first", NULL);
  g_autoptr (JsonNode) golden = NULL;
  JsonArray *runs = golden_runs (&golden);
  if (runs == NULL)
    return;
  guint n = json_array_get_length (runs), bad = 0, compared = 0;
  g_assert_cmpuint (n, ==, 294 + 196);
  for (guint i = 0; i < n; i++)
    {
      JsonObject *run = json_array_get_object_element (runs, i);
      g_autoptr (GError) error = NULL;
      g_autoptr (JsonGenerator) gen = json_generator_new ();
      json_generator_set_root (gen, json_object_get_member (run, "recipe"));
      g_autofree char *text = json_generator_to_data (gen, NULL);
      g_autoptr (PsRecipe) recipe = ps_recipe_load_from_data (text, -1, &error);
      g_assert_no_error (error);
      g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (recipe, -1, dir);
      g_assert_null (ps_timeline_get_error (tl));
      PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
      /* the train op's loss, as the figure takes it */
      JsonArray *ops = json_object_get_array_member (json_object_get_object_member (run, "recipe"), "ops");
      JsonObject *train = json_array_get_object_element (ops, json_array_get_length (ops) - 1);
      PsLoss loss;
      g_assert_true (ps_train_loss_from_json (json_object_get_member (train, "loss"), &loss, &error));
      g_autoptr (GPtrArray) names = g_ptr_array_new_with_free_func (g_free);
      g_autoptr (GPtrArray) got = ps_train_figures_output_grad_tensors (st, 8, &loss, names, &error);
      ps_loss_clear (&loss);
      g_assert_no_error (error);
      JsonArray *want = json_object_get_array_member (run, "out_grads");
      g_assert_cmpuint (got->len, ==, json_array_get_length (want));
      gboolean same = TRUE;
      for (guint l = 0; l < got->len; l++)
        {
          const PsTensor *t = got->pdata[l];
          g_autofree char *ours = g_compute_checksum_for_data (G_CHECKSUM_SHA256, t->data, ps_tensor_nbytes (t));
          same = same && strcmp (ours, json_array_get_string_element (want, l)) == 0;
          compared++;
        }
      if (!same)
        {
          g_test_message ("%s: the output gradients differ", json_object_get_string_member (run, "name"));
          bad++;
        }
    }
  g_test_message ("%u runs, %u output gradients compared: %u runs differ", n, compared, bad);
  g_assert_cmpuint (bad, ==, 0);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/swapped-activations/runs", test_runs);
  g_test_add_func ("/swapped-activations/output-grads", test_output_grads);
  return g_test_run ();
}
