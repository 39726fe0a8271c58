/* test-sched-args.c — every 1.13 argument of StepLR, MultiStepLR, ExponentialLR, CosineAnnealingLR,
 * LinearLR and OneCycleLR (last_epoch and verbose included) through a recipe's `scheduler` op and
 * `scheduler_step` ops, against torch 1.13 (tests/data/sched-args-golden/<Type>.json from
 * tests/golden/gen_sched_args.py): where torch takes the arguments, the learning rate and momentum
 * after construction and after each step carry torch's bits; where torch raises (at construction or
 * at a step: KeyError when resuming without 'initial_lr', ZeroDivisionError, "Tried to step …"),
 * Paramscope fails at the same op with torch's message and the state stays as it was. */
#include <math.h>
#include <string.h>
#include "ps-op.h"
#include "ps-state.h"
#include "ps-train-object.h"
#include "train-golden.h"

static PsState *
try_apply (PsState *st, guint n, const char *json, GError **error)
{
  g_autoptr (JsonParser) p = json_parser_new ();
  g_assert_true (json_parser_load_from_data (p, json, -1, NULL));
  g_autoptr (PsOp) op = ps_op_new_from_json (json_node_get_object (json_parser_get_root (p)), 9, error);
  if (op == NULL)
    return NULL;
  return ps_op_apply (st, op, n, error);
}

static PsState *
apply (PsState *st, guint n, const char *json)
{
  g_autoptr (GError) error = NULL;
  PsState *next = try_apply (st, n, json, &error);
  if (next == NULL)
    g_error ("op %u %s: %s", n, json, error->message);
  ps_state_unref (st);
  return next;
}

static double
momentum_of (const PsOptimizer *opt)
{
  const PsOptimConfig *c = ps_optimizer_config (opt);
  if (c->kind == PS_OPTIM_ADAM || c->kind == PS_OPTIM_ADAMW)
    return c->beta1;
  return c->kind == PS_OPTIM_ADAGRAD ? 0.0 : c->momentum;
}

static void
check_lr (PsState *st, JsonObject *c, guint k, const char *what)
{
  const PsOptimizer *opt = ps_state_get_train_object (st, "o")->optimizer;
  double lr = tg_hex_double (json_array_get_string_element (json_object_get_array_member (c, "lrs"), k));
  double mo = tg_hex_double (json_array_get_string_element (json_object_get_array_member (c, "momentum"), k));
  double got_lr = ps_optimizer_get_lr (opt), got_mo = momentum_of (opt);
  if (memcmp (&lr, &got_lr, sizeof lr) != 0 || memcmp (&mo, &got_mo, sizeof mo) != 0)
    g_error ("%s, value %u: lr %.17g momentum %.17g, torch %.17g %.17g", what, k, got_lr, got_mo, lr, mo);
}

static void
test_generated (void)
{
  /* one file per type */
  g_autoptr (JsonNode) golden = golden_merge_dir ("sched-args-golden");
  JsonArray *cases = json_object_get_array_member (json_node_get_object (golden), "cases");
  guint n_taken = 0, n_refused_init = 0, n_refused_step = 0, n_values = 0, n_resumed = 0;
  GHashTable *seen = g_hash_table_new_full (g_str_hash, g_str_equal, g_free, NULL);
  for (guint i = 0; i < json_array_get_length (cases); i++)
    {
      JsonObject *c = json_array_get_object_element (cases, i);
      const char *type = json_object_get_string_member (c, "type");
      g_autofree char *args = json_to_string (json_object_get_member (c, "args"), FALSE);
      JsonArray *opt = json_object_get_array_member (c, "opt");
      g_autofree char *oargs = json_to_string (json_array_get_element (opt, 1), FALSE);
      g_autofree char *what = g_strdup_printf ("case %u: %s(%s) on %s(%s)", i, type, args,
                                               json_array_get_string_element (opt, 0), oargs);
      g_autoptr (GList) names = json_object_get_members (json_object_get_object_member (c, "args"));
      for (GList *l = names; l; l = l->next)
        g_hash_table_add (seen, g_strdup_printf ("%s.%s", type, (char *) l->data));

      PsState *st = ps_state_new (0, PS_FLAVOUR_AVX2, "m");
      guint n = 1;
      st = apply (st, n++, "{\"op\":\"module\",\"id\":\"m\",\"type\":\"Linear\",\"args\":{\"in_features\":3,\"out_features\":1}}");
      g_autofree char *oop = g_strdup_printf ("{\"op\":\"optimizer\",\"id\":\"o\",\"type\":\"%s\",\"params\":\"m\",\"args\":%s}",
                                              json_array_get_string_element (opt, 0), oargs);
      st = apply (st, n++, oop);
      JsonNode *pre = json_object_get_member (c, "pre");
      if (!JSON_NODE_HOLDS_NULL (pre))
        {
          JsonArray *pa = json_node_get_array (pre);
          g_autofree char *pargs = json_to_string (json_array_get_element (pa, 1), FALSE);
          g_autofree char *pop = g_strdup_printf ("{\"op\":\"scheduler\",\"id\":\"pre\",\"type\":\"%s\",\"optimizer\":\"o\",\"args\":%s}",
                                                  json_array_get_string_element (pa, 0), pargs);
          st = apply (st, n++, pop);
          n_resumed++;
        }
      JsonNode *want = json_object_get_member (c, "error");
      const char *want_msg = JSON_NODE_HOLDS_NULL (want) ? NULL : json_node_get_string (want);
      const int64_t err_at = want_msg ? json_object_get_int_member (c, "error_at") : 0;
      const int64_t steps = json_object_get_int_member (c, "steps");
      g_autofree char *sop = g_strdup_printf ("{\"op\":\"scheduler\",\"id\":\"s\",\"type\":\"%s\",\"optimizer\":\"o\",\"args\":%s}",
                                              type, args);
      for (int64_t k = 0; k <= steps; k++)
        {
          g_autoptr (GError) error = NULL;
          const double lr_before = ps_optimizer_get_lr (ps_state_get_train_object (st, "o")->optimizer);
          PsState *next = try_apply (st, n++, k == 0 ? sop : "{\"op\":\"scheduler_step\",\"scheduler\":\"s\"}", &error);
          const gboolean torch_fails = want_msg != NULL && (err_at == -1 ? k == 0 : err_at == k);
          if (torch_fails)
            {
              if (next != NULL)
                g_error ("%s: torch raises \"%s\" at %s, Paramscope goes on", what, want_msg,
                         k == 0 ? "construction" : "a step");
              if (strstr (error->message, want_msg) == NULL)
                g_error ("%s: expected \"%s\", got \"%s\"", what, want_msg, error->message);
              /* nothing changed */
              g_assert_cmpfloat (ps_optimizer_get_lr (ps_state_get_train_object (st, "o")->optimizer), ==, lr_before);
              if (k == 0)
                n_refused_init++;
              else
                n_refused_step++;
              break;
            }
          if (next == NULL)
            g_error ("%s: torch goes on at %s %" G_GINT64_FORMAT ", Paramscope: %s", what, k == 0 ? "construction" : "step",
                     k, error->message);
          ps_state_unref (st);
          st = next;
          check_lr (st, c, (guint) k, what);
          n_values += 2;
          if (k == steps)
            n_taken++;
        }
      ps_state_unref (st);
    }
  /* every argument of every scheduler (torch 1.13's signatures) has cases */
  static const char *const all_args[] = {
    "StepLR.step_size", "StepLR.gamma", "StepLR.last_epoch", "StepLR.verbose",
    "MultiStepLR.milestones", "MultiStepLR.gamma", "MultiStepLR.last_epoch", "MultiStepLR.verbose",
    "ExponentialLR.gamma", "ExponentialLR.last_epoch", "ExponentialLR.verbose",
    "CosineAnnealingLR.T_max", "CosineAnnealingLR.eta_min", "CosineAnnealingLR.last_epoch", "CosineAnnealingLR.verbose",
    "LinearLR.start_factor", "LinearLR.end_factor", "LinearLR.total_iters", "LinearLR.last_epoch", "LinearLR.verbose",
    "OneCycleLR.max_lr", "OneCycleLR.total_steps", "OneCycleLR.epochs", "OneCycleLR.steps_per_epoch",
    "OneCycleLR.pct_start", "OneCycleLR.anneal_strategy", "OneCycleLR.cycle_momentum", "OneCycleLR.base_momentum",
    "OneCycleLR.max_momentum", "OneCycleLR.div_factor", "OneCycleLR.final_div_factor", "OneCycleLR.three_phase",
    "OneCycleLR.last_epoch", "OneCycleLR.verbose",
  };
  for (guint i = 0; i < G_N_ELEMENTS (all_args); i++)
    if (!g_hash_table_contains (seen, all_args[i]))
      g_error ("no case for %s", all_args[i]);
  g_hash_table_unref (seen);
  g_test_message ("%u cases: %u run every step as torch (%u lr/momentum values bit-identical), %u refused at "
                  "construction and %u at a step with torch's message; %u resume a group an earlier scheduler set",
                  json_array_get_length (cases), n_taken, n_values, n_refused_init, n_refused_step, n_resumed);
  g_assert_cmpuint (n_taken + n_refused_init + n_refused_step, ==, json_array_get_length (cases));
  g_assert_cmpuint (json_array_get_length (cases), >=, 250);
}

int
main (int argc, char **argv)
{
  g_test_init (&argc, &argv, NULL);
  g_test_add_func ("/sched-args/generated", test_generated);
  return g_test_run ();
}
