/* test-optimizer.c — the five optimizers and six schedulers against torch 1.13
 * (tests/data/train-golden/ "optim", "sched"): parameters and every state tensor after each
 * step, learning rates and momenta after each scheduler step, bit for bit. */
#include <math.h>
#include <string.h>
#include "ps-optimizer.h"
#include "ps-scheduler.h"
#include "train-golden.h"
#include "train-config.h"

static void
test_optim (void)
{
  JsonArray *cases = tg_section ("optim");
  g_assert_cmpuint (json_array_get_length (cases), >=, 15);
  tg_compared = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      PsOptimConfig cfg;
      optim_config_from_json (json_object_get_string_member (c, "type"), json_object_get_object_member (c, "args"), &cfg);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new_container ("Sequential", NULL, &error);
      JsonArray *params = json_object_get_array_member (c, "params");
      for (guint k = 0; k < json_array_get_length (params); k++)
        {
          g_autofree char *name = g_strdup_printf ("p%u", k);
          g_autoptr (PsTensor) t = tg_tensor (json_array_get_object_element (params, k));
          ps_module_register (m, name, t, FALSE);
        }
      PsOptimizer *opt = ps_optimizer_new (&cfg, m, &error);
      g_assert_no_error (error);
      JsonArray *grads = json_object_get_array_member (c, "grads");
      JsonArray *steps = json_object_get_array_member (c, "steps");
      for (guint s = 0; s < json_array_get_length (steps); s++)
        {
          JsonArray *gs = json_array_get_array_element (grads, s);
          for (guint k = 0; k < json_array_get_length (gs); k++)
            {
              g_autoptr (PsTensor) g = tg_tensor (json_array_get_object_element (gs, k));
              ps_param_set_grad (g_ptr_array_index (m->params, k), g);
            }
          g_assert_true (ps_optimizer_step (opt, m, PS_FLAVOUR_AVX2, &error));
          JsonObject *st = json_array_get_object_element (steps, s);
          JsonArray *ep = json_object_get_array_member (st, "params");
          JsonArray *es = json_object_get_array_member (st, "state");
          for (guint k = 0; k < json_array_get_length (ep); k++)
            {
              g_autofree char *what = g_strdup_printf ("optim %u (%s) step %u param %u", i,
                                                       ps_optim_kind_name (cfg.kind), s + 1, k);
              tg_check (what, ((PsParam *) g_ptr_array_index (m->params, k))->value,
                        json_array_get_object_element (ep, k));
              JsonObject *state = json_array_get_object_element (es, k);
              const char *names[4];
              PsTensor *values[4];
              guint n = ps_optimizer_state_items (opt, k, names, values);
              g_assert_cmpuint (n, ==, json_object_get_size (state));
              for (guint q = 0; q < n; q++)
                {
                  g_autofree char *w2 = g_strdup_printf ("%s state %s", what, names[q]);
                  JsonNode *e = json_object_get_member (state, names[q]);
                  g_assert_nonnull (e);
                  if (JSON_NODE_HOLDS_OBJECT (e))
                    tg_check (w2, values[q], json_node_get_object (e));
                  else if (values[q]->dtype == PS_DTYPE_INT64)
                    g_assert_cmpfloat (ps_tensor_i64 (values[q])[0], ==, json_node_get_double (e));
                  else
                    g_assert_cmpfloat (ps_tensor_f32 (values[q])[0], ==, json_node_get_double (e));
                  ps_tensor_unref (values[q]);
                }
            }
        }
      ps_optimizer_free (opt);
    }
  g_test_message ("%" G_GUINT64_FORMAT " parameter and state values bit-identical to torch", tg_compared);
}

static double
momentum_of (const PsOptimizer *opt)
{
  const PsOptimConfig *c = ps_optimizer_config (opt);
  return (c->kind == PS_OPTIM_ADAM || c->kind == PS_OPTIM_ADAMW) ? c->beta1 : c->momentum;
}

static void
test_sched (void)
{
  JsonArray *cases = tg_section ("sched");
  g_assert_cmpuint (json_array_get_length (cases), >=, 10);   /* every scheduler type's file is there */
  guint64 compared = 0;
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      JsonObject *o = json_object_get_object_member (c, "opt");
      PsOptimConfig ocfg;
      optim_config_from_json (json_object_get_string_member (o, "type"), json_object_get_object_member (o, "args"), &ocfg);
      PsSchedConfig scfg;
      sched_config_from_json (json_object_get_string_member (c, "type"), json_object_get_object_member (c, "args"), &scfg);
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) m = ps_module_new_container ("Sequential", NULL, &error);
      g_autoptr (PsTensor) p = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL);
      ps_module_register (m, "p", p, FALSE);
      PsOptimizer *opt = ps_optimizer_new (&ocfg, m, &error);
      g_assert_no_error (error);
      PsScheduler *s = ps_scheduler_new (&scfg, opt, &error);
      g_assert_no_error (error);
      JsonArray *lrs = json_object_get_array_member (c, "lrs");
      JsonArray *moms = json_object_get_array_member (c, "momentum");
      for (guint k = 0; k < json_array_get_length (lrs); k++)
        {
          if (k > 0)
            {
              g_assert_true (ps_scheduler_step (s, opt, &error));
              g_assert_no_error (error);
            }
          double lr = tg_hex_double (json_array_get_string_element (lrs, k));
          double mo = tg_hex_double (json_array_get_string_element (moms, k));
          if (ps_optimizer_get_lr (opt) != lr || momentum_of (opt) != mo)
            g_error ("sched %u (%s) step %u: lr %.17g momentum %.17g, torch %.17g %.17g", i,
                     ps_sched_kind_name (scfg.kind), k, ps_optimizer_get_lr (opt), momentum_of (opt), lr, mo);
          compared += 2;
        }
      if (scfg.kind == PS_SCHED_ONE_CYCLE)
        {
          /* one past total_steps: torch raises, nothing changes */
          double lr = ps_optimizer_get_lr (opt);
          g_assert_false (ps_scheduler_step (s, opt, &error));
          g_assert_true (g_str_has_prefix (error->message, "Tried to step "));
          g_assert_cmpfloat (ps_optimizer_get_lr (opt), ==, lr);
        }
      ps_scheduler_free (s);
      ps_optimizer_free (opt);
    }
  g_test_message ("%" G_GUINT64_FORMAT " learning rates and momenta bit-identical to torch", compared);
}

static void
test_errors (void)
{
  g_autoptr (GError) error = NULL;
  g_autoptr (PsModule) m = ps_module_new_container ("Sequential", NULL, &error);
  PsOptimConfig cfg;
  ps_optim_config_init (&cfg, PS_OPTIM_SGD);
  cfg.lr = 0.1;
  g_assert_null (ps_optimizer_new (&cfg, m, &error));
  g_assert_cmpstr (error->message, ==, "optimizer got an empty parameter list");
  g_clear_error (&error);
  g_autoptr (PsTensor) p = ps_tensor_new_1d (PS_DTYPE_FLOAT32, 3, NULL);
  ps_module_register (m, "p", p, FALSE);
  cfg.lr = -1.0;
  g_assert_null (ps_optimizer_new (&cfg, m, &error));
  g_assert_cmpstr (error->message, ==, "Invalid learning rate: -1.0");
  g_clear_error (&error);
  cfg.lr = 0.1;
  cfg.nesterov = TRUE;
  g_assert_null (ps_optimizer_new (&cfg, m, &error));
  g_assert_cmpstr (error->message, ==, "Nesterov momentum requires a momentum and zero dampening");
}

/* A parameter large enough for Adam's update to be split over the CPUs (ps_threads_parallel_for:
 * grains of 2048 elements) ends with the same bits as the same values updated as parameters of at
 * most 4095 elements, which run whole on the calling thread (the path the golden cases above check
 * against torch). Adam, AdamW with weight decay, and amsgrad (the scalar loop in pieces), both
 * flavours, three steps; odd sizes so that pieces end inside a vector. */
static void
test_adam_split (void)
{
  const int64_t n = 50003, piece = 4093;
  const guint pieces = (guint) ((n + piece - 1) / piece);
  for (int variant = 0; variant < 4; variant++)
    {
      PsOptimConfig cfg;
      ps_optim_config_init (&cfg, variant == 1 ? PS_OPTIM_ADAMW : PS_OPTIM_ADAM);
      cfg.lr = 0.01;
      cfg.weight_decay = variant == 1 ? 0.1 : 0.0;
      cfg.amsgrad = variant == 2;
      const PsFlavour flavour = variant == 3 ? PS_FLAVOUR_DEFAULT : PS_FLAVOUR_AVX2;
      g_autoptr (GError) error = NULL;
      g_autoptr (PsModule) whole = ps_module_new_container ("Sequential", NULL, &error);
      g_autoptr (PsModule) split = ps_module_new_container ("Sequential", NULL, &error);
      guint32 x = 12345u + (guint32) variant;
      g_autoptr (PsTensor) w = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, NULL);
      for (int64_t k = 0; k < n; k++)
        {
          x = x * 1664525u + 1013904223u;
          ps_tensor_f32 (w)[k] = (float) ((double) (x >> 8) / 16777216.0 - 0.5);
        }
      ps_module_register (whole, "w", w, FALSE);
      for (guint q = 0; q < pieces; q++)
        {
          const int64_t len = MIN (piece, n - q * piece);
          g_autoptr (PsTensor) t = ps_tensor_new_1d (PS_DTYPE_FLOAT32, len, NULL);
          memcpy (ps_tensor_f32 (t), ps_tensor_cf32 (w) + q * piece, (gsize) len * sizeof (float));
          g_autofree char *name = g_strdup_printf ("p%u", q);
          ps_module_register (split, name, t, FALSE);
        }
      PsOptimizer *ow = ps_optimizer_new (&cfg, whole, &error);
      PsOptimizer *os = ps_optimizer_new (&cfg, split, &error);
      g_assert_no_error (error);
      for (int step = 0; step < 3; step++)
        {
          g_autoptr (PsTensor) g = ps_tensor_new_1d (PS_DTYPE_FLOAT32, n, NULL);
          for (int64_t k = 0; k < n; k++)
            {
              x = x * 1664525u + 1013904223u;
              ps_tensor_f32 (g)[k] = (float) ((double) (x >> 8) / 16777216.0 - 0.5) * (k % 3 == 0 ? 1e-3f : 1.0f);
            }
          ps_param_set_grad (g_ptr_array_index (whole->params, 0), g);
          for (guint q = 0; q < pieces; q++)
            {
              const int64_t len = MIN (piece, n - q * piece);
              g_autoptr (PsTensor) gq = ps_tensor_new_1d (PS_DTYPE_FLOAT32, len, NULL);
              memcpy (ps_tensor_f32 (gq), ps_tensor_cf32 (g) + q * piece, (gsize) len * sizeof (float));
              ps_param_set_grad (g_ptr_array_index (split->params, q), gq);
            }
          g_assert_true (ps_optimizer_step (ow, whole, flavour, &error));
          g_assert_true (ps_optimizer_step (os, split, flavour, &error));
          const char *wn[4], *sn[4];
          PsTensor *wv[4], *sv[4];
          const guint nw = ps_optimizer_state_items (ow, 0, wn, wv);
          for (guint q = 0; q < pieces; q++)
            {
              const int64_t len = MIN (piece, n - q * piece);
              const PsTensor *pv = ((PsParam *) g_ptr_array_index (split->params, q))->value;
              const PsTensor *wvv = ((PsParam *) g_ptr_array_index (whole->params, 0))->value;
              if (memcmp (ps_tensor_cf32 (pv), ps_tensor_cf32 (wvv) + q * piece, (gsize) len * sizeof (float)) != 0)
                g_error ("variant %d step %d: piece %u of the parameter differs", variant, step + 1, q);
              const guint ns = ps_optimizer_state_items (os, q, sn, sv);
              g_assert_cmpuint (ns, ==, nw);
              for (guint i = 0; i < ns; i++)
                {
                  g_assert_cmpstr (sn[i], ==, wn[i]);
                  if (sv[i]->numel == len
                      && memcmp (ps_tensor_cf32 (sv[i]), ps_tensor_cf32 (wv[i]) + q * piece,
                                 (gsize) len * sizeof (float)) != 0)
                    g_error ("variant %d step %d: piece %u of state %s differs", variant, step + 1, q, sn[i]);
                  ps_tensor_unref (sv[i]);
                }
            }
          for (guint i = 0; i < nw; i++)
            ps_tensor_unref (wv[i]);
        }
      ps_optimizer_free (ow);
      ps_optimizer_free (os);
    }
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/optimizer/golden", test_optim);
  g_test_add_func ("/optimizer/scheduler", test_sched);
  g_test_add_func ("/optimizer/errors", test_errors);
  g_test_add_func ("/optimizer/adam-split", test_adam_split);
  return g_test_run ();
}
