/* ps-scheduler.c — see ps-scheduler.h. Formulas are torch/optim/lr_scheduler.py (1.13) get_lr(). */
#include "ps-scheduler.h"

#include <math.h>
#include <string.h>

struct _PsScheduler {
  PsSchedConfig cfg;
  int64_t last_epoch;
  int64_t step_count;
  double base_lr;
  /* OneCycleLR group values */
  double initial_lr, max_lr, min_lr, max_momentum, base_momentum;
  int64_t total_steps;
};

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
  cfg->t_max = -1;
  cfg->step_size = -1;
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

/* get_lr() at s->last_epoch (already incremented); may set momentum on opt (OneCycleLR). */
static gboolean
get_lr (PsScheduler *s, PsOptimizer *opt, double *lr, GError **error)
{
  const PsSchedConfig *c = &s->cfg;
  const double group_lr = ps_optimizer_get_lr (opt);
  const int64_t e = s->last_epoch;
  switch (c->kind)
    {
    case PS_SCHED_STEP:
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
          *lr = c->eta_min + (s->base_lr - c->eta_min) * (1.0 + cos ((double) e * M_PI / T)) / 2.0;
        else
          {
            /* Python's % on ints: result has the divisor's sign */
            int64_t a = e - 1 - c->t_max, m = 2 * c->t_max;
            int64_t r = ((a % m) + m) % m;
            if (r == 0)
              *lr = group_lr + (s->base_lr - c->eta_min) * (1.0 - cos (M_PI / T)) / 2.0;
            else
              *lr = (1.0 + cos (M_PI * (double) e / T)) / (1.0 + cos (M_PI * (double) (e - 1) / T))
                    * (group_lr - c->eta_min) + c->eta_min;
          }
        return TRUE;
      }
    case PS_SCHED_LINEAR:
      if (e == 0)
        *lr = group_lr * c->start_factor;
      else if (e > c->total_iters)
        *lr = group_lr;
      else
        *lr = group_lr * (1.0 + (c->end_factor - c->start_factor)
                                / ((double) c->total_iters * c->start_factor
                                   + (double) (e - 1) * (c->end_factor - c->start_factor)));
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
        double ends[3], lr_from[3], lr_to[3], m_from[3], m_to[3];
        int nph;
        if (c->three_phase)
          {
            nph = 3;
            ends[0] = c->pct_start * ts - 1.0;
            ends[1] = 2.0 * c->pct_start * ts - 2.0;
            ends[2] = ts - 1.0;
            lr_from[0] = s->initial_lr; lr_to[0] = s->max_lr; m_from[0] = s->max_momentum; m_to[0] = s->base_momentum;
            lr_from[1] = s->max_lr; lr_to[1] = s->initial_lr; m_from[1] = s->base_momentum; m_to[1] = s->max_momentum;
            lr_from[2] = s->initial_lr; lr_to[2] = s->min_lr; m_from[2] = s->max_momentum; m_to[2] = s->max_momentum;
          }
        else
          {
            nph = 2;
            ends[0] = c->pct_start * ts - 1.0;
            ends[1] = ts - 1.0;
            lr_from[0] = s->initial_lr; lr_to[0] = s->max_lr; m_from[0] = s->max_momentum; m_to[0] = s->base_momentum;
            lr_from[1] = s->max_lr; lr_to[1] = s->min_lr; m_from[1] = s->base_momentum; m_to[1] = s->max_momentum;
          }
        double start_step = 0.0;
        for (int i = 0; i < nph; i++)
          {
            if ((double) e <= ends[i] || i == nph - 1)
              {
                double pct = ((double) e - start_step) / (ends[i] - start_step);
                *lr = anneal (s, lr_from[i], lr_to[i], pct);
                if (c->cycle_momentum)
                  ps_optimizer_set_momentum (opt, anneal (s, m_from[i], m_to[i], pct));
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

PsScheduler *
ps_scheduler_new (const PsSchedConfig *cfg, PsOptimizer *opt, GError **error)
{
  const PsSchedConfig *c = cfg;
  switch (c->kind)
    {
    case PS_SCHED_STEP:
      if (c->step_size < 1)
        goto required;
      break;
    case PS_SCHED_MULTI_STEP:
      if (c->n_milestones < 1)
        goto required;
      break;
    case PS_SCHED_EXPONENTIAL:
      if (c->gamma_missing && isnan (c->gamma))
        goto required;
      break;
    case PS_SCHED_COSINE_ANNEALING:
      if (c->t_max < 1)
        goto required;
      break;
    case PS_SCHED_LINEAR:
      if (c->start_factor > 1.0 || c->start_factor < 0.0)
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "Starting multiplicative factor expected to be between 0 and 1.");
          return NULL;
        }
      if (c->start_factor == 0.0)
        {
          /* torch 1.13 takes it and fails at the first scheduler.step() (its chainable form
           * divides by total_iters * start_factor): refused here, before anything ran */
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "start_factor 0: torch's first scheduler.step() fails with ZeroDivisionError: float division by zero");
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
      if (c->max_lr_missing && isnan (c->max_lr))
        goto required;
      if (c->total_steps <= 0 && (c->epochs <= 0 || c->steps_per_epoch <= 0))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "You must define either total_steps OR (epochs AND steps_per_epoch)");
          return NULL;
        }
      if (c->pct_start < 0.0 || c->pct_start > 1.0)
        {
          /* Python's repr of the float: -1.0, inf */
          char buf[G_ASCII_DTOSTR_BUF_SIZE];
          g_ascii_dtostr (buf, sizeof buf, c->pct_start);
          if (strpbrk (buf, ".eni") == NULL)
            g_strlcat (buf, ".0", sizeof buf);
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "Expected float between 0 and 1 pct_start, but got %s", buf);
          return NULL;
        }
      if (c->cycle_momentum && !ps_optimizer_has_momentum (opt))
        {
          g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT,
                       "optimizer must support momentum with `cycle_momentum` option enabled");
          return NULL;
        }
      break;
    }
  PsScheduler *s = g_new0 (PsScheduler, 1);
  s->cfg = *cfg;
  s->last_epoch = -1;
  if (c->kind == PS_SCHED_ONE_CYCLE)
    {
      s->total_steps = c->total_steps > 0 ? c->total_steps : c->epochs * c->steps_per_epoch;
      s->initial_lr = c->max_lr / c->div_factor;
      s->max_lr = c->max_lr;
      s->min_lr = s->initial_lr / c->final_div_factor;
      s->max_momentum = c->max_momentum;
      s->base_momentum = c->base_momentum;
      if (c->cycle_momentum)
        ps_optimizer_set_momentum (opt, c->max_momentum);
      s->base_lr = s->initial_lr;
    }
  else
    s->base_lr = ps_optimizer_get_lr (opt);   /* group.setdefault('initial_lr', group['lr']) */
  if (!do_step (s, opt, error))
    {
      ps_scheduler_free (s);
      return NULL;
    }
  return s;
required:
  g_set_error (error, PS_ERROR, PS_ERROR_INVALID_ARGUMENT, "%s: a required argument is missing (%s)",
               ps_sched_kind_name (c->kind),
               c->kind == PS_SCHED_STEP ? "step_size" : c->kind == PS_SCHED_MULTI_STEP ? "milestones"
               : c->kind == PS_SCHED_EXPONENTIAL ? "gamma" : c->kind == PS_SCHED_COSINE_ANNEALING ? "T_max" : "max_lr");
  return NULL;
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
