/* ps-scheduler.c — see ps-scheduler.h. Formulas are torch/optim/lr_scheduler.py (1.13) get_lr(). */
#include "ps-scheduler.h"
#include "ps-args.h"

#include <math.h>
#include <string.h>

struct _PsScheduler {
  PsSchedConfig cfg;
  int64_t last_epoch;
  int64_t step_count;
  double base_lr;        /* base_lrs[0] = group['initial_lr'] */
  int64_t total_steps;   /* OneCycleLR */
};

/* beyond this an int argument or last_epoch is refused (Python's ints do not overflow; ours would) */
#define SCHED_INT_LIMIT ((int64_t) 1 << 62)

static void
zero_division (GError **error, const char *what)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "ZeroDivisionError: %s", what);
}

static const char *const kind_names[] = {
  "StepLR", "MultiStepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR", "OneCycleLR",
};

gboolean
ps_sched_kind_from_name (const char *name, PsSchedKind *kind)
{
  for (guint i = 0; i < G_N_ELEMENTS (kind_names); i++)
    if (g_strcmp0 (name, kind_names[i]) == 0)
      {
        *kind = (PsSchedKind) i;
        return TRUE;
      }
  return FALSE;
}

const char *
ps_sched_kind_name (PsSchedKind kind)
{
  return kind_names[kind];
}

void
ps_sched_config_init (PsSchedConfig *cfg, PsSchedKind kind)
{
  memset (cfg, 0, sizeof *cfg);
  cfg->kind = kind;
  cfg->gamma = kind == PS_SCHED_EXPONENTIAL ? NAN : 0.1;
  cfg->gamma_missing = kind == PS_SCHED_EXPONENTIAL;
  cfg->max_lr_missing = kind == PS_SCHED_ONE_CYCLE;
  cfg->start_factor = 1.0 / 3.0;
  cfg->end_factor = 1.0;
  cfg->total_iters = 5;
  cfg->max_lr = NAN;
  cfg->pct_start = 0.3;
  cfg->anneal_cos = TRUE;
  cfg->cycle_momentum = TRUE;
  cfg->base_momentum = 0.85;
  cfg->max_momentum = 0.95;
  cfg->div_factor = 25.0;
  cfg->final_div_factor = 1e4;
  cfg->t_max = PS_SCHED_UNSET;
  cfg->step_size = PS_SCHED_UNSET;
  cfg->n_milestones = -1;
  cfg->total_steps = cfg->epochs = cfg->steps_per_epoch = PS_SCHED_UNSET;
  cfg->last_epoch = -1;
}

static double
anneal (const PsScheduler *s, double start, double end, double pct)
{
  if (s->cfg.anneal_cos)
    {
      double cos_out = cos (M_PI * pct) + 1.0;
      return end + (start - end) / 2.0 * cos_out;
    }
  return (end - start) * pct + start;
}

/* group[key] for OneCycleLR's phases: torch's KeyError when an earlier scheduler did not put it there */
static gboolean
group_value (PsOptimizer *opt, PsGroupKey key, double *v, GError **error)
{
  if (ps_optimizer_group_get (opt, key, v))
    return TRUE;
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "KeyError: '%s'", ps_group_key_name (key));
  return FALSE;
}

/* get_lr() at s->last_epoch (already incremented); may set momentum on opt (OneCycleLR). Fails
 * before changing opt. */
static gboolean
get_lr (PsScheduler *s, PsOptimizer *opt, double *lr, GError **error)
{
  const PsSchedConfig *c = &s->cfg;
  const double group_lr = ps_optimizer_get_lr (opt);
  const int64_t e = s->last_epoch;
  switch (c->kind)
    {
    case PS_SCHED_STEP:
      if (e != 0 && c->step_size == 0)
        {
          zero_division (error, "integer modulo by zero");
          return FALSE;
        }
      *lr = (e == 0 || e % c->step_size != 0) ? group_lr : group_lr * c->gamma;
      return TRUE;
    case PS_SCHED_MULTI_STEP:
      {
        int count = 0;
        for (int i = 0; i < c->n_milestones; i++)
          count += c->milestones[i] == e;
        *lr = count == 0 ? group_lr : group_lr * pow (c->gamma, (double) count);
        return TRUE;
      }
    case PS_SCHED_EXPONENTIAL:
      *lr = e == 0 ? group_lr : group_lr * c->gamma;
      return TRUE;
    case PS_SCHED_COSINE_ANNEALING:
      {
        const double T = (double) c->t_max;
        if (e == 0)
          *lr = group_lr;
        else if (s->step_count == 1 && e > 0)
          {
            if (c->t_max == 0)
              {
                zero_division (error, "float division by zero");
                return FALSE;
              }
            *lr = c->eta_min + (s->base_lr - c->eta_min) * (1.0 + cos ((double) e * M_PI / T)) / 2.0;
          }
        else
          {
            if (c->t_max == 0)
              {
                zero_division (error, "integer modulo by zero");
                return FALSE;
              }
            /* Python's % on ints: only whether it is 0 matters, the same for C's % */
            __int128 a = (__int128) e - 1 - c->t_max, m = (__int128) 2 * c->t_max;
            if (a % m == 0)
              *lr = group_lr + (s->base_lr - c->eta_min) * (1.0 - cos (M_PI / T)) / 2.0;
            else
              {
                double den = 1.0 + cos (M_PI * (double) (e - 1) / T);
                if (den == 0.0)
                  {
                    zero_division (error, "float division by zero");
                    return FALSE;
                  }
                *lr = (1.0 + cos (M_PI * (double) e / T)) / den * (group_lr - c->eta_min) + c->eta_min;
              }
          }
        return TRUE;
      }
    case PS_SCHED_LINEAR:
      if (e == 0)
        *lr = group_lr * c->start_factor;
      else if (e > c->total_iters)
        *lr = group_lr;
      else
        {
          double den = (double) c->total_iters * c->start_factor + (double) (e - 1) * (c->end_factor - c->start_factor);
          if (den == 0.0)
            {
              /* int / int when both factors are Python ints */
              const guint both = (1u << PS_SCHED_ARG_START_FACTOR) | (1u << PS_SCHED_ARG_END_FACTOR);
              zero_division (error, (c->int_args & both) == both ? "division by zero" : "float division by zero");
              return FALSE;
            }
          *lr = group_lr * (1.0 + (c->end_factor - c->start_factor) / den);
        }
      return TRUE;
    case PS_SCHED_ONE_CYCLE:
      {
        if (e > s->total_steps)
          {
            g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                         "Tried to step %" G_GINT64_FORMAT " times. The specified number of total steps is %"
                         G_GINT64_FORMAT, e + 1, s->total_steps);
            return FALSE;
          }
        const double ts = (double) s->total_steps;
        double ends[3];
        PsGroupKey lr_from[3], lr_to[3], m_from[3], m_to[3];
        int nph;
        if (c->three_phase)
          {
            nph = 3;
            ends[0] = c->pct_start * ts - 1.0;
            ends[1] = 2.0 * c->pct_start * ts - 2.0;
            ends[2] = ts - 1.0;
            lr_from[0] = PS_GROUP_INITIAL_LR; lr_to[0] = PS_GROUP_MAX_LR;
            m_from[0] = PS_GROUP_MAX_MOMENTUM; m_to[0] = PS_GROUP_BASE_MOMENTUM;
            lr_from[1] = PS_GROUP_MAX_LR; lr_to[1] = PS_GROUP_INITIAL_LR;
            m_from[1] = PS_GROUP_BASE_MOMENTUM; m_to[1] = PS_GROUP_MAX_MOMENTUM;
            lr_from[2] = PS_GROUP_INITIAL_LR; lr_to[2] = PS_GROUP_MIN_LR;
            m_from[2] = PS_GROUP_MAX_MOMENTUM; m_to[2] = PS_GROUP_MAX_MOMENTUM;
          }
        else
          {
            nph = 2;
            ends[0] = c->pct_start * ts - 1.0;
            ends[1] = ts - 1.0;
            lr_from[0] = PS_GROUP_INITIAL_LR; lr_to[0] = PS_GROUP_MAX_LR;
            m_from[0] = PS_GROUP_MAX_MOMENTUM; m_to[0] = PS_GROUP_BASE_MOMENTUM;
            lr_from[1] = PS_GROUP_MAX_LR; lr_to[1] = PS_GROUP_MIN_LR;
            m_from[1] = PS_GROUP_BASE_MOMENTUM; m_to[1] = PS_GROUP_MAX_MOMENTUM;
          }
        double start_step = 0.0;
        for (int i = 0; i < nph; i++)
          {
            if ((double) e <= ends[i] || i == nph - 1)
              {
                if (ends[i] - start_step == 0.0)
                  {
                    zero_division (error, "float division by zero");
                    return FALSE;
                  }
                double pct = ((double) e - start_step) / (ends[i] - start_step);
                double a, b, ma = 0.0, mb = 0.0;
                if (!group_value (opt, lr_from[i], &a, error) || !group_value (opt, lr_to[i], &b, error))
                  return FALSE;
                if (c->cycle_momentum
                    && (!group_value (opt, m_from[i], &ma, error) || !group_value (opt, m_to[i], &mb, error)))
                  return FALSE;
                *lr = anneal (s, a, b, pct);
                if (c->cycle_momentum)
                  ps_optimizer_set_momentum (opt, anneal (s, ma, mb, pct));
                break;
              }
            start_step = ends[i];
          }
        return TRUE;
      }
    }
  return FALSE;
}

static gboolean
do_step (PsScheduler *s, PsOptimizer *opt, GError **error)
{
  PsScheduler saved = *s;
  if (s->last_epoch >= SCHED_INT_LIMIT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "last_epoch %" G_GINT64_FORMAT " is beyond what "
                   "Paramscope counts (2^62)", s->last_epoch);
      return FALSE;
    }
  s->step_count++;
  s->last_epoch++;
  double lr = 0.0;
  if (!get_lr (s, opt, &lr, error))   /* fails before touching opt */
    {
      *s = saved;
      return FALSE;
    }
  ps_optimizer_set_lr (opt, lr);
  return TRUE;
}

static void
missing (GError **error, PsSchedKind kind, const char *arg)
{
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
               "TypeError: %s.__init__() missing 1 required positional argument: '%s'", ps_sched_kind_name (kind), arg);
}

/* Python's str() of a float argument, or of the int it was given as */
static char *
py_number (const PsSchedConfig *c, PsSchedArg arg, double v)
{
  PsValue pv = { 0 };
  if (c->int_args & (1u << arg))
    {
      pv.type = PS_VALUE_INT;
      pv.i = (int64_t) v;
    }
  else
    {
      pv.type = PS_VALUE_DOUBLE;
      pv.d = v;
    }
  char *r = ps_value_to_python (&pv);
  if (g_str_has_prefix (r, "float('"))   /* str(float('inf')) is inf */
    {
      char *t = g_strndup (r + 7, strlen (r) - 9);
      g_free (r);
      r = t;
    }
  return r;
}

/* OneCycleLR.__init__ before the base class's: validation in torch's order, then (last_epoch -1)
 * the group's initial_lr, max_lr, min_lr and momenta. */
static gboolean
one_cycle_init (const PsSchedConfig *c, PsOptimizer *opt, int64_t *total_steps, GError **error)
{
  if (c->max_lr_missing && isnan (c->max_lr))
    {
      missing (error, c->kind, "max_lr");
      return FALSE;
    }
  if (c->total_steps == PS_SCHED_UNSET && c->epochs == PS_SCHED_UNSET && c->steps_per_epoch == PS_SCHED_UNSET)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "You must define either total_steps OR (epochs AND steps_per_epoch)");
      return FALSE;
    }
  const char *names[] = { "total_steps", "epochs", "steps_per_epoch" };
  const int64_t vals[] = { c->total_steps, c->epochs, c->steps_per_epoch };
  for (int i = c->total_steps != PS_SCHED_UNSET ? 0 : 1; i < (c->total_steps != PS_SCHED_UNSET ? 1 : 3); i++)
    {
      if (vals[i] == PS_SCHED_UNSET)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "TypeError: '<=' not supported between instances of 'NoneType' and 'int' (%s is None)", names[i]);
          return FALSE;
        }
      if (vals[i] <= 0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Expected positive integer %s, but got %" G_GINT64_FORMAT,
                       names[i], vals[i]);
          return FALSE;
        }
    }
  if (c->total_steps != PS_SCHED_UNSET)
    *total_steps = c->total_steps;
  else if (c->epochs > SCHED_INT_LIMIT / c->steps_per_epoch)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "epochs × steps_per_epoch is beyond what Paramscope "
                   "counts (2^62)");
      return FALSE;
    }
  else
    *total_steps = c->epochs * c->steps_per_epoch;
  if (c->pct_start < 0.0 || c->pct_start > 1.0 || (c->int_args & (1u << PS_SCHED_ARG_PCT_START)))
    {
      g_autofree char *v = py_number (c, PS_SCHED_ARG_PCT_START, c->pct_start);
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "Expected float between 0 and 1 pct_start, but got %s", v);
      return FALSE;
    }
  if (c->last_epoch == -1)
    {
      if (c->div_factor == 0.0)
        {
          const guint both = (1u << PS_SCHED_ARG_MAX_LR) | (1u << PS_SCHED_ARG_DIV_FACTOR);
          zero_division (error, (c->int_args & both) == both ? "division by zero" : "float division by zero");
          return FALSE;
        }
      if (c->final_div_factor == 0.0)
        {
          zero_division (error, "float division by zero");
          return FALSE;
        }
    }
  if (c->cycle_momentum && !ps_optimizer_has_momentum (opt))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                   "optimizer must support momentum with `cycle_momentum` option enabled");
      return FALSE;
    }
  if (c->last_epoch == -1)
    {
      const double initial_lr = c->max_lr / c->div_factor;
      ps_optimizer_group_set (opt, PS_GROUP_INITIAL_LR, initial_lr);
      ps_optimizer_group_set (opt, PS_GROUP_MAX_LR, c->max_lr);
      ps_optimizer_group_set (opt, PS_GROUP_MIN_LR, initial_lr / c->final_div_factor);
      if (c->cycle_momentum)
        {
          ps_optimizer_set_momentum (opt, c->max_momentum);
          ps_optimizer_group_set (opt, PS_GROUP_MAX_MOMENTUM, c->max_momentum);
          ps_optimizer_group_set (opt, PS_GROUP_BASE_MOMENTUM, c->base_momentum);
        }
    }
  return TRUE;
}

PsScheduler *
ps_scheduler_new (const PsSchedConfig *cfg, PsOptimizer *opt, GError **error)
{
  const PsSchedConfig *c = cfg;
  int64_t total_steps = 0;
  if (c->last_epoch >= SCHED_INT_LIMIT || c->last_epoch <= -SCHED_INT_LIMIT)
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "last_epoch %" G_GINT64_FORMAT " is beyond what "
                   "Paramscope counts (2^62)", c->last_epoch);
      return NULL;
    }
  switch (c->kind)
    {
    case PS_SCHED_STEP:
      if (c->step_size == PS_SCHED_UNSET)
        {
          missing (error, c->kind, "step_size");
          return NULL;
        }
      break;
    case PS_SCHED_MULTI_STEP:
      if (c->n_milestones < 0)
        {
          missing (error, c->kind, "milestones");
          return NULL;
        }
      break;
    case PS_SCHED_EXPONENTIAL:
      if (c->gamma_missing && isnan (c->gamma))
        {
          missing (error, c->kind, "gamma");
          return NULL;
        }
      break;
    case PS_SCHED_COSINE_ANNEALING:
      if (c->t_max == PS_SCHED_UNSET)
        {
          missing (error, c->kind, "T_max");
          return NULL;
        }
      break;
    case PS_SCHED_LINEAR:
      if (c->start_factor > 1.0 || c->start_factor < 0.0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "Starting multiplicative factor expected to be between 0 and 1.");
          return NULL;
        }
      if (c->end_factor > 1.0 || c->end_factor < 0.0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "Ending multiplicative factor expected to be between 0 and 1.");
          return NULL;
        }
      break;
    case PS_SCHED_ONE_CYCLE:
      if (!one_cycle_init (c, opt, &total_steps, error))
        return NULL;
      break;
    }
  /* _LRScheduler.__init__ */
  double initial_lr;
  if (c->last_epoch == -1)
    {
      if (!ps_optimizer_group_get (opt, PS_GROUP_INITIAL_LR, &initial_lr))   /* group.setdefault */
        {
          initial_lr = ps_optimizer_get_lr (opt);
          ps_optimizer_group_set (opt, PS_GROUP_INITIAL_LR, initial_lr);
        }
    }
  else if (!ps_optimizer_group_get (opt, PS_GROUP_INITIAL_LR, &initial_lr))
    {
      g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "KeyError: param 'initial_lr' is not specified in "
                   "param_groups[0] when resuming an optimizer");
      return NULL;
    }
  PsScheduler *s = g_new0 (PsScheduler, 1);
  s->cfg = *cfg;
  s->last_epoch = c->last_epoch;
  s->total_steps = total_steps;
  s->base_lr = initial_lr;
  if (!do_step (s, opt, error))
    {
      ps_scheduler_free (s);
      return NULL;
    }
  return s;
}

PsScheduler *
ps_scheduler_copy (const PsScheduler *s)
{
  return g_memdup2 (s, sizeof *s);
}

void
ps_scheduler_free (PsScheduler *s)
{
  g_free (s);
}

gboolean
ps_scheduler_step (PsScheduler *s, PsOptimizer *opt, GError **error)
{
  return do_step (s, opt, error);
}
