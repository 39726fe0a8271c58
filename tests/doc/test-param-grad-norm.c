/* test-param-grad-norm.c — the per-parameter gradient norm a train op records (the diagnostics'
 * grad_norm) is torch.norm(p.grad, 2) as torch 1.13 computes it at ATen's capability and the recipe's
 * flavour, like clip_grad_norm_ (tests/data/param-grad-norm-golden.json, made by
 * tests/golden/gen_param_grad_norm.py at ATEN_CPU_CAPABILITY=avx2, avx512 and default): a ReLU MLP
 * trained 300 steps, every step recorded, each of its 6 parameters' norms bit for bit, and the trained
 * parameters equal to torch's (SHA-256). Run at this process's capability (test-param-grad-norm-avx512
 * sets ATEN_CPU_CAPABILITY=avx512) and, in both runs, with "flavour": "default". The data file is
 * tests/data/param-grad-norm.npz (the recipe's path is relative to PS_TEST_DATA). */
#include "gen-golden-util.h"
#include "ps-cpu.h"
#include "ps-recipe.h"
#include "ps-threads.h"
#include "ps-timeline.h"

static void
check_run (const char *cap, gboolean default_flavour)
{
  g_autoptr (JsonParser) p = golden_load ("param-grad-norm-golden.json");
  JsonObject *root = json_node_get_object (json_parser_get_root (p));
  JsonObject *recipe = json_object_get_object_member (root, "recipe");
  if (default_flavour)
    json_object_set_string_member (recipe, "flavour", "default");
  g_autoptr (JsonGenerator) gen = json_generator_new ();
  json_generator_set_root (gen, json_object_get_member (root, "recipe"));
  g_autofree char *text = json_generator_to_data (gen, NULL);
  g_autoptr (GError) error = NULL;
  g_autoptr (PsRecipe) r = ps_recipe_load_from_data (text, -1, &error);
  g_assert_no_error (error);
  g_autoptr (PsTimeline) tl = ps_timeline_new_from_recipe (r, -1, g_getenv ("PS_TEST_DATA"));
  if (ps_timeline_get_error (tl) != NULL)
    g_error ("%s: %s", cap, ps_timeline_get_error (tl)->message);
  PsState *st = ps_timeline_get_state (tl, ps_timeline_get_n_steps (tl));
  g_assert_nonnull (st->train_log);
  JsonObject *want = json_object_get_object_member (json_object_get_object_member (root, "capabilities"), cap);
  JsonArray *steps = json_object_get_array_member (want, "steps");
  g_assert_cmpuint (st->train_log->records->len, ==, json_array_get_length (steps));
  guint n = 0;
  for (guint k = 0; k < json_array_get_length (steps); k++)
    {
      const PsTrainRecord *rec = st->train_log->records->pdata[k];
      const char *norms = json_array_get_string_element (steps, k);   /* 8 hex digits per parameter */
      g_assert_cmpuint (rec->params->len * 8, ==, strlen (norms));
      for (guint i = 0; i < rec->params->len; i++)
        {
          const PsParamStat *s = &g_array_index (rec->params, PsParamStat, i);
          const float got = (float) s->grad_norm;
          guint32 bits;
          memcpy (&bits, &got, 4);
          g_autofree char *hex = g_strdup_printf ("%08x", bits);
          g_autofree char *w = g_strndup (norms + 8 * i, 8);
          if (strcmp (hex, w) != 0)
            g_error ("%s: step %u, %s: grad_norm %s (%.9g), torch %s", cap, k + 1, s->path, hex, got, w);
          n++;
        }
    }
  /* the trained parameters are torch's: the norms above were of torch's gradients */
  PsModule *model = ps_state_get_module (st, "model");
  g_autoptr (GPtrArray) items = ps_module_named_parameters (model);
  g_autoptr (GChecksum) sum = g_checksum_new (G_CHECKSUM_SHA256);
  for (guint i = 0; i < items->len; i++)
    {
      const PsTensor *t = ((PsNamedItem *) items->pdata[i])->param->value;
      g_checksum_update (sum, t->data, ps_tensor_nbytes (t));
    }
  g_assert_cmpstr (g_checksum_get_string (sum), ==, json_object_get_string_member (want, "params"));
  g_test_message ("%s: %u per-parameter gradient norms over %u steps equal torch's", cap, n,
                  json_array_get_length (steps));
  g_assert_cmpuint (n, ==, 1800);
}

static void
test_capability (void)
{
  const gboolean avx512 = g_str_equal (ps_threads_aten_capability (), "AVX512");
  check_run (avx512 ? "avx512" : "avx2", FALSE);
}

static void
test_default (void)
{
  /* "flavour": "default" is torch at ATEN_CPU_CAPABILITY=default, whatever this process runs at */
  check_run ("default", TRUE);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  if (g_str_equal (ps_threads_aten_capability (), "AVX512") && !(ps_cpu_hw_features () & PS_CPU_AVX512F))
    {
      g_print ("1..0 # SKIP ATen's AVX512 capability is not available on this CPU\n");
      return 77;
    }
  g_test_add_func ("/param-grad-norm/capability", test_capability);
  /* in the -avx512 run too: a "default" recipe's sums (the Linear bias gradients) keep the DEFAULT
   * build's 8 lanes in a process at the AVX512 capability (they took 16 and differed by an ulp,
   * model.0.bias at step 1, before ps_threads_set_flavour) */
  g_test_add_func ("/param-grad-norm/default", test_default);
  return g_test_run ();
}
