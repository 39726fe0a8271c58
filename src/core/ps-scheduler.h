/* ps-scheduler.h — torch.optim.lr_scheduler 1.13: StepLR, MultiStepLR, ExponentialLR,
 * CosineAnnealingLR, LinearLR, OneCycleLR, in Python's double arithmetic and with the chainable
 * (recursive) get_lr() forms scheduler.step() uses, so the learning rates are torch's bits.
 * Construction runs torch's _initial_step() (last_epoch -1 → 0, which already sets the lr for
 * LinearLR and OneCycleLR). last_epoch other than -1 resumes: the optimizer's param group must hold
 * 'initial_lr' (and for OneCycleLR 'max_lr', 'min_lr', momenta) from an earlier scheduler, else
 * torch's KeyError. A division or modulo by zero torch's Python code meets in a step (StepLR
 * step_size=0, CosineAnnealingLR T_max=0, LinearLR start_factor=0) is torch's ZeroDivisionError at
 * that step. verbose is kept, not acted on (torch prints the lr; Paramscope records it). */
#pragma once

#include <glib.h>
#include "ps-optimizer.h"

G_BEGIN_DECLS

typedef enum {
  PS_SCHED_STEP,
  PS_SCHED_MULTI_STEP,
  PS_SCHED_EXPONENTIAL,
  PS_SCHED_COSINE_ANNEALING,
  PS_SCHED_LINEAR,
  PS_SCHED_ONE_CYCLE,
} PsSchedKind;

/* an int argument not given (a required one, or OneCycleLR's None) */
#define PS_SCHED_UNSET INT64_MIN

/* which float arguments were Python ints (PsSchedConfig.int_args): torch's messages and divisions
 * differ ("got 1" vs "got 1.0"; isinstance(pct_start, float); int / int → "division by zero") */
typedef enum {
  PS_SCHED_ARG_PCT_START, PS_SCHED_ARG_START_FACTOR, PS_SCHED_ARG_END_FACTOR, PS_SCHED_ARG_MAX_LR,
  PS_SCHED_ARG_DIV_FACTOR,
} PsSchedArg;

typedef struct {
  PsSchedKind kind;
  int64_t step_size;                 /* StepLR (required: PS_SCHED_UNSET) */
  double gamma;                      /* StepLR/MultiStepLR 0.1; ExponentialLR (required) */
  int64_t milestones[32];            /* MultiStepLR (required), n_milestones of them */
  int n_milestones;                  /* -1: not given */
  int64_t t_max;                     /* CosineAnnealingLR (required: PS_SCHED_UNSET) */
  double eta_min;                    /* 0 */
  double start_factor, end_factor;   /* LinearLR 1/3, 1.0 */
  int64_t total_iters;               /* LinearLR 5 */
  double max_lr;                     /* OneCycleLR (required) */
  int64_t total_steps, epochs, steps_per_epoch;   /* PS_SCHED_UNSET = None */
  double pct_start;                  /* 0.3 */
  gboolean anneal_cos;               /* anneal_strategy 'cos' (TRUE) or 'linear' */
  gboolean cycle_momentum;           /* TRUE */
  double base_momentum, max_momentum, div_factor, final_div_factor;   /* .85 .95 25 1e4 */
  gboolean three_phase;
  gboolean gamma_missing, max_lr_missing;   /* a required one not given (then it is NAN); an
                                              * explicit NaN is taken, as torch takes it */
  int64_t last_epoch;                /* -1 */
  gboolean verbose;                  /* FALSE; kept, not acted on */
  guint int_args;                    /* 1 << PsSchedArg */
} PsSchedConfig;

typedef struct _PsScheduler PsScheduler;

gboolean      ps_sched_kind_from_name   (const char *name, PsSchedKind *kind);
const char   *ps_sched_kind_name        (PsSchedKind kind);
/* defaults; required values are left 0/NAN and checked by ps_scheduler_new */
void          ps_sched_config_init      (PsSchedConfig *cfg, PsSchedKind kind);
/* Validates, then performs the initial step on opt (may change its lr/momentum). */
PsScheduler  *ps_scheduler_new          (const PsSchedConfig *cfg, PsOptimizer *opt, GError **error);
PsScheduler  *ps_scheduler_copy         (const PsScheduler *s);
void          ps_scheduler_free         (PsScheduler *s);
/* scheduler.step(): OneCycleLR raises past total_steps ("Tried to step …"), opt unchanged then. */
gboolean      ps_scheduler_step         (PsScheduler *s, PsOptimizer *opt, GError **error);

G_END_DECLS
