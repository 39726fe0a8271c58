/* test-train.c — data and whole training runs against torch 1.13 (tests/data/train-golden/):
 *   loader  DataLoader batch order (shuffle, drop_last, two epochs) and the generator after it;
 *   toy     the xor/circles/blobs data sets and the generator after them;
 *   runs    end-to-end training (toy data, default init, DataLoader order, forward, loss,
 *           backward through Linear/Tanh/ReLU/Sigmoid/LeakyReLU/Dropout and shared modules,
 *           clip_grad_norm_, optimizer, scheduler): loss, lr, every parameter and every .grad at
 *           every recorded step, bit for bit. */
#include <math.h>
#include "ps-autograd.h"
#include "ps-dataset.h"
#include "ps-loss.h"
#include "ps-optimizer.h"
#include "ps-scheduler.h"
#include "ps-train-step.h"
#include "train-golden.h"
#include "train-config.h"

static void
check_probe (const char *what, PsGenerator *gen, JsonArray *probe)
{
  int64_t v[2];
  g_autoptr (GError) error = NULL;
  g_assert_true (ps_generator_randint (gen, 0, (int64_t) 1 << 31, v, 2, &error));
  for (int k = 0; k < 2; k++)
    if (v[k] != json_array_get_int_element (probe, k))
      g_error ("%s: the generator after it differs (probe %" G_GINT64_FORMAT " vs %" G_GINT64_FORMAT ")", what, v[k],
               json_array_get_int_element (probe, k));
}

static void
test_loader (void)
{
  JsonArray *cases = tg_section ("loader");
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsGenerator gen;
      ps_generator_init (&gen, json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      int64_t n = json_object_get_int_member (c, "n"), bs = json_object_get_int_member (c, "batch_size");
      gboolean shuffle = json_object_get_boolean_member (c, "shuffle");
      gboolean drop_last = json_object_get_boolean_member (c, "drop_last");
      JsonArray *batches = json_object_get_array_member (c, "batches");
      g_autofree int64_t *order = g_new (int64_t, n);
      guint b = 0;
      for (int e = 0; e < json_object_get_int_member (c, "epochs"); e++)
        {
          g_assert_true (ps_data_loader_epoch_order (&gen, n, shuffle, order, NULL));
          int64_t nb = ps_data_loader_n_batches (n, bs, drop_last);
          for (int64_t k = 0; k < nb; k++, b++)
            {
              JsonArray *eb = json_array_get_array_element (batches, b);
              int64_t len = MIN (bs, n - k * bs);
              g_assert_cmpint (len, ==, json_array_get_length (eb));
              for (int64_t j = 0; j < len; j++)
                g_assert_cmpint (order[k * bs + j], ==, json_array_get_int_element (eb, (guint) j));
            }
        }
      g_assert_cmpuint (b, ==, json_array_get_length (batches));
      check_probe ("loader", &gen, json_object_get_array_member (c, "probe"));
    }
}

static void
test_toy (void)
{
  JsonArray *cases = tg_section ("toy");
  g_assert_cmpuint (json_array_get_length (cases), ==, 6);   /* xor, circles, blobs: 2 cases each */
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsGenerator gen;
      ps_generator_init (&gen, json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      g_autoptr (GError) error = NULL;
      const char *type = json_object_get_string_member (c, "type");
      g_autoptr (PsDataset) d = ps_dataset_new_toy (type, json_object_get_int_member (c, "n"), &gen, &error);
      g_assert_no_error (error);
      tg_check (type, d->x, json_object_get_object_member (c, "x"));
      JsonArray *y = json_object_get_array_member (c, "y");
      for (int64_t k = 0; k < d->y->numel; k++)
        g_assert_cmpint (ps_tensor_ci64 (d->y)[k], ==, json_array_get_int_element (y, (guint) k));
      check_probe (type, &gen, json_object_get_array_member (c, "probe"));
    }
  g_autoptr (GError) error = NULL;
  PsGenerator gen;
  ps_generator_init (&gen, 0, PS_FLAVOUR_AVX2);
  g_assert_null (ps_dataset_new_toy ("moons", 10, &gen, &error));
  g_assert_error (error, PS_ERROR, PS_ERROR_NOT_FOUND);
}

static PsModule *
build_model (JsonArray *spec, int64_t n_in, int64_t n_out, PsGenerator *gen)
{
  g_autoptr (GError) error = NULL;
  PsModule *seq = ps_module_new_container ("Sequential", NULL, &error);
  int64_t dims = n_in;
  for (guint i = 0; i < json_array_get_length (spec); i++)
    {
      JsonArray *item = json_array_get_array_element (spec, i);
      const char *k = json_array_get_string_element (item, 0);
      g_autoptr (PsArgs) args = ps_args_new ();
      g_autoptr (PsModule) m = NULL;
      if (g_str_equal (k, "Shared"))
        m = ps_module_ref (ps_module_child_at (seq, json_array_get_int_element (item, 1)));
      else
        {
          if (g_str_equal (k, "Linear"))
            {
              JsonNode *o = json_array_get_element (item, 1);
              int64_t out = JSON_NODE_HOLDS_NULL (o) ? n_out : json_node_get_int (o);
              ps_args_set_int (args, "in_features", dims);
              ps_args_set_int (args, "out_features", out);
              dims = out;
            }
          else if (g_str_equal (k, "LeakyReLU"))
            ps_args_set_double (args, "negative_slope", json_array_get_double_element (item, 1));
          else if (g_str_equal (k, "Dropout"))
            ps_args_set_double (args, "p", json_array_get_double_element (item, 1));
          m = ps_module_new (k, args, gen, &error);
          g_assert_no_error (error);
        }
      g_autofree char *name = g_strdup_printf ("%u", i);
      g_assert_true (ps_module_add_child (seq, name, m, &error));
    }
  return seq;
}


static void
test_runs (void)
{
  JsonArray *runs = tg_section ("runs");
  tg_compared = 0;
  for (guint r = 0; r < json_array_get_length (runs); r++)
    {
      JsonObject *c = json_array_get_object_element (runs, r);
      const char *name = json_object_get_string_member (c, "name");
      g_autoptr (GError) error = NULL;
      PsGenerator gen;
      ps_generator_init (&gen, json_object_get_int_member (c, "seed"), PS_FLAVOUR_AVX2);
      const int64_t n = json_object_get_int_member (c, "n");
      g_autoptr (PsDataset) toy = ps_dataset_new_toy (json_object_get_string_member (c, "data"), n, &gen, &error);
      g_assert_no_error (error);
      JsonArray *lspec = json_object_get_array_member (c, "loss");
      PsLoss loss;
      PsLossKind lk;
      g_assert_true (ps_loss_kind_from_name (json_array_get_string_element (lspec, 0), &lk));
      ps_loss_init (&loss, lk);
      JsonObject *largs = json_array_get_object_element (lspec, 1);
      if (json_object_has_member (largs, "reduction"))
        g_assert_true (ps_reduction_from_name (json_object_get_string_member (largs, "reduction"), &loss.reduction, NULL));
      g_autoptr (PsDataset) data = NULL;
      int64_t n_out = toy->n_classes;
      if (!ps_loss_wants_indices (&loss))
        {
          g_autoptr (PsTensor) t = ps_tensor_new_2d (PS_DTYPE_FLOAT32, n, 1, NULL);
          for (int64_t k = 0; k < n; k++)
            ps_tensor_f32 (t)[k] = (float) ps_tensor_ci64 (toy->y)[k];
          data = ps_dataset_new (toy->x, t, &error);
          n_out = 1;
        }
      else
        data = ps_dataset_ref (toy);
      g_autoptr (PsModule) model = build_model (json_object_get_array_member (c, "model"), 2, n_out, &gen);
      JsonArray *ospec = json_object_get_array_member (c, "opt");
      PsOptimConfig ocfg;
      optim_config_from_json (json_array_get_string_element (ospec, 0), json_array_get_object_element (ospec, 1), &ocfg);
      PsOptimizer *opt = ps_optimizer_new (&ocfg, model, &error);
      g_assert_no_error (error);
      PsScheduler *sched = NULL;
      if (!JSON_NODE_HOLDS_NULL (json_object_get_member (c, "sched")))
        {
          JsonArray *sspec = json_object_get_array_member (c, "sched");
          PsSchedConfig scfg;
          sched_config_from_json (json_array_get_string_element (sspec, 0), json_array_get_object_element (sspec, 1), &scfg);
          sched = ps_scheduler_new (&scfg, opt, &error);
          g_assert_no_error (error);
        }
      JsonNode *clipn = json_object_get_member (c, "clip");
      /* any max_norm, as torch: 0, negative, "nan", "inf" */
      const gboolean clipping = !JSON_NODE_HOLDS_NULL (clipn);
      double clip = !clipping ? 0.0
                    : json_node_get_value_type (clipn) == G_TYPE_STRING ? g_ascii_strtod (json_node_get_string (clipn), NULL)
                                                                        : json_node_get_double (clipn);
      const int64_t bs = json_object_get_int_member (c, "batch_size"), steps = json_object_get_int_member (c, "steps");
      const int64_t every = json_object_get_int_member (c, "every");
      const gboolean shuffle = json_object_get_boolean_member (c, "shuffle");
      const gboolean drop_last = json_object_get_boolean_member (c, "drop_last");
      JsonArray *rec = json_object_get_array_member (c, "record");
      PsTape *tape = ps_tape_new ();
      g_autofree int64_t *order = g_new (int64_t, n);
      int64_t step = 0;
      guint ri = 0;
      while (step < steps)
        {
          g_assert_true (ps_data_loader_epoch_order (&gen, n, shuffle, order, NULL));
          int64_t nb = ps_data_loader_n_batches (n, bs, drop_last);
          for (int64_t b = 0; b < nb && step < steps; b++)
            {
              g_autoptr (PsTensor) xb = NULL, yb = NULL;
              g_assert_true (ps_dataset_batch (data, order + b * bs, MIN (bs, n - b * bs), &xb, &yb, NULL));
              PsTrainStepResult res;
              if (!ps_train_step_full (model, tape, &loss, opt, xb, yb, &gen, clipping, clip, PS_FLAVOUR_AVX2, &res,
                                       &error))
                g_error ("%s step %" G_GINT64_FORMAT ": %s", name, step + 1, error->message);
              if (sched != NULL)
                g_assert_true (ps_scheduler_step (sched, opt, NULL));
              step++;
              if (step % every != 0)
                continue;
              JsonObject *e = json_array_get_object_element (rec, ri++);
              g_autofree char *what = g_strdup_printf ("run %s step %" G_GINT64_FORMAT, name, step);
              tg_check_values (what, &res.loss, 1, json_object_get_object_member (e, "loss"));
              g_assert_cmpfloat (ps_optimizer_get_lr (opt), ==, tg_hex_double (json_object_get_string_member (e, "lr")));
              const char *sect[2] = { "params", "grads" };
              for (int s = 0; s < 2; s++)
                {
                  JsonObject *ps = json_object_get_object_member (e, sect[s]);
                  g_autoptr (GList) names = json_object_get_members (ps);
                  g_assert_cmpuint (g_list_length (names), >, 0);
                  for (GList *l = names; l; l = l->next)
                    {
                      PsParam *p = NULL;
                      g_assert_true (ps_module_resolve (model, l->data, NULL, &p, NULL));
                      g_autofree char *w2 = g_strdup_printf ("%s %s %s", what, sect[s], (char *) l->data);
                      tg_check (w2, s == 0 ? p->value : p->grad, json_object_get_object_member (ps, l->data));
                    }
                }
            }
        }
      g_assert_cmpuint (ri, ==, json_array_get_length (rec));
      check_probe (name, &gen, json_object_get_array_member (c, "probe"));
      ps_tape_free (tape);
      ps_scheduler_free (sched);
      ps_optimizer_free (opt);
      ps_loss_clear (&loss);
    }
  g_test_message ("%u runs: %" G_GUINT64_FORMAT " losses, parameters and gradients bit-identical to torch",
                  json_array_get_length (runs), tg_compared);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/train/loader", test_loader);
  g_test_add_func ("/train/toy", test_toy);
  g_test_add_func ("/train/runs", test_runs);
  return g_test_run ();
}
