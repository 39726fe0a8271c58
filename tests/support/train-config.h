/* train-config.h — optimizer and scheduler configs from the golden file's torch keyword arguments. */
#pragma once

#include <json-glib/json-glib.h>
#include "ps-optimizer.h"
#include "ps-scheduler.h"

static inline void
optim_config_from_json (const char *type, JsonObject *args, PsOptimConfig *cfg)
{
  PsOptimKind kind;
  g_assert_true (ps_optim_kind_from_name (type, &kind));
  ps_optim_config_init (cfg, kind);
  g_autoptr (GList) names = json_object_get_members (args);
  for (GList *l = names; l; l = l->next)
    {
      const char *k = l->data;
      JsonNode *v = json_object_get_member (args, k);
      if (g_str_equal (k, "lr")) cfg->lr = json_node_get_double (v);
      else if (g_str_equal (k, "momentum")) cfg->momentum = json_node_get_double (v);
      else if (g_str_equal (k, "dampening")) cfg->dampening = json_node_get_double (v);
      else if (g_str_equal (k, "weight_decay")) cfg->weight_decay = json_node_get_double (v);
      else if (g_str_equal (k, "nesterov")) cfg->nesterov = json_node_get_boolean (v);
      else if (g_str_equal (k, "maximize")) cfg->maximize = json_node_get_boolean (v);
      else if (g_str_equal (k, "amsgrad")) cfg->amsgrad = json_node_get_boolean (v);
      else if (g_str_equal (k, "centered")) cfg->centered = json_node_get_boolean (v);
      else if (g_str_equal (k, "eps")) cfg->eps = json_node_get_double (v);
      else if (g_str_equal (k, "alpha")) cfg->alpha = json_node_get_double (v);
      else if (g_str_equal (k, "lr_decay")) cfg->lr_decay = json_node_get_double (v);
      else if (g_str_equal (k, "initial_accumulator_value")) cfg->initial_accumulator_value = json_node_get_double (v);
      else if (g_str_equal (k, "betas"))
        {
          cfg->beta1 = json_array_get_double_element (json_node_get_array (v), 0);
          cfg->beta2 = json_array_get_double_element (json_node_get_array (v), 1);
        }
      else
        g_error ("unknown optimizer arg %s", k);
    }
}

static inline void
sched_config_from_json (const char *type, JsonObject *args, PsSchedConfig *cfg)
{
  PsSchedKind kind;
  g_assert_true (ps_sched_kind_from_name (type, &kind));
  ps_sched_config_init (cfg, kind);
  g_autoptr (GList) names = json_object_get_members (args);
  for (GList *l = names; l; l = l->next)
    {
      const char *k = l->data;
      JsonNode *v = json_object_get_member (args, k);
      if (g_str_equal (k, "step_size")) cfg->step_size = json_node_get_int (v);
      else if (g_str_equal (k, "gamma")) cfg->gamma = json_node_get_double (v);
      else if (g_str_equal (k, "milestones"))
        {
          JsonArray *a = json_node_get_array (v);
          cfg->n_milestones = (int) json_array_get_length (a);
          for (int q = 0; q < cfg->n_milestones; q++)
            cfg->milestones[q] = json_array_get_int_element (a, q);
        }
      else if (g_str_equal (k, "T_max")) cfg->t_max = json_node_get_int (v);
      else if (g_str_equal (k, "eta_min")) cfg->eta_min = json_node_get_double (v);
      else if (g_str_equal (k, "start_factor")) cfg->start_factor = json_node_get_double (v);
      else if (g_str_equal (k, "end_factor")) cfg->end_factor = json_node_get_double (v);
      else if (g_str_equal (k, "total_iters")) cfg->total_iters = json_node_get_int (v);
      else if (g_str_equal (k, "max_lr")) cfg->max_lr = json_node_get_double (v);
      else if (g_str_equal (k, "total_steps")) cfg->total_steps = json_node_get_int (v);
      else if (g_str_equal (k, "epochs")) cfg->epochs = json_node_get_int (v);
      else if (g_str_equal (k, "steps_per_epoch")) cfg->steps_per_epoch = json_node_get_int (v);
      else if (g_str_equal (k, "pct_start")) cfg->pct_start = json_node_get_double (v);
      else if (g_str_equal (k, "anneal_strategy")) cfg->anneal_cos = g_str_equal (json_node_get_string (v), "cos");
      else if (g_str_equal (k, "three_phase")) cfg->three_phase = json_node_get_boolean (v);
      else if (g_str_equal (k, "cycle_momentum")) cfg->cycle_momentum = json_node_get_boolean (v);
      else if (g_str_equal (k, "div_factor")) cfg->div_factor = json_node_get_double (v);
      else if (g_str_equal (k, "final_div_factor")) cfg->final_div_factor = json_node_get_double (v);
      else
        g_error ("unknown scheduler arg %s", k);
    }
}

